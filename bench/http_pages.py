"""HTTP throughput of the public pages: the real app under a production ASGI server, measured by
``wrk``, beside a ceiling measured the same way in the same run.

The app is started the way it is deployed: uvicorn (``web.asgi:app``), one worker, no reload, no
access log, log level warning, uvloop and httptools, with ``APP_ENV=production`` and the job
runner off (``APP_JOBS_ENABLED=false``), on a free 127.0.0.1 port, against a fresh SQLite file
(or, with ``--pg-url``, a scratch PostgreSQL database) migrated and seeded with the demo catalog
through ``python -m web.cli migrate`` and ``seed-demo``. The ceiling is ``bench/minimal_app.py``
(one Litestar route rendering one Jinja2 template) under the same uvicorn settings. Each target
gets a short warm-up, then ``wrk -t2 -c32 -d15s --latency`` (configurable); the table shows
requests per second, p50 and p99 latency, and req/s as a share of the minimal page's.

The run ends with one line per page, exactly as issue 18 asks (PostgreSQL's when it was
measured, else SQLite's; the table above them has both):
``pages: path=<path> rps=<x> p99_ms=<y> bare_rps=<b> ratio=<x/b>``.

Targets are the ``TARGETS`` tuple below: adding a page is one line. A target whose URL answers
404 (a page not built yet) is skipped with a note; any other status than 200 is reported and
skipped.

    python -m bench.http_pages [--duration 15] [--connections 32] [--threads 2]
                               [--pg-url postgresql://...] [--no-sqlite] [--pages checkout]

wrk is Debian's ``wrk`` package: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTMX = (("HX-Request", "true"),)
START_TIMEOUT_S = 120  # a shared, busy machine can take a while to import the app


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    ceiling: bool = False  # served by bench/minimal_app.py, not the app


# One line per page. A URL answering 404 is skipped with a note (e.g. a page not built yet).
TARGETS: tuple[Target, ...] = (
    Target("minimal Jinja page (ceiling)", "/", ceiling=True),
    Target("/pricing", "/pricing"),
    Target("/pricing annual, 5 seats", "/pricing?interval=year&seats=5"),
    Target(
        "/pricing/estimate (htmx)",
        "/pricing/estimate?plan=scale-monthly&currency=USD&units=250000",
        HTMX,
    ),
    Target("checkout page", "/checkout/team-monthly"),
    Target(
        "checkout summary, no code (htmx)",
        "/checkout/team-annual/summary?currency=USD&quantity=5&country=US",
        HTMX,
    ),
    Target(
        "checkout summary (htmx)",
        "/checkout/team-annual/summary?currency=USD&quantity=5&promotion_code=WELCOME20&country=US",
        HTMX,
    ),
)

PAGES_HELP = (
    "only the pages whose path contains one of these comma-separated strings "
    "(e.g. 'checkout'); default: every page"
)


def chosen(pages: str) -> list[Target]:
    """The app's targets ``--pages`` names (every one when empty)."""
    wanted = [p for p in pages.split(",") if p]
    return [
        t for t in TARGETS if not t.ceiling and (not wanted or any(w in t.path for w in wanted))
    ]


UVICORN_FLAGS = (
    "--workers", "1",
    "--no-access-log",
    "--log-level", "warning",
    "--loop", "uvloop",
    "--http", "httptools",
)  # fmt: skip


@dataclass
class Result:
    backend: str
    target: str
    path: str
    status: str  # "ok", or why it was skipped
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0  # non-2xx/3xx answers and socket errors during the run
    error_detail: str = ""
    vs_ceiling: float = 0.0


