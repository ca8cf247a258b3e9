"""``python -m web.cli entitlements rebuild [--check]`` on a fresh SQLite file: the demo catalog
with its features, a subscriber made from the command line (entitled live), a check that passes,
a row changed behind the read model's back that the check names (exit 1) and the rebuild
repairs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_the_entitlements_rebuild_and_check_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.db", "APP_ENV": "development"}

    def cli(*args: str, status: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == status, done.stderr
        return done.stdout + done.stderr

    cli("migrate")
    assert "loaded the demo features (7)" in cli("seed-demo")
    cli("customer", "create", "--email", "ada@example.test", "--name", "Ada", "--country", "US")
    cli("subscribe", "--email", "ada@example.test", "--plan", "team-monthly", "--quantity", "3")
    assert "the stored entitlements equal a rebuild" in cli("entitlements", "rebuild", "--check")
    with sqlite3.connect(tmp_path / "app.db") as db:
        limit = db.execute(
            "SELECT limit_value FROM customer_entitlement WHERE feature_key = 'seats'"
        )
        assert limit.fetchall() == [(3,)]
        db.execute("UPDATE customer_entitlement SET limit_value = 99 WHERE feature_key = 'seats'")
    out = cli("entitlements", "rebuild", "--check", status=1)
    assert "differs: customer" in out
    assert "1 customer(s) corrected" in cli("entitlements", "rebuild")
    assert "the stored entitlements equal a rebuild" in cli("entitlements", "rebuild", "--check")
