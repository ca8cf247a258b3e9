"""``python -m web.cli staff create``: the password from one stdin line (no terminal), refused
input as one line per problem with exit status 2, the creation audited with the command line as
its actor, and the password never printed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli import ROOT, _cli

pytestmark = pytest.mark.integration


def _run(db: Path, *args: str, stdin: str) -> tuple[int, str, str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"
    }
    done = subprocess.run(
        [sys.executable, "-m", "web.cli", "staff", "create", *args],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": f"sqlite:///{db}", "APP_ENV": "development"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def test_staff_create_from_stdin(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    assert _cli("migrate", DATABASE_URL=f"sqlite:///{db}").returncode == 0

    code, out, err = _run(
        db, "--email", "Ops@Example.com", "--role", "owner", stdin="an owner passphrase\n"
    )
    assert code == 0, err
    assert "created owner ops@example.com" in out and "two-factor" in out
    assert "an owner passphrase" not in out + err

    def errors(err: str) -> list[str]:
        return [line for line in err.splitlines() if line.startswith("error: ")]

    code, out, err = _run(db, "--email", "new@example.com", "--role", "viewer", stdin="short\n")
    assert code == 2 and "Traceback" not in err
    assert errors(err) == ["error: password: Use at least 10 characters."]
    code, out, err = _run(
        db, "--email", "ops@example.com", "--role", "viewer", stdin="a viewer passphrase\n"
    )
    assert code == 2 and errors(err) == ["error: email: A staff member with this e-mail exists."]

    with sqlite3.connect(db) as conn:
        staff = conn.execute("select email, role, password_hash from staff_member").fetchall()
        audit = conn.execute(
            "select actor_staff_id, actor_email, action from audit_entry"
        ).fetchall()
    assert [(e, r) for e, r, _ in staff] == [("ops@example.com", "owner")]
    assert staff[0][2].startswith("$argon2id$")
    assert audit == [(None, "command line", "staff.created")]


def test_staff_create_with_a_link(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    assert _cli("migrate", DATABASE_URL=f"sqlite:///{db}").returncode == 0
    code, out, err = _run(db, "--email", "new@example.com", "--role", "billing", "--link", stdin="")
    assert code == 0, err
    link = next(line for line in out.splitlines() if "/admin/welcome/" in line)
    assert link.startswith("http") and len(link.rsplit("/", 1)[1]) >= 40
    with sqlite3.connect(db) as conn:
        (hash_,) = conn.execute("select password_hash from staff_member").fetchone()
        (stored,) = conn.execute("select id from staff_token").fetchone()
    assert hash_ is None and stored != link.rsplit("/", 1)[1]  # only the secret's digest is kept