# -- wrk ------------------------------------------------------------------------------------------
def check_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "error: wrk is not installed. Install Debian's package, e.g.: apt-get install -y wrk",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return wrk


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS_MS[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p99 ms and the error count from ``wrk --latency`` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    if not (rps and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(r"Socket errors:(.*)$", output, re.M)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return float(rps.group(1)), _ms(*p50.groups()), _ms(*p99.groups()), errors


def describe_errors(output: str) -> str:
    """What went wrong during a run, as wrk reports it: "25 timeouts, 2 non-2xx"."""
    parts = []
    socket_errors = re.search(r"Socket errors:(.*)$", output, re.M)
    if socket_errors:
        for kind, n in re.findall(r"(\w+) (\d+)", socket_errors.group(1)):
            if int(n):
                parts.append(f"{n} {kind}{'s' if kind == 'timeout' else ' errors'}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        parts.append(f"{non_2xx.group(1)} non-2xx")
    return ", ".join(parts)


def run_command(command: list[str]) -> str:
    """Run a load command (wrk with its arguments) and give its report."""
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


def inherited_env() -> dict[str, str]:
    """The environment a server under test starts from: no app settings, no database URL."""
    return {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}


def run_wrk(
    wrk: str, url: str, target: Target, *, threads: int, connections: int, seconds: int
) -> str:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in target.headers:
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


# -- servers --------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(url: str, headers: Sequence[tuple[str, str]] = ()) -> int:
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@contextmanager
def serve(app: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """``uvicorn APP`` with the production flags on a free port; yields its base URL."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
             *UVICORN_FLAGS],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{app} exited:\n{log.read_text()}")
                try:
                    _status(base + "/")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(
                            f"{app} did not answer in {START_TIMEOUT_S} s:\n{log.read_text()}"
                        ) from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def app_env(database_url: str) -> dict[str, str]:
    """The app's settings for the run: production, no job runner, quiet logs."""
    return {
        **inherited_env(),
        "DATABASE_URL": database_url,
        "APP_ENV": "production",
        "PAYMENT_ALLOW_SANDBOX": "true",  # the pages measured charge nothing
        "APP_SECRET_KEY": secrets.token_urlsafe(48),
        "APP_JOBS_ENABLED": "false",
        "APP_LOG_LEVEL": "WARNING",
    }


def prepare_database(env: dict[str, str]) -> None:
    for command in ("migrate", "seed-demo"):
        done = subprocess.run(
            [sys.executable, "-m", "web.cli", command],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"web.cli {command} failed: {done.stderr}")


# -- the run --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Load:
    wrk: str
    threads: int
    connections: int
    seconds: int
    warmup: int


def measure(backend: str, base: str, targets: Sequence[Target], load: Load) -> list[Result]:
    results = []
    for target in targets:
        url = base + target.path
        status = _status(url, target.headers)
        if status != 200:
            note = "skipped: 404, not built yet" if status == 404 else f"skipped: answered {status}"
            print(f"  {target.name}: {note} ({target.path})", file=sys.stderr)
            results.append(Result(backend, target.name, target.path, note))
            continue
        if load.warmup:
            run_wrk(load.wrk, url, target, threads=load.threads, connections=load.connections,
                    seconds=load.warmup)  # fmt: skip
        output = run_wrk(load.wrk, url, target, threads=load.threads,
                         connections=load.connections, seconds=load.seconds)  # fmt: skip
        rps, p50, p99, errors = parse_wrk(output)
        detail = describe_errors(output)
        print(f"  {target.name}: {rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms"
              f"{f' ({detail})' if detail else ''}", file=sys.stderr)  # fmt: skip
        results.append(
            Result(backend, target.name, target.path, "ok", rps, p50, p99, errors, detail)
        )
    return results


def _fresh_pg(base_url: str) -> tuple[str, str]:
    from bench.job_throughput import _fresh_pg_database

    return asyncio.run(_fresh_pg_database(base_url))


def _drop_pg(base_url: str, name: str) -> None:
    from bench.job_throughput import _drop_pg_database

    asyncio.run(_drop_pg_database(base_url, name))


def print_table(results: Sequence[Result], load: Load) -> None:
    print(
        f"wrk -t{load.threads} -c{load.connections} -d{load.seconds}s --latency "
        f"(after a {load.warmup}s warm-up), uvicorn {' '.join(UVICORN_FLAGS)}"
    )
    print()
    print("| backend | target | req/s | p50 ms | p99 ms | ÷ minimal page |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in results:
        if r.status != "ok":
            print(f"| {r.backend} | {r.target} | {r.status} | | | |")
            continue
        ratio = "1.00" if r.backend == "-" else f"{r.vs_ceiling:.2f}"
        errors = f" ({r.error_detail})" if r.error_detail else ""
        print(
            f"| {r.backend} | {r.target} | {r.requests_per_s:,.0f}{errors} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {ratio} |"
        )


def page_lines(results: Sequence[Result], ceiling: float) -> list[str]:
    """Issue 18's line per measured page, exactly:
    ``pages: path=<path> rps=<x> p99_ms=<y> bare_rps=<b> ratio=<x/b>``, for one backend:
    PostgreSQL when the run measured it (the production database), else SQLite (the table
    above lists both)."""
    measured = [r for r in results if r.backend != "-" and r.status == "ok"]
    backend = "postgres" if any(r.backend == "postgres" for r in measured) else "sqlite"
    return [
        f"pages: path={r.path} rps={r.requests_per_s:.0f} p99_ms={r.p99_ms:.1f} "
        f"bare_rps={ceiling:.0f} ratio={r.requests_per_s / ceiling if ceiling else 0.0:.3f}"
        for r in measured
        if r.backend == backend
    ]


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per target")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2, help="seconds of load before measuring")
    parser.add_argument(
        "--pg-url", default="", help="PostgreSQL server (a scratch database is used)"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="only PostgreSQL")
    parser.add_argument("--pages", default="", help=PAGES_HELP)
    args = parser.parse_args(argv)
    load = Load(check_wrk(), args.threads, args.connections, args.duration, args.warmup)

    ceiling_targets = [t for t in TARGETS if t.ceiling]
    app_targets = chosen(args.pages)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        print("minimal app (bench/minimal_app.py)", file=sys.stderr)
        minimal_env = {k: v for k, v in os.environ.items() if not k.startswith("APP_")}
        with serve("bench.minimal_app:app", minimal_env, Path(tmp) / "minimal.log") as base:
            results += measure("-", base, ceiling_targets, load)
        backends: list[tuple[str, str]] = []
        if not args.no_sqlite:
            backends.append(("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}"))
        scratch = None
        if args.pg_url:
            url, scratch = _fresh_pg(args.pg_url)
            backends.append(("postgres", url))
        try:
            for backend, url in backends:
                print(f"app on {backend}", file=sys.stderr)
                env = app_env(url)
                prepare_database(env)
                with serve("web.asgi:app", env, Path(tmp) / f"app-{backend}.log") as base:
                    results += measure(backend, base, app_targets, load)
        finally:
            if scratch is not None:
                _drop_pg(args.pg_url, scratch)

    ceiling = next((r.requests_per_s for r in results if r.backend == "-" and r.status == "ok"), 0)
    for r in results:
        r.vs_ceiling = round(r.requests_per_s / ceiling, 3) if ceiling and r.status == "ok" else 0
    print_table(results, load)
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr)
    print()
    for line in page_lines(results, ceiling):
        print(line)
    return results


if __name__ == "__main__":
    main()
