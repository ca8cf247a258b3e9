"""Analytics at scale (issue 16, "Scale"): a five-year business on PostgreSQL, the MRR ledger's
rebuild over its whole history, the read models' refresh jobs, and the analytics pages' latency.

1. **Data** (``bench/analytics_data.py``): a fresh database, migrated; N subscriptions over five
   years (2021-12 .. 2026-11) for about 0.9 N customers, each subscription's life driven
   through the billing engine in memory and turned into the rows the live system writes: the
   customers, the subscriptions' current state, one ``subscription_history`` row per saved
   change and per renewal transaction, the ``mrr_movement`` rows ``CustomerLedger.record``
   gives for each transaction's readings, and the invoices (no invoice lines). Loaded with
   PostgreSQL ``COPY``; history and ledger ids follow the time order of the transactions over
   the whole business, as live writes would number them. Exchange rates EUR and GBP to USD,
   one a month. Timed as "generation".
2. **Check and rebuild**: ``rebuild_mrr_ledger(check=True)`` over everything (the generated
   ledger must equal the ledger the stored history replays to, customer by customer: zero
   differing customers, or the run fails), then ``rebuild_mrr_ledger()`` (the write). Figures:
   seconds, history versions/s, movements/s. The baseline, in the same run: a bare ``SELECT`` of
   every history row (the columns the rebuild reads) plus a bare ``COPY`` of as many ledger rows
   as the rebuild writes; the ratio rebuild time / baseline time is what survives a noisy
   machine.
3. **Refresh and pages** (when the dashboard is present): the refresh jobs run once each
   (timed), then the app is served by uvicorn against the database, an owner signs in, and each
   page is requested sequentially (warm-up, then ``--requests`` timed requests): p50/p95/p99 in
   ms, beside the admin home ``/admin`` (no query: session, permission check and layout only;
   same app, same session) as the baseline.

    python -m bench.analytics --pg-url postgresql://postgres@127.0.0.1:5432/test --subscriptions 100000
    python -m bench.analytics --pg-url ... --subscriptions 2000 --keep   # keep the database
    python -m bench.analytics --pg-url ... --reuse bench_xxxxxxxxxx       # skip generation
    python -m bench.analytics --pg-url ... --reuse bench_xxxxxxxxxx --skip-rebuild   # pages only

``--reuse`` applies the migrations the kept database lacks (a newer build's read models).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import asyncpg
from piccolo.engine.base import Engine

from bench.analytics_data import PLANS, Business, CustomerRows, exchange_rates
from bench.job_throughput import _drop_pg_database, _fresh_pg_database
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.repositories.catalog import PiccoloPlanRepository
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.transactions import write_transaction
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.ledger import same_rows
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan
from domain.shared.clock import SystemClock
from domain.shared.ids import PlanId
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger, replay
from domain.subscriptions.state import plan_ids_of
from web.jobs import build_registry

CONFIG = BillingConfig()
FLUSH = 2_000  # customers per COPY batch

CUSTOMER_COLUMNS = (
    "id", "email", "name", "currency", "country", "address_lines", "tax_exempt", "timezone",
    "balance_minor", "created_at",
)  # fmt: skip
SUBSCRIPTION_COLUMNS = (
    "id", "customer", "currency", "timezone", "proration", "plan", "quantity", "status",
    "anchor", "period_start", "period_end", "next_action_at", "created_at", "canceled_at",
    "pending_anchor", "cancel_at_period_end", "scheduled_plan_id", "scheduled_quantity",
    "scheduled_from", "resume_at", "paused_at", "incomplete_expires_at", "coupon", "carry_minor",
    "pending_lines", "addons", "period_invoice_id", "version",
)  # fmt: skip
HISTORY_COLUMNS = (
    "subscription_id", "customer_id", "version", "at", "state", "country", "tax_code",
    "tax_percentage", "tax_inclusive",
)  # fmt: skip
MOVEMENT_COLUMNS = (
    "subscription_id", "customer_id", "at", "kind", "customer_kind", "amount_minor",
    "mrr_minor", "currency", "plan_code", "country", "version",
)  # fmt: skip
INVOICE_COLUMNS = (
    "id", "subscription_id", "customer_id", "billing_reason", "cycle_key", "status", "currency",
    "period_start", "period_end", "issued_at", "subtotal_minor", "discount_minor", "tax_minor",
    "total_minor", "credit_applied_minor", "amount_due_minor", "customer_snapshot", "paid_at",
    "tax_basis",
)  # fmt: skip
# staging tables: the final tables' columns plus the transaction order (``seq``), so the ids
# and invoice numbers can be given in time order over the whole business once everything is in
STAGING = {
    "gen_history": (HISTORY_COLUMNS, "subscription_history"),
    "gen_movement": (MOVEMENT_COLUMNS, "mrr_movement"),
    "gen_invoice": (INVOICE_COLUMNS, "invoice"),
}


@dataclass
class Result:
    subscriptions: int = 0
    customers: int = 0
    history_rows: int = 0
    movements: int = 0
    invoices: int = 0
    generation_s: float = 0.0
    check_s: float = 0.0
    rebuild_s: float = 0.0
    rebuild_cpu_s: float = 0.0  # this process's CPU time in it (the database's is not counted)
    rebuild_versions_per_s: float = 0.0
    rebuild_movements_per_s: float = 0.0
    baseline_select_s: float = 0.0
    baseline_copy_s: float = 0.0
    rebuild_vs_baseline: float = 0.0  # rebuild seconds / baseline seconds
    refresh_s: dict[str, float] = field(default_factory=dict)
    pages: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- 1. data ----------------------------------------------------------------------------------
async def _seed_catalog(engine: Engine, conn: asyncpg.Connection) -> None:
    bind_tables(engine)
    async with write_transaction(engine):
        for plan in PLANS:
            await PiccoloPlanRepository().add(plan)
    for k, (currency, reporting, rate, day) in enumerate(exchange_rates()):
        await conn.execute(
            "INSERT INTO exchange_rate (id, currency, reporting, rate, effective_on, entered_by,"
            " entered_at) VALUES ($1, $2, $3, $4, $5, 'bench@example.test', $6)",
            f"bench-rate-{k}",
            currency,
            reporting,
            rate,
            day.date(),
            day,
        )


async def _generate(engine: Engine, conn: asyncpg.Connection, n: int) -> Result:
    result = Result(subscriptions=n)
    await _seed_catalog(engine, conn)
    for name, (columns, like) in STAGING.items():
        await conn.execute(
            f"CREATE UNLOGGED TABLE {name} AS SELECT {', '.join(columns)} FROM {like} WITH NO DATA"
        )
        await conn.execute(f"ALTER TABLE {name} ADD COLUMN seq bigint NOT NULL")
    business = Business(n)
    batch: list[CustomerRows] = []
    for rows in business.customers():
        batch.append(rows)
        if len(batch) >= FLUSH:
            await _copy(conn, batch, result)
            batch = []
    await _copy(conn, batch, result)
    # ids in time order over the whole business (ties: the order the transactions were made)
    h = ", ".join(HISTORY_COLUMNS)
    await conn.execute(
        f"INSERT INTO subscription_history (id, {h})"
        f" SELECT row_number() OVER (ORDER BY at, seq), {h} FROM gen_history"
    )
    m = ", ".join(MOVEMENT_COLUMNS)
    await conn.execute(
        f"INSERT INTO mrr_movement (id, {m})"
        f" SELECT row_number() OVER (ORDER BY at, seq), {m} FROM gen_movement"
    )
    i = ", ".join(INVOICE_COLUMNS)
    # gapless numbers per yearly series in issue order, as the live numbering gives them
    await conn.execute(
        f"INSERT INTO invoice (number, {i})"
        " SELECT 'INV-' || extract(year FROM issued_at AT TIME ZONE 'UTC')::int || '-' ||"
        "  lpad((row_number() OVER (PARTITION BY extract(year FROM issued_at AT TIME ZONE 'UTC')"
        f"  ORDER BY issued_at, seq))::text, 6, '0'), {i} FROM gen_invoice"
    )
    await conn.execute(
        "INSERT INTO invoice_series (id, prefix, next_number)"
        " SELECT 'bench-' || prefix, prefix, n + 1 FROM (SELECT split_part(number, '-', 1) || '-'"
        " || split_part(number, '-', 2) || '-' AS prefix, count(*) AS n FROM invoice"
        " GROUP BY 1) s"
    )
    for table in ("subscription_history", "mrr_movement"):
        await conn.execute(
            f"SELECT setval('{table}_id_seq', (SELECT coalesce(max(id), 1) FROM {table}))"
        )
    for name in STAGING:
        await conn.execute(f"DROP TABLE {name}")
    await conn.execute("ANALYZE")
    return result


async def _copy(conn: asyncpg.Connection, batch: list[CustomerRows], result: Result) -> None:
    if not batch:
        return
    customers = [r.customer for r in batch]
    subscriptions = [s for r in batch for s in r.subscriptions]
    history = [h for r in batch for h in r.history]
    movements = [m for r in batch for m in r.movements]
    invoices = [i for r in batch for i in r.invoices]
    async with conn.transaction():
        await conn.copy_records_to_table("customer", records=customers, columns=CUSTOMER_COLUMNS)
        await conn.copy_records_to_table(
            "subscription", records=subscriptions, columns=SUBSCRIPTION_COLUMNS
        )
        for name, rows in (
            ("gen_history", history),
            ("gen_movement", movements),
            ("gen_invoice", invoices),
        ):
            columns = (*STAGING[name][0], "seq")
            await conn.copy_records_to_table(name, records=rows, columns=columns)
    result.customers += len(customers)
    result.history_rows += len(history)
    result.movements += len(movements)
    result.invoices += len(invoices)


# -- 2. check and rebuild -----------------------------------------------------------------------
async def _rebuild(url: str, result: Result, sample: int = 0) -> None:
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=4)
    clock = SystemClock()
    registry = build_registry(billing=CONFIG)  # the rebuild enqueues the analytics refresh
    try:

        def uow() -> PiccoloUnitOfWork:
            return PiccoloUnitOfWork(engine, clock=clock, registry=registry)

        started = time.perf_counter()
        if sample:
            await _check_sample(uow, sample, result)
        else:
            checked = await rebuild_mrr_ledger(uow=uow, config=CONFIG, check=True)
            if checked.differing_customers:
                raise SystemExit(
                    f"the generated ledger differs from the replayed history for"
                    f" {len(checked.differing_customers)} customers,"
                    f" e.g. {checked.differing_customers[:3]}"
                )
            assert checked.movements == result.movements or not result.movements
        result.check_s = round(time.perf_counter() - started, 1)
        started, cpu = time.perf_counter(), time.process_time()
        report = await rebuild_mrr_ledger(uow=uow, config=CONFIG)
        elapsed = time.perf_counter() - started
        result.rebuild_s = round(elapsed, 1)
        result.rebuild_cpu_s = round(time.process_time() - cpu, 1)
        result.rebuild_versions_per_s = round(report.versions / elapsed)
        result.rebuild_movements_per_s = round(report.movements / elapsed)
        result.history_rows = result.history_rows or report.versions
        result.movements = result.movements or report.movements
    finally:
        await close_pool(engine)


async def _check_sample(uow: Callable[[], PiccoloUnitOfWork], sample: int, result: Result) -> None:
    """The check over ``sample`` customers spread over the id range (every k-th): the stored
    ledger of each must equal the one its history replays to (``replay`` + ``same_rows``)."""
    async with uow() as reader:
        ids: list[str] = []
        after = None
        while True:
            page = await reader.subscription_history.customers(after=after, limit=5000)
            if not page:
                break
            ids += page
            after = page[-1]
        step = max(1, len(ids) // sample)
        chosen = ids[::step][:sample]
        plans: dict[PlanId, Plan] = {}
        differing = []
        for start in range(0, len(chosen), 500):
            batch = chosen[start : start + 500]
            history = await reader.subscription_history.for_customers(batch)
            for version in history:
                for plan_id in plan_ids_of(version.subscription) - plans.keys():
                    plan = await reader.plans.get(plan_id)
                    assert plan is not None
                    plans[plan_id] = plan
            stored = await reader.mrr_ledger.for_customers(batch)
            for customer_id in batch:
                mine = [v for v in history if v.subscription.customer_id == customer_id]
                theirs = [r for r in stored if r.customer_id == customer_id]
                if not same_rows(replay(mine, plans, CONFIG), theirs):
                    differing.append(customer_id)
    if differing:
        raise SystemExit(f"the stored ledger differs from the replayed history for {differing[:3]}")
    result.notes.append(f"check: a sample of {len(chosen)} customers (every {step}th), all equal")


async def _baseline(conn: asyncpg.Connection, result: Result) -> None:
    """A bare read of every history row the rebuild reads, then a bare COPY of as many ledger
    rows as it writes (into a scratch copy of the ledger table)."""
    started = time.perf_counter()
    rows = 0
    async with conn.transaction():
        cursor = conn.cursor(
            "SELECT id, subscription_id, customer_id, version, at, state, country, tax_code,"
            " tax_percentage, tax_inclusive FROM subscription_history ORDER BY customer_id, id"
        )
        async for _ in cursor:
            rows += 1
    result.baseline_select_s = round(time.perf_counter() - started, 2)
    sample = await conn.fetch(
        f"SELECT {', '.join(MOVEMENT_COLUMNS)} FROM mrr_movement ORDER BY id LIMIT 10000"
    )
    records = [tuple(r) for r in sample]
    await conn.execute("CREATE TEMP TABLE bench_ledger_copy (LIKE mrr_movement INCLUDING DEFAULTS)")
    total = result.movements
    started = time.perf_counter()
    written = 0
    while written < total:
        take = records[: min(len(records), total - written)]
        await conn.copy_records_to_table(
            "bench_ledger_copy", records=take, columns=MOVEMENT_COLUMNS
        )
        written += len(take)
    result.baseline_copy_s = round(time.perf_counter() - started, 2)
    await conn.execute("DROP TABLE bench_ledger_copy")


SIDE_EVENTS = (
    # 3 % of paid invoices went through dunning (60 % recovered, closed 2 to 20 days after the
    # issue; the rest exhausted after 21 days)
    """INSERT INTO dunning_case (invoice, customer_id, subscription_id, status, failures,
         first_failed_at, closed_at)
       SELECT id, customer_id, subscription_id, CASE WHEN r < 0.018 THEN 'recovered'
              ELSE 'exhausted' END, CASE WHEN r < 0.018 THEN 2 ELSE 4 END, issued_at,
              issued_at + CASE WHEN r < 0.018 THEN make_interval(days => 2 + (r * 1000)::int % 19)
                          ELSE interval '21 days' END
       FROM (SELECT id, customer_id, subscription_id, issued_at, random() AS r FROM invoice
             WHERE issued_at IS NOT NULL AND amount_due_minor > 0) i WHERE r < 0.03""",
    # 0.5 % of paid invoices refunded (half or all of them) a few days later
    """INSERT INTO refund (id, credit_note_id, invoice_id, customer_id, amount_minor, currency,
         status, created_at, finished_at)
       SELECT md5('r' || id), md5('cn' || id), id, customer_id,
              amount_due_minor / (1 + (r * 10000)::int % 2), currency, 'succeeded',
              issued_at + interval '4 days', issued_at + interval '4 days 1 hour'
       FROM (SELECT id, customer_id, amount_due_minor, currency, issued_at, random() AS r
             FROM invoice WHERE issued_at IS NOT NULL AND amount_due_minor > 0) i
       WHERE r < 0.005""",
    # half of the cancelled subscriptions said why
    """INSERT INTO cancellation_feedback (id, subscription, customer, reason, comment, timing,
         created_at)
       SELECT md5('f' || id), id, customer, (ARRAY['too_expensive', 'missing_features',
              'switching_product', 'not_using', 'other'])[1 + (r * 10000)::int % 5], '',
              'period_end', canceled_at
       FROM (SELECT id, customer, canceled_at, random() AS r FROM subscription
             WHERE canceled_at IS NOT NULL) s WHERE r < 0.5""",
)


async def _side_events(conn: asyncpg.Connection, result: Result) -> None:
    """What the generation does not drive through the engine, for the subscriber metrics: dunning
    cases, refunds and cancellation feedback drawn at random (seeded) from the stored invoices
    and cancelled subscriptions (synthetic: payments always succeed in the generated history)."""
    await conn.execute("SELECT setseed(0.16)")
    for statement in SIDE_EVENTS:
        await conn.execute(statement)
    counts = [int(await conn.fetchval(f"SELECT count(*) FROM {t}"))
              for t in ("dunning_case", "refund", "cancellation_feedback")]  # fmt: skip
    await conn.execute("ANALYZE dunning_case; ANALYZE refund; ANALYZE cancellation_feedback")
    result.notes.append("side events (synthetic): {} dunning cases, {} refunds, {} cancellation"
                        " reasons".format(*counts))  # fmt: skip


# -- the run ----------------------------------------------------------------------------------
async def main(argv: list[str] | None = None) -> Result:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server (a scratch database)")
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    parser.add_argument("--reuse", default="", help="a database kept by --keep: no generation")
    parser.add_argument("--no-pages", action="store_true")
    parser.add_argument(
        "--check-sample",
        type=int,
        default=0,
        help="check this many customers' ledgers instead of all (rebuild --check)",
    )
    parser.add_argument("--only", default="", help="pages whose label contains this (+ baseline)")
    parser.add_argument("--no-refresh", action="store_true", help="pages without the refresh jobs")
    parser.add_argument("--skip-rebuild", action="store_true", help="with --reuse: pages only")
    parser.add_argument(
        "--no-rebuild", action="store_true",
        help="no rebuild and no check (the generated ledger is the live one's)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.reuse:
        name = args.reuse
        url = args.pg_url.rsplit("/", 1)[0] + f"/{name}"
    else:
        url, name = await _fresh_pg_database(args.pg_url)
    print(f"database {name}", file=sys.stderr)
    try:
        conn = await asyncpg.connect(url)
        try:
            if args.reuse:
                result = Result(
                    subscriptions=int(await conn.fetchval("SELECT count(*) FROM subscription"))
                )
                result.customers = int(await conn.fetchval("SELECT count(*) FROM customer"))
                result.invoices = int(await conn.fetchval("SELECT count(*) FROM invoice"))
                result.history_rows = int(
                    await conn.fetchval("SELECT count(*) FROM subscription_history")
                )
                result.movements = int(await conn.fetchval("SELECT count(*) FROM mrr_movement"))
                engine = make_engine(url)
                bind_tables(engine)
                await apply_migrations(engine, quiet=True)
            else:
                engine = make_engine(url)
                bind_tables(engine)
                await apply_migrations(engine, quiet=True)
                started = time.perf_counter()
                await start_pool(engine, max_size=2)
                try:
                    result = await _generate(engine, conn, args.subscriptions)
                finally:
                    await close_pool(engine)
                result.generation_s = round(time.perf_counter() - started, 1)
                print(f"generated in {result.generation_s} s", file=sys.stderr)
                await _side_events(conn, result)
            if not (args.reuse and args.skip_rebuild) and not args.no_rebuild:
                await _rebuild(url, result, args.check_sample)
                await _baseline(conn, result)
                baseline = result.baseline_select_s + result.baseline_copy_s
                result.rebuild_vs_baseline = (
                    round(result.rebuild_s / baseline, 1) if baseline else 0
                )
            if not args.no_pages:
                from bench.analytics_pages import measure_pages

                await measure_pages(
                    url, result, requests=args.requests, only=args.only,
                    refresh=not args.no_refresh,
                )  # fmt: skip
        finally:
            await conn.close()
    finally:
        if not (args.keep or args.reuse):
            await _drop_pg_database(args.pg_url, name)
    _print(result)
    print(json.dumps(asdict(result)), file=sys.stderr)
    return result


def _print(r: Result) -> None:
    print(
        f"subscriptions {r.subscriptions}, customers {r.customers}, history rows"
        f" {r.history_rows}, movements {r.movements}, invoices {r.invoices}"
    )
    print(f"generation {r.generation_s} s")
    print(
        f"check {r.check_s} s; rebuild {r.rebuild_s} s (CPU {r.rebuild_cpu_s} s)"
        f" ({r.rebuild_versions_per_s} versions/s, {r.rebuild_movements_per_s} movements/s);"
        f" baseline select {r.baseline_select_s} s + copy {r.baseline_copy_s} s;"
        f" rebuild / baseline {r.rebuild_vs_baseline}"
    )
    for job, seconds in r.refresh_s.items():
        print(f"refresh {job}: {seconds} s")
    if r.pages:
        print(f"{'page':60} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for page, q in r.pages.items():
            print(f"{page:60} {q['p50']:>8} {q['p95']:>8} {q['p99']:>8}")
    for note in r.notes:
        print(f"note: {note}")


if __name__ == "__main__":
    asyncio.run(main())
