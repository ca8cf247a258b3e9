"""CPU time per request of ``GET /api/v1/customers/{id}/entitlements``: the server process's and
PostgreSQL's (the backends of the benchmark database), read from ``/proc`` around a ``wrk`` run.
Latency on the shared, loaded 2-core machine mostly measures the queue for the cores; the CPU a
request costs does not depend on how many others wait, so it compares two trees better.

Run from the root of the tree to measure, with its ``.venv``, on the database ``bench.entitlements
--keep`` seeded (the script can be run from another tree: ``PYTHONPATH=.`` makes it use that tree's
app and ``bench`` package)::

    PYTHONPATH=. .venv/bin/python path/to/bench/entitlements_cpu.py \\
        --pg-url postgresql://postgres@127.0.0.1:5432/postgres --db-name ent_bench \\
        [--duration 10] [--connections 1,8] [--target entitlements|customer|ceiling]

``--target ceiling`` serves ``bench/minimal_api_app.py`` (the same path, a fixed body, no
database, key or middleware): the least a JSON answer costs, to divide by.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from bench.entitlements import LUA, prepare
from bench.http_pages import UVICORN_FLAGS, _free_port, _status, app_env, check_wrk, parse_wrk
from bench.portal_pages import _pg_database

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
PATHS = {
    "entitlements": "/api/v1/customers/%s/entitlements",
    "customer": "/api/v1/customers/%s",
    "ceiling": "/api/v1/customers/%s/entitlements",
}
# the ceiling: bench/minimal_api_app.py (one JSON route, no database, key or middleware)
APPS = {
    "entitlements": "web.asgi:app",
    "customer": "web.asgi:app",
    "ceiling": "bench.minimal_api_app:app",
}


def _cpu_ms(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * TICK_MS  # utime, stime


async def _backends(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                                " AND pid <> pg_backend_pid()")  # fmt: skip
        return [r["pid"] for r in rows]
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--db-name", default="entitlements_bench")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", default="1,8")
    parser.add_argument("--target", choices=sorted(PATHS), default="entitlements")
    args = parser.parse_args()
    url = _pg_database(args.pg_url, args.db_name)
    ids, secret, _ = asyncio.run(prepare(url, 10))
    script = Path(tempfile.mkdtemp(prefix="entitlements-cpu-")) / "run.lua"
    script.write_text(LUA % (",".join(f'"{i}"' for i in ids), PATHS[args.target], secret))
    env = {**app_env(url), "API_RATE_LIMIT": "1000000", "API_RATE_WINDOW_S": "1"}
    port, wrk = _free_port(), check_wrk()
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", APPS[args.target], "--host",
                               "127.0.0.1", "--port", str(port), *UVICORN_FLAGS],
                              cwd=Path.cwd(), env=env)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                _status(base + "/")
                break
            except OSError:
                time.sleep(0.1)
        for c in (int(n) for n in args.connections.split(",")):
            run = [wrk, f"-t{min(c, 2)}", f"-c{c}", "-s", str(script)]
            subprocess.run([*run, "-d3s", base], capture_output=True, check=True)  # warm-up
            pids = asyncio.run(_backends(url))
            app0, db0 = _cpu_ms(server.pid), {p: _cpu_ms(p) for p in pids}
            out = subprocess.run([*run, f"-d{args.duration}s", "--latency", base],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            app1 = _cpu_ms(server.pid)
            pids = asyncio.run(_backends(url))
            db = sum(_cpu_ms(p) - db0.get(p, 0.0) for p in pids)
            per_s, p50, p99, errors = parse_wrk(out)
            done = re.search(r"(\d+) requests in", out)
            n = int(done.group(1)) if done else per_s * args.duration
            print(f"{args.target} c={c}: {n:,.0f} requests, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                  f"CPU per request: server {(app1 - app0) / n:.3f} ms, PostgreSQL {db / n:.3f} ms"
                  + (f", {errors} errors" if errors else ""))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
