"""The command line reports configuration and database problems in one line, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-m", "web.cli", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://postgres@127.0.0.1:1/nowhere",
            "cannot use the database at postgresql://postgres@127.0.0.1:1/nowhere",
        ),
        ("postgresql://app:s3cret@127.0.0.1:1/x", "postgresql://app:***@127.0.0.1:1/x"),
        ("oracle://db", "unsupported scheme 'oracle'"),
    ],
)
def test_bad_database_url_stops_with_one_line(url: str, expected: str) -> None:
    result = _cli("check", DATABASE_URL=url)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0]
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_to_start_on_an_unreachable_database() -> None:
    result = _cli("serve", "--port", "1", DATABASE_URL="postgresql://postgres@127.0.0.1:1/x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot use the database")


def test_migrate_and_seed_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert _cli("migrate", DATABASE_URL=url).returncode == 0
    again = _cli("migrate", DATABASE_URL=url)
    assert again.returncode == 0, again.stderr
    seeded = _cli("seed-demo", DATABASE_URL=url)
    assert "loaded the demo catalog (7 plans)" in seeded.stderr
    assert "loaded the demo promotion codes (WELCOME20)" in seeded.stderr
    assert "loaded" not in _cli("seed-demo", DATABASE_URL=url).stderr
    assert _cli("check", DATABASE_URL=url).stdout.startswith("ok:")


def test_check_accepts_the_test_database(database: TestDatabase) -> None:
    result = _cli("check", DATABASE_URL=database.url)
    assert result.returncode == 0, result.stderr


def test_worker_runs_jobs_alone_and_stops_gracefully(tmp_path: Path) -> None:
    import signal
    import sqlite3
    import time

    url = f"sqlite:///{tmp_path / 'worker.db'}"
    assert _cli("migrate", DATABASE_URL=url).returncode == 0
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "worker"],
        cwd=ROOT,
        env={**clean, "DATABASE_URL": url, "APP_JOBS_POLL_INTERVAL": "0.05"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # the worker enqueues the schedule's latest tick (jobs.purge_finished) and runs it
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            with sqlite3.connect(tmp_path / "worker.db") as conn:
                row = conn.execute(
                    "SELECT status FROM job WHERE name = 'jobs.purge_finished'"
                ).fetchone()
            status = row[0] if row else None
            if status == "succeeded":
                break
            time.sleep(0.1)
        assert status == "succeeded"
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    assert "job runner stopped" in stderr


def test_a_test_clock_rehearsal_from_the_command_line(tmp_path: Path) -> None:
    """Staff rehearse renewals on a sandbox test clock with the CLI alone."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.db", "APP_ENV": "development"}

    def cli(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("migrate")
    cli("seed-demo")
    clock_id = cli("clock", "create", "rehearsal", "--at", "2026-01-31T09:00:00Z").split()[0]
    cli("customer", "create", "--email", "ada@example.test", "--name", "Ada", "--country", "US",
        "--clock", clock_id, "--card", "4242424242424242")  # fmt: skip
    out = cli("subscribe", "--email", "ada@example.test", "--plan", "team-monthly")
    assert "INV-2026-000001" in out
    out = cli("clock", "advance", clock_id, "--next-renewal")
    assert "INV-2026-000002  paid" in out and "INV-2026-000001  paid" in out
    out = cli("clock", "advance", clock_id, "--days", "31")
    assert "INV-2026-000003  paid" in out


def test_production_on_the_sandbox_gateway_stops_with_one_line() -> None:
    production = {"APP_ENV": "production", "APP_SECRET_KEY": "k" * 40}
    refused = _cli("check", **production, DATABASE_URL="sqlite:///var/never-created.db")
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: APP_ENV=production refuses PAYMENT_GATEWAY=sandbox")
    assert len(refused.stderr.strip().splitlines()) == 1
    stripe = _cli("check", **production, PAYMENT_GATEWAY="stripe", STRIPE_API_KEY="sk_test_x")
    assert stripe.returncode == 2
    assert "needs STRIPE_WEBHOOK_SECRET" in stripe.stderr


@pytest.mark.slow
def test_the_demo_year_and_the_mrr_ledger_rebuild_and_check_from_the_command_line(
    tmp_path: Path,
) -> None:
    """A year of the demo business (the one `make run` loads) through the live use cases, then
    its ledger checked against the history it was written with, and rebuilt."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/app.db", "APP_ENV": "development"}

    def cli(*args: str, status: int = 0) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", *args], env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == status, done.stderr
        return done.stdout

    cli("migrate")
    cli("seed-demo")
    cli("customer", "create", "--email", "ada@example.test", "--name", "Ada", "--country", "US")
    cli("subscribe", "--email", "ada@example.test", "--plan", "team-monthly", "--quantity", "3")
    out = cli("analytics", "rebuild", "--check")
    assert "MRR ledger checked: 1 movement(s) from 1 version(s) of 1 customer(s)" in out
    assert "the stored ledger equals the one the history gives" in out

    done = subprocess.run(
        [sys.executable, "-m", "web.cli", "seed-demo", "--history"], env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "loaded a year of the demo business (40 customers)" in done.stderr
    out = cli("analytics", "rebuild", "--check")
    assert "of 41 customer(s)" in out and "the stored ledger equals" in out, out
    movements = int(out.split("checked: ")[1].split(" movement")[0])
    assert movements > 60  # a year of subscribes, changes, churns and returns
    assert f"MRR ledger rebuilt: {movements} movement(s)" in cli("analytics", "rebuild")
    again = subprocess.run(
        [sys.executable, "-m", "web.cli", "seed-demo", "--history"], env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "loaded a year" not in again.stderr  # loaded once
