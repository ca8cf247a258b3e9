"""The analytics dashboard at scale on PostgreSQL: the ``analytics.refresh`` job over a ledger of
about 1.2 million MRR movements (100,000 subscriptions, five years) and the latency of the
overview (``analytics_overview``, what /admin/analytics calls) under several filters.

Seed: a scratch database, migrated; ``--subscriptions`` subscriptions of one customer each (eight
plans, USD/EUR/GBP, fifteen countries) starting over five years, each moving about every four
months (upgrades, downgrades, churn, reactivations), classified by the ledger's own
``CustomerLedger``; rows written with asyncpg's ``COPY``; EUR and GBP rates from 2020.

Measure: the refresh (read the ledger, convert, fold, write the read model; wall time) and then,
for each filter set, ``--repeat`` overviews through a read-only Piccolo unit of work, one at a
time: p50, p95, p99 and max in milliseconds.

    python -m bench.analytics_dashboard --pg-url postgresql://postgres@127.0.0.1:5432/test
        [--subscriptions 100000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from bench.portal_pages import _pg_database, _recreate
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.dashboard import AnalyticsFilters, analytics_overview
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.analytics.metrics import Bucket
from domain.analytics.refresh import refresh_analytics
from domain.jobs.registry import JobRegistry
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.staff.model import Role, SignedInStaff

OWNER = SignedInStaff("staff-owner", "olive@example.com", "Olive Owner", Role.OWNER, "s")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
FIRST = NOW - timedelta(days=5 * 365)
PLANS = {"starter": 1900, "team": 4900, "business": 9900, "scale": 19900, "pro-annual": 8300,
         "team-annual": 4100, "seat": 1200, "enterprise": 49900}  # fmt: skip
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "SE", "CA", "AU", "JP", "BR", "IN",
             "IE", "PL")  # fmt: skip
COLUMNS = ("subscription_id", "customer_id", "at", "kind", "customer_kind", "amount_minor",
           "mrr_minor", "currency", "plan_code", "country", "version")  # fmt: skip


def _subscription(n: int, rng: random.Random) -> list[LedgerMovement]:
    currency = rng.choices(("USD", "EUR", "GBP"), (7, 2, 1))[0]
    country = {"EUR": rng.choice(("DE", "FR", "NL", "ES", "IT", "IE")), "GBP": "GB"}.get(
        currency, rng.choice(COUNTRIES))  # fmt: skip
    state = CustomerLedger()
    at = FIRST + timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
    plan = rng.choice(list(PLANS))
    mrr = PLANS[plan]
    rows: list[LedgerMovement] = []
    version = 1
    while at < NOW:
        rows += state.record([Reading(at, mrr, plan)], subscription_id=f"sub-{n:06d}",
                             customer_id=f"cus-{n:06d}", currency=currency, country=country,
                             version=version)  # fmt: skip
        version += 1
        at += timedelta(days=rng.randrange(20, 220), minutes=rng.randrange(1440))
        roll = rng.random()
        if mrr == 0:
            plan = rng.choice(list(PLANS))
            mrr = PLANS[plan]
        elif roll < 0.3:
            mrr = 0
        else:
            plan = rng.choice(list(PLANS))
            mrr = PLANS[plan] * rng.choice((1, 1, 2, 3))
    return rows


async def seed(url: str, subscriptions: int) -> tuple[int, float]:
    started = time.perf_counter()
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    try:
        await apply_migrations(engine, quiet=True)
        async with PiccoloUnitOfWork(engine, clock=FrozenClock(NOW), registry=JobRegistry()) as w:
            for code, rate in (("EUR", "1.0825"), ("GBP", "1.2710")):
                await w.exchange_rates.add(ExchangeRate(
                    id=f"rate-{code}", currency=code, reporting="USD", rate=Decimal(rate),
                    effective_on=date(2020, 1, 1), entered_by="bench@example.com", entered_at=NOW,
                ))  # fmt: skip
            await w.commit()
    finally:
        await close_pool(engine)
    rng = random.Random(16)
    conn = await asyncpg.connect(url)
    count = 0
    try:
        batch: list[tuple[object, ...]] = []
        for n in range(subscriptions):
            for r in _subscription(n, rng):
                batch.append((r.subscription_id, r.customer_id, r.at, r.kind.value,
                              r.customer_kind.value, r.amount_minor, r.mrr_minor, r.currency,
                              r.plan_code, r.country, r.version))  # fmt: skip
            if len(batch) >= 50_000 or n == subscriptions - 1:
                await conn.copy_records_to_table("mrr_movement", records=batch, columns=COLUMNS)
                count += len(batch)
                batch = []
        await conn.execute("VACUUM ANALYZE mrr_movement")
    finally:
        await conn.close()
    return count, time.perf_counter() - started


FILTERS = {
    "last 12 months by month": AnalyticsFilters(date(2025, 12, 1), date(2026, 11, 30)),
    "5 years by month": AnalyticsFilters(date(2021, 12, 1), date(2026, 11, 30)),
    "156 weeks by week": AnalyticsFilters(date(2023, 12, 4), date(2026, 11, 29), Bucket.WEEK),
    "12 months, plan team": AnalyticsFilters(date(2025, 12, 1), date(2026, 11, 30), plan="team"),
    "12 months, EUR": AnalyticsFilters(date(2025, 12, 1), date(2026, 11, 30), currency="EUR"),
    "12 months, plan + country": AnalyticsFilters(
        date(2025, 12, 1), date(2026, 11, 30), plan="scale", country="DE"
    ),
}


async def measure(
    url: str, repeat: int, *, refresh: bool = True
) -> tuple[float, int, list[tuple[str, list[float]]]]:
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    clock = FrozenClock(NOW)
    registry = JobRegistry()
    usd = Currency.of("USD")
    out: list[tuple[str, list[float]]] = []
    try:
        started = time.perf_counter()
        if refresh:
            await refresh_analytics(
                uow=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
                clock=clock, reporting=usd,
            )  # fmt: skip
        refresh_s = time.perf_counter() - started
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("VACUUM ANALYZE mrr_daily_aggregate")
            aggregates = int(await conn.fetchval("SELECT COUNT(*) FROM mrr_daily_aggregate"))
        finally:
            await conn.close()
        print(f"refresh: {refresh_s:.1f} s, "
              f"{aggregates:,} aggregate rows", file=sys.stderr)  # fmt: skip
        for name, filters in FILTERS.items():
            samples: list[float] = []
            for i in range(repeat + 10):
                t = time.perf_counter()
                uow = PiccoloUnitOfWork(engine, clock=clock, registry=registry, read_only=True)
                await analytics_overview(OWNER, filters, uow=uow, reporting=usd)
                if i >= 10:  # the first ten warm the pool
                    samples.append((time.perf_counter() - t) * 1000)
            out.append((name, samples))
            print(f"  {name}: p99 {_cut(samples, 98):.1f} ms", file=sys.stderr)
    finally:
        await close_pool(engine)
    return refresh_s, aggregates, out


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM mrr_movement"))
    finally:
        await conn.close()


def _cut(samples: list[float], at: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[at]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server")
    parser.add_argument("--db-name", default="analytics_dashboard_bench")
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the seeded database and its read model (measure pages only)")  # fmt: skip
    args = parser.parse_args(argv)
    url = _pg_database(args.pg_url, args.db_name)
    if args.reuse:
        movements = asyncio.run(_count(url))
    else:
        asyncio.run(_recreate(args.pg_url, args.db_name))
        movements, seeded_s = asyncio.run(seed(url, args.subscriptions))
        print(f"seeded {movements:,} movements in {seeded_s:.0f} s", file=sys.stderr)
    refresh_s, aggregates, results = asyncio.run(measure(url, args.repeat, refresh=not args.reuse))
    print(f"{args.subscriptions:,} subscriptions, {movements:,} MRR movements over five years; "
          + (f"analytics.refresh {refresh_s:.1f} s; " if not args.reuse else "reused; ")
          + f"{aggregates:,} aggregate rows; "
          f"{args.repeat} overviews per filter, one at a time, read-only Piccolo unit of work")  # fmt: skip
    print()
    print("| filters | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, s in results:
        print(f"| {name} | {_cut(s, 49):.2f} | {_cut(s, 94):.2f} | {_cut(s, 98):.2f} "
              f"| {max(s):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
