"""django-silver's billing run: the peer the renewal run is measured against (issue 18).

django-silver 0.11.1 (PyPI) is a Python billing engine; its ``generate_docs`` command makes one
invoice per due subscription (it does not charge). It is never a dependency of the project: it
pins Django 3.2 (end of life), so it gets its own virtual environment outside the checkout,
under ``~/.cache/tessera-bench/silver/venv`` (``$TESSERA_BENCH_CACHE/silver/venv`` when set),
made on first use (``pip install django-silver==0.11.1 typing_extensions "psycopg2-binary<2.10"``)
and reused after. Its settings, ``manage.py`` and seeding script ``silver_bench.py`` are not in
this repository either: they live beside it in the shared folder (``shared/peers/silver/``, see
``shared/TEST-PEERS.md``, "django-silver"); each run copies them to
``~/.cache/tessera-bench/silver/silverproj``. Give another folder with ``--silver-dir``.

Per run: one scratch PostgreSQL database (``silver_bench_<hex>``) on the bench's server (created, migrated by silver's own
``manage.py migrate``, dropped at the end); per size, ``silver_bench.py N`` wipes silver's tables,
seeds N customers with one monthly subscription each (and a metered usage log), then times two
billing runs (two consecutive billing dates), each making N invoices.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from bench.job_throughput import _drop_pg_database

REQUIREMENTS = ("django-silver==0.11.1", "typing_extensions", "psycopg2-binary<2.10")
PEER_FILES = ("manage.py", "silver_bench.py", "silverproj_settings.py")
REPO = Path(__file__).resolve().parent.parent
# where the peer's files are looked for when --silver-dir is not given, in this order
PEER_DIRS = (REPO.parent / "shared" / "peers" / "silver", Path("/work/shared/peers/silver"))
HOW_TO_GET = (
    "django-silver's peer files (manage.py, silver_bench.py, silverproj_settings.py) are kept"
    " outside the repository, in the shared folder beside the checkout: shared/peers/silver/"
    " (described in shared/TEST-PEERS.md, 'django-silver'). Copy that folder anywhere and pass"
    " --silver-dir PATH, or set TESSERA_SILVER_DIR."
)
RUN_LINE = re.compile(
    r"^run(?P<run>[12]) billing_date=\S+ docs=(?P<docs>\d+) entries=\d+"
    r" seconds=(?P<seconds>\d+(?:\.\d+)?) docs_per_s=\d+(?:\.\d+)?$"
)


class PeerUnavailable(Exception):
    """The peer cannot be set up here; ``str()`` says why and what to do."""


@dataclass(frozen=True)
class SilverRun:
    """One ``silver_bench.py N``: its two billing runs, each making ``docs`` invoices."""

    n: int
    docs: tuple[int, int]
    seconds: tuple[float, float]

    @property
    def best(self) -> int:
        """The faster of the two billing runs (0 or 1): silver at its best, so our ratio to it
        is the cautious one."""
        rates = [d / s for d, s in zip(self.docs, self.seconds, strict=True)]
        return rates.index(max(rates))

    @property
    def invoices_per_s(self) -> float:
        return self.docs[self.best] / self.seconds[self.best]


def parse_output(n: int, output: str) -> SilverRun:
    """``silver_bench.py``'s two ``runK ... docs=D ... seconds=S ...`` lines; an error unless
    both are there and each billing run made ``n`` invoices."""
    runs: dict[int, tuple[int, float]] = {}
    for line in output.splitlines():
        match = RUN_LINE.match(line.strip())
        if match:
            runs[int(match["run"])] = (int(match["docs"]), float(match["seconds"]))
    if sorted(runs) != [1, 2]:
        raise ValueError(f"unexpected silver_bench.py output:\n{output}")
    for run, (docs, seconds) in runs.items():
        if docs != n or seconds <= 0:
            raise ValueError(f"silver's billing run {run} made {docs} invoices for {n} customers")
    return SilverRun(n, (runs[1][0], runs[2][0]), (runs[1][1], runs[2][1]))


def cache_dir() -> Path:
    root = os.environ.get("TESSERA_BENCH_CACHE") or Path.home() / ".cache" / "tessera-bench"
    return Path(root) / "silver"


def find_peer_dir(given: str | None = None) -> Path:
    """The folder holding the peer's files: ``given``, else ``$TESSERA_SILVER_DIR``, else the
    shared folder beside the checkout."""
    env = os.environ.get("TESSERA_SILVER_DIR")
    candidates = [Path(given)] if given else [Path(env)] if env else list(PEER_DIRS)
    for folder in candidates:
        if all((folder / name).is_file() for name in PEER_FILES):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise PeerUnavailable(f"django-silver peer not found (looked in {looked}). {HOW_TO_GET}")


def _run(command: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise PeerUnavailable(f"{' '.join(command)} failed ({done.returncode}):\n{tail}")
    return done.stdout


def ensure_venv() -> Path:
    """The peer's Python, its virtual environment made and filled on first use."""
    venv = cache_dir() / "venv"
    python = venv / "bin" / "python"
    marker = venv / ".tessera-requirements"
    wanted = "\n".join(REQUIREMENTS)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    print(f"silver: setting up its virtual environment in {venv} (once)", file=sys.stderr)
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(python), "-m", "pip", "install", "--quiet", *REQUIREMENTS])
    marker.write_text(wanted)
    return python


