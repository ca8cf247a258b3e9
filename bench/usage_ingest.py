"""Usage ingestion and aggregation on PostgreSQL: events per second through the use case (and
through HTTP), against bare multi-row inserts of the same rows in the same run; and a
1,000,000-event month aggregated for invoicing, against a bare ``SUM ... GROUP BY``.

Setup, on a scratch PostgreSQL database (migrated, the demo catalog): ``--subscriptions``
customers each on the metered demo plan (``scale-monthly``, meter ``api_calls``), subscribed
through the use cases at the real time. The events are made before any clock starts: batches of
``--batch`` (1,000) events, each batch spread over the subscriptions of one producer (every
producer has its own subscriptions, as separate systems sending usage would), each event with
its own idempotency key, a value and a timestamp in the current period.

1. **Bare inserts** (the baseline): each batch is one plain ``INSERT INTO usage_event ... SELECT
   * FROM unnest(...)`` of the same rows in its own transaction, ``--producers`` at a time
   (the same table, indexes and foreign key; no checks, no duplicate handling). Then the table
   is emptied.
2. **The use case**: each batch through ``ingest_usage`` (every event checked, the
   subscriptions locked and read, the plan's meters, one ``INSERT ... ON CONFLICT DO NOTHING
   RETURNING``), ``--producers`` at a time. Events/s, and the ratio to the bare inserts. Every
   event must be recorded once (checked: the table's count).
3. **Through HTTP** (``--http``): the app under uvicorn (one worker, as ``bench.http_pages``
   starts it), the same batches as ``POST /api/v1/usage/batch`` bodies (encoded beforehand),
   ``--producers`` connections; the rate limit raised for the run. Events/s and the ratio.
4. **A month of a million events**: one more subscription gets ``--month-events`` events over
   its current period (written with ``COPY``, not measured). Measured: the usage so far
   (``usage_this_period``: the engine loaded with the period's events summed by the database,
   then priced), and the renewal at the period's end (``advance_subscription``: the invoice
   with its usage line), each against a bare ``SELECT meter, sum(value::numeric) ... GROUP BY``
   of the same events. ``--raw`` also loads the engine the old way (every event as an object)
   for comparison.

    python -m bench.usage_ingest --pg-url postgresql://postgres@127.0.0.1:5432/test
        [--events 200000] [--batch 1000] [--producers 2] [--subscriptions 20] [--http]
        [--month-events 1000000] [--raw]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.http_pages import app_env, prepare_database, serve
from bench.job_throughput import _drop_pg_database, _fresh_pg_database
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.transactions import write_transaction
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.apikeys.admin import create_api_key
from domain.apikeys.model import Mode
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock, SystemClock
from domain.shared.ids import SubscriptionId, new_id
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import usage_this_period
from domain.subscriptions.usage_events import UsageEventIn
from domain.subscriptions.usage_ingest import EventStatus, ingest_usage
from web.jobs import build_registry

CONFIG = BillingConfig()
OWNER = SignedInStaff(staff_id="bench", email="bench@example.com", name="Bench", role=Role.OWNER,
                      session_id="bench")  # fmt: skip
_BARE = (
    "INSERT INTO usage_event (id, subscription, meter, value, at, key, idempotency_key) "
    "SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], "
    "$5::timestamptz[], $6::varchar[], $7::varchar[])"
)


@dataclass
class Result:
    events: int
    batch: int
    producers: int
    bare_per_s: float
    use_case_per_s: float
    use_case_vs_bare: float
    http_per_s: float | None
    http_vs_bare: float | None
    month_events: int
    bare_sum_s: float
    usage_so_far_s: float
    usage_so_far_vs_bare_sum: float
    renewal_s: float
    renewal_vs_bare_sum: float
    raw_engine_s: float | None


Batch = list[UsageEventIn]


def _uow(engine: Any, clock: Any) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(engine, clock=clock, registry=build_registry())


async def _subscriptions(engine: Any, n: int, tag: str) -> list[str]:
    clock = SystemClock()
    subs = []
    for i in range(n):
        customer = await create_customer(email=f"{tag}{i}@example.com", name=f"Bench {i}",
                                         currency="USD", country="US", uow=_uow(engine, clock),
                                         clock=clock)  # fmt: skip
        outcome = await subscribe(customer.id, "scale-monthly", trial_days=0,
                                  uow=_uow(engine, clock), clock=clock, config=CONFIG)  # fmt: skip
        subs.append(outcome.subscription.id)
    return subs


def _batches(
    subs: list[str], events: int, batch: int, producers: int, run: str
) -> list[list[Batch]]:
    """Per producer, its batches: each spread over that producer's own subscriptions."""
    start = datetime.now().astimezone()  # after the subscriptions began: in their period
    mine = [subs[p::producers] for p in range(producers)]
    per_producer: list[list[Batch]] = [[] for _ in range(producers)]
    for b in range(events // batch):
        p = b % producers
        per_producer[p].append([
            UsageEventIn(idempotency_key=f"{run}-{b}-{i}", meter="api_calls",
                         value=Decimal(1 + (i % 7)), subscription_id=mine[p][i % len(mine[p])],
                         timestamp=start + timedelta(microseconds=b * batch + i))
            for i in range(batch)
        ])  # fmt: skip
    return per_producer


async def _bare(engine: Any, per_producer: list[list[Batch]]) -> float:
    async def produce(batches: list[Batch]) -> None:
        for events in batches:
            columns: list[list[Any]] = [[new_id() for _ in events],
                                        [e.subscription_id for e in events],
                                        [e.meter for e in events],
                                        [str(e.value) for e in events],
                                        [e.timestamp for e in events],
                                        [e.key for e in events],
                                        [e.idempotency_key for e in events]]  # fmt: skip
            async with write_transaction(engine) as txn:
                await txn.connection.execute(_BARE, *columns)

    started = time.perf_counter()
    await asyncio.gather(*(produce(b) for b in per_producer))
    return sum(len(b) for p in per_producer for b in p) / (time.perf_counter() - started)


async def _use_case(engine: Any, per_producer: list[list[Batch]]) -> float:
    clock = SystemClock()

    async def produce(batches: list[Batch]) -> None:
        for events in batches:
            result = await ingest_usage(events, uow=_uow(engine, clock), clock=clock,
                                        config=CONFIG)  # fmt: skip
            assert result.count(EventStatus.RECORDED) == len(events)

    started = time.perf_counter()
    await asyncio.gather(*(produce(b) for b in per_producer))
    return sum(len(b) for p in per_producer for b in p) / (time.perf_counter() - started)


def _body(events: Batch) -> bytes:
    return json.dumps({"events": [
        {"idempotency_key": e.idempotency_key, "meter": e.meter, "value": str(e.value),
         "subscription_id": e.subscription_id,
         "timestamp": e.timestamp.isoformat() if e.timestamp else None}
        for e in events]}).encode()  # fmt: skip


async def _http(base: str, secret: str, per_producer: list[list[Batch]]) -> float:
    bodies = [[_body(b) for b in batches] for batches in per_producer]
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    async def produce(client: httpx.AsyncClient, mine: list[bytes]) -> None:
        for body in mine:
            answer = await client.post("/api/v1/usage/batch", content=body, headers=headers)
            assert answer.status_code == 200, answer.text[:500]

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        await produce(client, bodies[0][:1])  # warm-up (its events are counted below)
        started = time.perf_counter()
        await asyncio.gather(*(produce(client, mine[1:] if p == 0 else mine)
                               for p, mine in enumerate(bodies)))  # fmt: skip
        elapsed = time.perf_counter() - started
    return (sum(len(b) for b in bodies) - 1) * len(per_producer[0][0]) / elapsed


async def _count(engine: Any) -> int:
    async with write_transaction(engine) as txn:
        return int(await txn.connection.fetchval("SELECT count(*) FROM usage_event"))


async def _truncate(engine: Any) -> None:
    async with write_transaction(engine) as txn:
        await txn.connection.execute("TRUNCATE usage_event")


async def _month(engine: Any, n: int) -> tuple[str, datetime, datetime]:
    """A subscription with ``n`` events over its period so far (COPY: setup, not measured)."""
    (sub,) = await _subscriptions(engine, 1, "month")
    uow = _uow(engine, SystemClock())
    async with uow:
        record = await load_subscription(uow, SubscriptionId(sub), None)
    start, end = record.period_start, record.period_end
    now = datetime.now().astimezone()
    step = (now - start) / (n + 1)
    rows = [(new_id(), sub, "api_calls", str(1 + i % 5), start + step * (i + 1), None, f"m{i}")
            for i in range(n)]  # fmt: skip
    async with write_transaction(engine) as txn:
        await txn.connection.copy_records_to_table(
            "usage_event", records=rows,
            columns=["id", "subscription", "meter", "value", "at", "key", "idempotency_key"])  # fmt: skip
        await txn.connection.execute("ANALYZE usage_event")
    return sub, start, end


async def _bare_sum(engine: Any, sub: str, start: datetime, end: datetime) -> tuple[float, Decimal]:
    started = time.perf_counter()
    async with write_transaction(engine) as txn:
        rows = await txn.connection.fetch(
            "SELECT meter, count(*), sum(value::numeric) FROM usage_event WHERE subscription = $1 "
            "AND at >= $2 AND at < $3 GROUP BY meter", sub, start, end)  # fmt: skip
    return time.perf_counter() - started, rows[0][2]


async def _raw_engine(engine: Any, sub: str, end: datetime) -> float:
    """The engine loaded the old way (every event an object), then advanced over the renewal."""
    clock = SystemClock()
    started = time.perf_counter()
    uow = _uow(engine, clock)
    async with uow:
        record = await load_subscription(uow, SubscriptionId(sub), None)
        customer = await load_customer(uow, record.customer_id)
        machine = await load_engine(uow, record, customer, CONFIG)
    machine.advance_to(end + timedelta(seconds=1))
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> Result:
    url, name = await _fresh_pg_database(args.pg_url)
    engine = make_engine(url)
    bind_tables(engine)
    try:
        env = app_env(url) | {"API_RATE_LIMIT": "1000000"}
        prepare_database(env)  # migrate, seed-demo (the demo catalog)
        await start_pool(engine, max_size=args.producers + 2)
        subs = await _subscriptions(engine, args.subscriptions, "ingest")
        batches = _batches(subs, args.events, args.batch, args.producers, "b")
        total = sum(len(b) for p in batches for b in p)
        print(f"setup: {len(subs)} subscriptions, {total:,} events in batches of {args.batch}",
              file=sys.stderr)  # fmt: skip
        bare = await _bare(engine, batches)
        await _truncate(engine)
        use_case = await _use_case(engine, batches)
        assert await _count(engine) == total, "every event recorded once"
        http = None
        if args.http:
            await _truncate(engine)
            key = await create_api_key(OWNER, name="bench", scope="read_write", mode=Mode.TEST,
                                       uow=_uow(engine, SystemClock()), clock=SystemClock())  # fmt: skip
            http_batches = _batches(subs, args.events, args.batch, args.producers, "h")
            with (
                tempfile.TemporaryDirectory() as tmp,
                serve("web.asgi:app", env, Path(tmp) / "uvicorn.log") as base,
            ):
                http = await _http(base, key.secret, http_batches)
            assert await _count(engine) == total, "every event recorded once"
        await _truncate(engine)

        sub, start, end = await _month(engine, args.month_events)
        bare_sum_s, units = await _bare_sum(engine, sub, start, end)
        clock = SystemClock()
        started = time.perf_counter()
        so_far = await usage_this_period(SubscriptionId(sub), uow=_uow(engine, clock),
                                         clock=clock, config=CONFIG, as_customer=None)  # fmt: skip
        usage_so_far_s = time.perf_counter() - started
        assert so_far is not None and so_far.meters[0].events == args.month_events
        assert so_far.meters[0].units == units
        raw = await _raw_engine(engine, sub, end) if args.raw else None  # before it renews
        at = FrozenClock(end + timedelta(seconds=1))
        started = time.perf_counter()
        outcome = await advance_subscription(sub, uow=_uow(engine, at), clock=at, config=CONFIG)  # type: ignore[arg-type]
        renewal_s = time.perf_counter() - started
        (line,) = [li for li in outcome.invoices[0].invoice.lines if li.kind.value == "usage"]
        assert line.quantity == units, (line.quantity, units)
        return Result(
            events=total, batch=args.batch, producers=args.producers,
            bare_per_s=round(bare), use_case_per_s=round(use_case),
            use_case_vs_bare=round(use_case / bare, 3),
            http_per_s=round(http) if http else None,
            http_vs_bare=round(http / bare, 3) if http else None,
            month_events=args.month_events, bare_sum_s=round(bare_sum_s, 3),
            usage_so_far_s=round(usage_so_far_s, 3),
            usage_so_far_vs_bare_sum=round(usage_so_far_s / bare_sum_s, 2),
            renewal_s=round(renewal_s, 3),
            renewal_vs_bare_sum=round(renewal_s / bare_sum_s, 2),
            raw_engine_s=round(raw, 2) if raw is not None else None,
        )  # fmt: skip
    finally:
        await close_pool(engine)
        await _drop_pg_database(args.pg_url, name)


async def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server (a scratch database "
                        "is created and dropped)")  # fmt: skip
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--producers", type=int, default=2)
    parser.add_argument("--subscriptions", type=int, default=20)
    parser.add_argument("--month-events", type=int, default=1_000_000)
    parser.add_argument("--http", action="store_true", help="also through HTTP (uvicorn)")
    parser.add_argument("--raw", action="store_true", help="also the engine loaded event by "
                        "event (slow)")  # fmt: skip
    args = parser.parse_args(argv)
    r = await run(args)
    print(f"ingestion, {r.events:,} events in batches of {r.batch}, {r.producers} producers:")
    print(f"  bare multi-row inserts  {r.bare_per_s:>9,} events/s")
    print(f"  use case                {r.use_case_per_s:>9,} events/s  "
          f"{r.use_case_vs_bare:.3f} x bare")  # fmt: skip
    if r.http_per_s is not None:
        print(f"  HTTP (uvicorn)          {r.http_per_s:>9,} events/s  {r.http_vs_bare:.3f} x bare")
    print(f"a month of {r.month_events:,} events:")
    print(f"  bare SUM ... GROUP BY   {r.bare_sum_s:>7.3f} s")
    print(f"  usage so far            {r.usage_so_far_s:>7.3f} s  "
          f"{r.usage_so_far_vs_bare_sum:.2f} x bare sum")  # fmt: skip
    print(
        f"  renewal invoice         {r.renewal_s:>7.3f} s  {r.renewal_vs_bare_sum:.2f} x bare sum"
    )
    if r.raw_engine_s is not None:
        print(
            f"  engine, event by event  {r.raw_engine_s:>7.2f} s  (before: what the renewal loaded)"
        )
    print(json.dumps(asdict(r)), file=sys.stderr)
    return r


if __name__ == "__main__":
    asyncio.run(main())
