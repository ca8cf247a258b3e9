"""The cohort table at scale on PostgreSQL: the refresh job's time and the page's latency.

Seed: a scratch database, migrated, then the MRR ledger of ``--customers`` customers (one
subscription each) over ``--months`` months (default 100,000 and 60: five years), written with
asyncpg's ``COPY``. Each customer starts in a month (more each month, as a growing business),
pays one of three plans in USD or EUR (six countries), and each later month may churn (7%),
come back after churning (12%), expand (1%) or contract (2%); the rows are classified exactly as
the live ledger classifies (``CustomerLedger.record``). One EUR rate into USD.

Measure: ``refresh_cohorts`` (the job ``analytics.refresh_cohorts``: the whole ledger read,
folded into cells, replaced) once, timed; then ``cohort_page`` (the page's use case, on a
read-only unit of work, one at a time, ``--repeat`` times each) for the default view (the last
12 cohorts), the whole range, the whole range in EUR, and one plan in one country; p50, p95, p99
and max in milliseconds, beside a bare ``SELECT 1`` round trip measured in the same run.

    python -m bench.analytics_cohorts --pg-url postgresql://postgres@127.0.0.1:5432/test
        [--customers 100000] [--months 60] [--repeat 200]
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
from domain.adapters.db.tables import CustomerTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.cohort_filters import CohortFilterInput, check_filters
from domain.analytics.cohort_report import cohort_page, refresh_cohorts
from domain.analytics.cohorts import add_months, month_of
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.jobs.registry import JobRegistry
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency, Rounding
from domain.staff.model import Role, SignedInStaff

OWNER = SignedInStaff("staff-owner", "olive@example.com", "Olive", Role.OWNER, "s")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
USD = Currency.of("USD")
PLANS = (("starter", 2900), ("team", 7900), ("business", 24900))
PLACES = (("USD", "US"), ("USD", "US"), ("USD", "CA"), ("USD", "GB"), ("EUR", "DE"),
          ("EUR", "FR"))  # fmt: skip
COLUMNS = ("subscription_id", "customer_id", "at", "kind", "customer_kind", "amount_minor",
           "mrr_minor", "currency", "plan_code", "country", "version")  # fmt: skip


def _at(rng: random.Random, month: date) -> datetime:
    at = datetime(month.year, month.month, 1, tzinfo=UTC) + timedelta(
        days=rng.randrange(0, 27), hours=rng.randrange(0, 24))  # fmt: skip
    return min(at, NOW - timedelta(hours=1))


def ledger(customers: int, months: int) -> list[LedgerMovement]:
    rng = random.Random(16)
    first = add_months(month_of(NOW), -(months - 1))
    weights = [1 + i / months for i in range(months)]  # a growing business
    starts = rng.choices(range(months), weights=weights, k=customers)
    rows: list[LedgerMovement] = []
    current = month_of(NOW)
    for n, m in enumerate(starts):
        month = add_months(first, m)
        plan, price = rng.choices(PLANS, weights=(5, 4, 1))[0]
        currency, country = rng.choice(PLACES)
        mrr = price * rng.choice((1, 1, 1, 2, 3))
        readings = [Reading(_at(rng, month), mrr, plan)]
        value, churned, later = mrr, False, month
        while (later := add_months(later, 1)) <= current:
            roll = rng.random()
            if not churned and roll < 0.07:
                value, churned = 0, True
            elif churned and roll < 0.12:
                value, churned = mrr, False
            elif not churned and roll < 0.08:
                value += value // 2
            elif not churned and roll < 0.10:
                value = max(value // 2, 1)
            else:
                continue
            readings.append(Reading(_at(rng, later), value, plan))
        rows += CustomerLedger().record(
            readings, subscription_id=f"sub-{n}", customer_id=f"cus-{n}", currency=currency,
            country=country, version=1,
        )  # fmt: skip
    return rows


async def seed(url: str, customers: int, months: int) -> tuple[int, float]:
    started = time.perf_counter()
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    try:
        await apply_migrations(engine, quiet=True)
        async with PiccoloUnitOfWork(engine, clock=FrozenClock(NOW), registry=JobRegistry()) as w:
            await w.exchange_rates.add(ExchangeRate(
                id="rate-eur", currency="EUR", reporting="USD", rate=Decimal("1.0825"),
                effective_on=date(2000, 1, 1), entered_by="bench@example.com", entered_at=NOW,
            ))  # fmt: skip
            await w.commit()
    finally:
        await close_pool(engine)
    rows = ledger(customers, months)
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("mrr_movement", columns=COLUMNS, records=[
            (r.subscription_id, r.customer_id, r.at, r.kind.value, r.customer_kind.value,
             r.amount_minor, r.mrr_minor, r.currency, r.plan_code, r.country, r.version)
            for r in rows
        ])  # fmt: skip
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return len(rows), time.perf_counter() - started


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(url: str, repeat: int) -> None:
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    clock = FrozenClock(NOW)

    def uow(read_only: bool = False) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(engine, clock=clock, registry=JobRegistry(), read_only=read_only)

    try:
        started = time.perf_counter()
        refresh = await refresh_cohorts(new_uow=uow, clock=clock, reporting=USD,
                                        rounding=Rounding.HALF_UP)  # fmt: skip
        refresh_s = time.perf_counter() - started
        rows = (await CustomerTable.raw("SELECT COUNT(*) AS n FROM cohort_row"))[0]["n"]
        print(f"refresh_cohorts: {refresh_s:.1f} s for {refresh.customers:,} customers, "
              f"{rows:,} segment x cohort rows")  # fmt: skip
        today = NOW.date()
        views = {
            "default (last 12 cohorts)": CohortFilterInput(),
            "whole range": CohortFilterInput(start="2022-01"),
            "whole range, EUR, revenue": CohortFilterInput(start="2022-01", currency="EUR",
                                                           measure="revenue"),
            "whole range, team plan in DE": CohortFilterInput(start="2022-01", plan="team",
                                                              country="DE"),
        }  # fmt: skip

        async def select_one() -> None:
            await CustomerTable.raw("SELECT 1")

        print("| view | p50 ms | p95 ms | p99 ms | max ms | cohorts |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for _ in range(20):
            await select_one()
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            await select_one()
            samples.append((time.perf_counter() - t) * 1000)
        print(
            f"| baseline: SELECT 1 | {statistics.median(samples):.2f} | "
            f"{_pct(samples, 0.95):.2f} | {_pct(samples, 0.99):.2f} | {max(samples):.2f} | |"
        )
        for name, typed in views.items():
            filters = check_filters(typed, today=today)
            page = await cohort_page(OWNER, filters, uow=uow(True), reporting=USD)  # warm
            samples = []
            for _ in range(repeat):
                t = time.perf_counter()
                await cohort_page(OWNER, filters, uow=uow(True), reporting=USD)
                samples.append((time.perf_counter() - t) * 1000)
            print(
                f"| {name} | {statistics.median(samples):.2f} | {_pct(samples, 0.95):.2f} | "
                f"{_pct(samples, 0.99):.2f} | {max(samples):.2f} | {len(page.table.rows)} |"
            )
    finally:
        await close_pool(engine)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server")
    parser.add_argument("--db-name", default="analytics_cohorts_bench")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    url = _pg_database(args.pg_url, args.db_name)
    asyncio.run(_recreate(args.pg_url, args.db_name))
    movements, seeded_s = asyncio.run(seed(url, args.customers, args.months))
    print(f"{args.customers:,} customers over {args.months} months: {movements:,} ledger "
          f"movements, seeded in {seeded_s:.0f} s", file=sys.stderr)  # fmt: skip
    asyncio.run(measure(url, args.repeat))


if __name__ == "__main__":
    main()
