"""A real app server for browser tests: ``python -m web.cli serve`` on 127.0.0.1 with the given
environment (on top of this process's, without its APP_* and DATABASE_URL), stopped by its PID
when the block ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
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
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    error = proc.stderr.read() if proc.stderr else ""
                    raise RuntimeError(f"server exited: {error}") from None
                time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)