def prepare_project(peer_dir: Path) -> Path:
    """A writable copy of the peer's files (the shared folder is read-only; Django writes its
    static files beside its settings)."""
    project = cache_dir() / "silverproj"
    project.mkdir(parents=True, exist_ok=True)
    for name in PEER_FILES:
        shutil.copyfile(peer_dir / name, project / name)
    return project


def _peer_env(url: str) -> dict[str, str]:
    """The peer's settings read the database from ``SILVER_DB``/``PG*``; its host is fixed at
    127.0.0.1."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise PeerUnavailable(
            f"the peer's settings connect to 127.0.0.1 only, not {parts.hostname}"
        )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "VIRTUAL_ENV", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env |= {
        "SILVER_DB": "postgres",
        "PGDATABASE": parts.path.lstrip("/"),
        "PGPORT": str(parts.port or 5432),
        "PGUSER": unquote(parts.username or "postgres"),
    }
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    return env


class SilverPeer:
    """The peer set up for one bench run: ``await start()``, ``run(n)`` per size, ``await
    stop()``."""

    def __init__(self, pg_url: str, peer_dir: str | None = None) -> None:
        self.pg_url = pg_url
        self.peer_dir = find_peer_dir(peer_dir)
        self.python = ensure_venv()
        self.project = prepare_project(self.peer_dir)
        self.database: str | None = None
        self.env: dict[str, str] = {}

    async def start(self) -> None:
        # its own prefix: other benches' scratch databases are named bench_*, and a clean-up of
        # those must not take silver's from under it
        self.database = f"silver_bench_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.pg_url)
        try:
            await conn.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await conn.close()
        url = self.pg_url.rsplit("/", 1)[0] + f"/{self.database}"
        try:
            self.env = _peer_env(url)
            manage = [str(self.python), "manage.py"]
            _run([*manage, "migrate", "--noinput"], env=self.env, cwd=self.project)
            _run([*manage, "collectstatic", "--noinput"], env=self.env, cwd=self.project)
        except BaseException:
            await self.stop()
            raise

    def run(self, n: int) -> SilverRun:
        try:
            output = _run(
                [str(self.python), "silver_bench.py", str(n)], env=self.env, cwd=self.project
            )
        except PeerUnavailable as exc:  # set up, then failed: an error, not a skip
            raise RuntimeError(f"silver's billing run at {n}: {exc}") from exc
        return parse_output(n, output)

    async def stop(self) -> None:
        if self.database is not None:
            await _drop_pg_database(self.pg_url, self.database)
            self.database = None
