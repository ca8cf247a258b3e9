"""CPU per request of the public pages, in process, as a multiple of the bare page's.

The app (``web.app.create_app``, ``APP_ENV=production``, job runner off) and the ceiling
(``bench/minimal_app.py``) are called directly through ASGI, no server and no client: each
request is a GET with the headers of an anonymous browser (no cookies), answered in full;
``time.process_time()`` over ``--requests`` requests after ``--warmup`` of warm-up. On a loaded,
shared machine the absolute figures move with the load, the ratio to the bare page measured in
the same run much less: that ratio is what this prints (``cpu: path=... ms=... bare_ms=...
ratio=...``). Requests go ``--concurrency`` at a time (50, as ``wrk -c50``: the catalog
version check is shared by the requests in flight, as under load; 1 sends them one by one).
The database is a fresh SQLite file (or, with ``--pg-url``, a scratch PostgreSQL database)
migrated and seeded with the demo catalog, as ``bench.http_pages`` does. ``--profile
DIR`` also writes a cProfile of each target to ``DIR/<n>.prof``.

    python -m bench.pages_cpu [--requests 300] [--warmup 50] [--rounds 3] [--concurrency 50]
                              [--pg-url postgresql://...] [--profile DIR]
                              [--pages checkout]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.http_pages import HTMX, PAGES_HELP, TARGETS, Target, app_env, chosen, prepare_database

BROWSER = (
    (b"host", b"127.0.0.1"),
    (b"user-agent", b"bench"),
    (b"accept", b"text/html"),
    (b"accept-language", b"en-US,en;q=0.9"),
)


def _scope(target: Target) -> dict[str, Any]:
    path, _, query = target.path.partition("?")
    headers = list(BROWSER) + [(k.lower().encode(), v.encode()) for k, v in target.headers]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _get(app: Any, target: Target) -> tuple[int, int]:
    """One request; its status and body size."""
    status, size = 0, 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            size += len(message.get("body", b""))

    await app(_scope(target), receive, send)
    return status, size


async def _batches(app: Any, target: Target, requests: int, concurrency: int) -> None:
    """``requests`` requests, ``concurrency`` at a time (as wrk's connections keep them)."""
    for start in range(0, requests, concurrency):
        n = min(concurrency, requests - start)
        for status, _ in await asyncio.gather(*(_get(app, target) for _ in range(n))):
            if status != 200:
                raise RuntimeError(f"{target.path} answered {status}")


async def cpu_ms(app: Any, target: Target, requests: int, warmup: int, concurrency: int,
                 profile: Path | None = None) -> float:  # fmt: skip
    await _batches(app, target, warmup, concurrency)
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    await _batches(app, target, requests, concurrency)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)  # type: ignore[arg-type]
    return (time.process_time() - started) * 1000 / requests


async def run(args: argparse.Namespace, database_url: str) -> None:
    env = app_env(database_url)
    prepare_database(env)
    os.environ.update(env)
    from bench.minimal_app import app as bare
    from web.app import create_app
    from web.logging_setup import configure_logging
    from web.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_level)  # as web.asgi does: no line per request
    app = create_app(settings)
    targets: Sequence[Target] = chosen(args.pages)
    ceiling = next(t for t in TARGETS if t.ceiling)
    results: dict[str, list[float]] = {t.path: [] for t in targets}
    bare_ms: list[float] = []
    async with app.lifespan():
        for round_ in range(args.rounds):
            bare_ms.append(
                await cpu_ms(bare, ceiling, args.requests * 4, args.warmup, args.concurrency)
            )
            for n, target in enumerate(targets):
                profile = None
                if args.profile and round_ == 0:
                    profile = Path(args.profile) / f"{n}.prof"
                ms = await cpu_ms(
                    app, target, args.requests, args.warmup, args.concurrency, profile
                )
                results[target.path].append(ms)
    bare_mean = statistics.mean(bare_ms)
    print(f"bare page CPU ms/request per round: {', '.join(f'{b:.3f}' for b in bare_ms)}")
    for target in targets:
        mean = statistics.mean(results[target.path])
        each = ", ".join(f"{m:.3f}" for m in results[target.path])
        print(
            f"cpu: path={target.path}{' (htmx)' if target.headers == HTMX else ''} "
            f"ms={mean:.3f} ({each}) bare_ms={bare_mean:.3f} ratio={mean / bare_mean:.1f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--concurrency", type=int, default=50, help="requests in flight at once (1: one by one)"
    )
    parser.add_argument("--pg-url", default="", help="PostgreSQL server (a scratch database)")
    parser.add_argument("--profile", default="", help="write cProfile output per target here")
    parser.add_argument("--pages", default="", help=PAGES_HELP)
    args = parser.parse_args(argv)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if args.pg_url:
            from bench.http_pages import _drop_pg, _fresh_pg

            url, scratch = _fresh_pg(args.pg_url)
            try:
                asyncio.run(run(args, url))
            finally:
                _drop_pg(args.pg_url, scratch)
        else:
            asyncio.run(run(args, f"sqlite:///{Path(tmp) / 'bench.db'}"))


if __name__ == "__main__":
    main()
