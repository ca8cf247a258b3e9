"""A real app server for browser tests: ``python -m web.cli serve`` on 127.0.0.1 with the given
environment (on top of this process's, without its APP_* and DATABASE_URL), stopped by its PID
when the block ends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running_server(port: int, env: dict[str, str], *, args: tuple[str, ...] = ()) -> Iterator[None]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("APP_") and k != "DATABASE_URL"}
    full.update(env)
    command = [sys.executable, "-m", "web.cli", "serve", "--port", str(port), "--migrate", *args]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_healthy(proc, port)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_until_healthy(proc: subprocess.Popen[str], port: int, timeout_s: float = 60) -> None:
    """Until ``GET /healthz`` answers 200 (the app started, its database answers): raises with
    the server's stderr if it exits first, and with the last answer if the time runs out, so a
    test never runs against a server that is not there."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}: {exc.read()[:300]!r}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.1)
    raise RuntimeError(f"server on port {port} not healthy after {timeout_s:.0f} s: {last}")
