"""Shared fixtures: the per-run database, a frozen clock at an awkward instant, the app."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase

# the oidc_provider_factory fixture; the check that every invoice and credit note adds up
pytest_plugins = ("tests.support.oidc", "tests.support.reconciliation")

AWKWARD_INSTANT = datetime(2024, 1, 31, 23, 59, 30, tzinfo=UTC)  # a 31st, near midnight UTC
ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"


def _backend() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return "postgres" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backend: {_backend()}"


# The Debian package that brings each program a test may need (`make system-packages` installs them).
PROGRAM_PACKAGES = {
    "chromium": "chromium",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
}


def _missing_program_reason(program: str) -> str | None:
    if shutil.which(program):
        return None
    package = PROGRAM_PACKAGES.get(program, program)
    return (
        f"needs the program {program!r}, not on PATH: "
        f"run `sudo apt-get install -y {package}` (or `make system-packages` as root)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    no_pg = pytest.mark.skip(
        reason="needs PostgreSQL: run with DATABASE_URL=postgresql://... (make test-pg)"
    )
    # most browser tests serve the app from their own SQLite file, so a PostgreSQL run would repeat
    # the SQLite run's browser tests exactly: they run once, in `make test`. Those marked
    # `every_backend` serve from the run's backend (a fresh PostgreSQL database in `make test-pg`)
    e2e_once = pytest.mark.skip(reason="browser tests serve from SQLite: `make test` runs them")
    for item in items:
        if "postgres" in item.keywords and _backend() != "postgres":
            item.add_marker(no_pg)
        if (
            "e2e" in item.keywords
            and "every_backend" not in item.keywords
            and _backend() == "postgres"
        ):
            item.add_marker(e2e_once)
            continue
        programs = [arg for mark in item.iter_markers("needs") for arg in mark.args]
        if "e2e" in item.keywords:
            programs.append("chromium")  # launched as Debian's /usr/bin/chromium
        for program in programs:
            reason = _missing_program_reason(program)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
                break


@pytest.fixture(scope="session")
async def database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestDatabase]:
    db = await TestDatabase.create(os.environ.get("DATABASE_URL"), tmp_path_factory.mktemp("db"))
    yield db
    await db.drop()


@pytest.fixture
async def db(database: TestDatabase) -> TestDatabase:
    """The migrated test database, emptied before the test."""
    await database.truncate()
    return database


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(AWKWARD_INSTANT)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT
