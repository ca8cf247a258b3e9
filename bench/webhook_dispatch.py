"""What a committed transaction that emits an outbound event costs when no webhook endpoint
wants it: before, every such commit queued a ``webhooks.dispatch`` job that later ran to find
no endpoint; now the event is stored already dispatched and nothing is queued (one small read
of the enabled endpoints per transaction instead).

For each backend (a SQLite file, a fresh PostgreSQL database), in the same run, N transactions
each emitting one ``subscription.updated`` event through ``PiccoloUnitOfWork`` (the app's
webhooks jobs registered, no endpoint configured) are timed three ways:

- ``baseline``: a bare transaction inserting the same ``outbound_event`` row (the floor);
- ``before``: the previous behaviour, reproduced by an event log that treats every event as
  wanted: each commit queues ``webhooks.dispatch``, and the time includes running those jobs
  (each finds no endpoint and marks its event dispatched);
- ``now``: the adapter as it is: no job queued, nothing to run.

Figures: transactions per second for each, and the ratios to the baseline (what survives a noisy
machine). Checked afterwards: every event dispatched, no job left, ``now`` queued none.

    python -m bench.webhook_dispatch [--n 2000] [--pg-url postgresql://...] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.job_throughput import _drop_pg_database, _fresh_pg_database
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.repositories.webhooks_out import PiccoloOutboundEvents
from domain.adapters.db.tables import JobTable, bind_tables
from domain.adapters.db.tables_webhooks import OutboundEventTable
from domain.adapters.db.transactions import write_transaction
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.webhooks_http import HttpxWebhookSender
from domain.jobs.runner import JobRunner
from domain.outbound.events import EventType, OutboundEvent, emit
from domain.shared.clock import FrozenClock
from web.jobs import build_registry

AT = datetime(2026, 1, 1, tzinfo=UTC)


class _EveryEventWanted(PiccoloOutboundEvents):
    """The adapter as it was: every stored event queues the dispatch job."""

    async def _wanted(self, event: OutboundEvent) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Result:
    backend: str
    transactions: int
    baseline_per_s: float
    before_per_s: float
    now_per_s: float
    before_vs_baseline: float
    now_vs_baseline: float
    now_vs_before: float
    jobs_before: int
    jobs_now: int


async def _baseline(engine: object, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        async with write_transaction(engine) as txn:  # type: ignore[arg-type]
            await OutboundEventTable.insert(OutboundEventTable(
                id=f"evt_base_{i}", type="subscription.updated", at=AT,
                data=json.dumps({"id": f"sub_{i}", "status": "active"}), key=None,
                dispatched=True,
            ))  # fmt: skip
            await txn.commit()
    return n / (time.perf_counter() - started)


async def _emitting(engine: object, n: int, *, before: bool) -> tuple[float, int]:
    clock = FrozenClock(AT)
    registry = build_registry(webhook_sender=HttpxWebhookSender(allow_local=True))
    runner = JobRunner(store=PiccoloJobStore(engine), registry=registry, clock=clock,  # type: ignore[arg-type]
                       uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),  # type: ignore[arg-type]
                       schedule=())  # fmt: skip
    jobs_before = await JobTable.count()
    started = time.perf_counter()
    for i in range(n):
        uow = PiccoloUnitOfWork(engine, clock=clock, registry=registry)  # type: ignore[arg-type]
        if before:
            uow.outbound_events = _EveryEventWanted()
        async with uow:
            await emit(uow, EventType.SUBSCRIPTION_UPDATED, {"id": f"sub_{i}", "status": "active"},
                       at=clock.now())  # fmt: skip
            await uow.commit()
    queued = await JobTable.count() - jobs_before
    await runner.drain(include_schedule=False)
    return n / (time.perf_counter() - started), queued


async def _measure(backend: str, url: str, n: int) -> Result:
    engine = make_engine(url)
    bind_tables(engine)
    await apply_migrations(engine, quiet=True)
    await start_pool(engine, max_size=4)
    try:
        baseline = await _baseline(engine, n)
        before, jobs_before = await _emitting(engine, n, before=True)
        now, jobs_now = await _emitting(engine, n, before=False)
        undispatched = await OutboundEventTable.count().where(
            OutboundEventTable.dispatched == False  # noqa: E712
        )
        assert undispatched == 0, f"{undispatched} events not dispatched"
        assert jobs_before == n and jobs_now == 0, (jobs_before, jobs_now)
        return Result(
            backend=backend, transactions=n, baseline_per_s=round(baseline, 1),
            before_per_s=round(before, 1), now_per_s=round(now, 1),
            before_vs_baseline=round(before / baseline, 3),
            now_vs_baseline=round(now / baseline, 3), now_vs_before=round(now / before, 2),
            jobs_before=jobs_before, jobs_now=jobs_now,
        )  # fmt: skip
    finally:
        await close_pool(engine)


async def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=2000, help="transactions per variant")
    parser.add_argument("--pg-url", default="", help="PostgreSQL server (a scratch database)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)
    results = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(await _measure("sqlite", f"sqlite:///{Path(tmp) / 'b.db'}", args.n))
    if args.pg_url:
        url, name = await _fresh_pg_database(args.pg_url)
        try:
            results.append(await _measure("postgres", url, args.n))
        finally:
            await _drop_pg_database(args.pg_url, name)
    print(f"{'backend':9} {'txns':>6} {'baseline/s':>10} {'before/s':>9} {'now/s':>8}"
          f" {'before/base':>11} {'now/base':>9} {'now/before':>10} {'jobs before':>11}"
          f" {'jobs now':>8}")  # fmt: skip
    for r in results:
        print(f"{r.backend:9} {r.transactions:>6} {r.baseline_per_s:>10} {r.before_per_s:>9}"
              f" {r.now_per_s:>8} {r.before_vs_baseline:>11} {r.now_vs_baseline:>9}"
              f" {r.now_vs_before:>10} {r.jobs_before:>11} {r.jobs_now:>8}")  # fmt: skip
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr)
    return results


if __name__ == "__main__":
    asyncio.run(main())
