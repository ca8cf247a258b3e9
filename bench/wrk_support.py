"""Running a page under the production ASGI server and loading it with ``wrk``: the helpers of
``bench.portal_pages`` (the same settings as ``bench.http_pages`` on the pricing branch).

wrk is Debian's ``wrk`` package: ``apt-get install -y wrk``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UVICORN_FLAGS = (
    "--workers", "1",
    "--no-access-log",
    "--log-level", "warning",
    "--loop", "uvloop",
    "--http", "httptools",
)  # fmt: skip
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def check_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("error: wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        raise SystemExit(2)
    return wrk


def run_command(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.stdout


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """Requests/s, p50 ms, p99 ms and the error count from ``wrk --latency`` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\b", output, re.M)
    if not (rps and p50 and p99):
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(r"Socket errors:(.*)$", output, re.M):
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    p50_ms = float(p50.group(1)) * _UNITS_MS[p50.group(2)]
    p99_ms = float(p99.group(1)) * _UNITS_MS[p99.group(2)]
    return float(rps.group(1)), p50_ms, p99_ms, errors


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError:
        pass
    return True


@contextmanager
def serve(app: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """``uvicorn APP`` with the production flags on a free port; yields its base URL."""
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
             *UVICORN_FLAGS],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{app} exited:\n{log.read_text()}")
                try:
                    _answers(base + "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{app} did not start:\n{log.read_text()}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


def app_env(database_url: str) -> dict[str, str]:
    """The app's settings for the run: production, no job runner, quiet logs."""
    return {
        **{k: v for k, v in base_env().items() if not k.startswith("APP_")},
        "DATABASE_URL": database_url,
        "APP_ENV": "production",
        "APP_SECRET_KEY": secrets.token_urlsafe(48),
        "APP_JOBS_ENABLED": "false",
        "APP_LOG_LEVEL": "WARNING",
    }
