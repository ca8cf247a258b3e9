"""Latency of support's customer search (``domain.support.search.search_customers``, the use
case the admin's search-as-you-type calls) over 100,000 customers on PostgreSQL.

Seed (once; ``--reuse`` keeps a seeded database between runs): a scratch database, migrated, then
``--customers`` customers with varied names and e-mails (first and last names from lists, a
number, one of a few domains), each with a subscription (mostly active; some past due, trialing
or canceled), a saved card (random last four), ``--invoices`` finalized invoices (numbered
``INV-2026-000001`` ...) and, for one customer in twenty, a credit note (``CN-2026-...``); rows
written with asyncpg's ``COPY`` in batches, as ``bench/portal_pages.py`` seeds its subscribers,
then ``VACUUM ANALYZE`` (as autovacuum would have done on a live database).

Measure: for each kind of query, ``--repeat`` different queries drawn from the seeded data, each
through the use case on a read-only Piccolo unit of work (one transaction, the pool warm), one at
a time; p50, p95, p99 and max in milliseconds. Two baselines in the same run and process: a bare
``SELECT 1`` round trip through the engine, and a customer read by primary key through the same
read unit of work (``uow.customers.get``). Last, the customer record (``customer_record``, the
customer page's read model) of ``--repeat`` customers, for scale (its "hits" column is the
number of timeline events).

    python -m bench.customer_search --pg-url postgresql://postgres@127.0.0.1:5432/test [--reuse]
        [--customers 100000] [--invoices 2] [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.portal_pages import _pg_database, _recreate
from bench.renewal_run import TEAM
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import CustomerTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.registry import JobRegistry
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from domain.staff.model import Role, SignedInStaff
from domain.support.record import customer_record
from domain.support.search import search_customers

VIEWER = SignedInStaff("staff-viewer", "vera@example.com", "Vera Viewer", Role.VIEWER, "s")

BATCH = 10_000
NOW = datetime(2026, 12, 1, tzinfo=UTC)
FIRST = [
    "olivia",
    "emma",
    "amelia",
    "ava",
    "sophia",
    "isla",
    "grace",
    "mia",
    "lily",
    "freya",
    "noah",
    "oliver",
    "george",
    "arthur",
    "leo",
    "harry",
    "oscar",
    "jack",
    "charlie",
    "jacob",
    "muhammad",
    "thomas",
    "henry",
    "alfie",
    "theo",
    "lucas",
    "ada",
    "alan",
    "marie",
    "pierre",
    "hans",
    "sofia",
    "mateo",
    "lukas",
    "elena",
    "ivan",
    "yuki",
    "hiro",
    "priya",
    "arjun",
    "fatima",
    "omar",
    "chen",
    "wei",
    "aisha",
    "kofi",
    "amara",
    "lars",
    "ingrid",
    "sven",
    "nora",
    "emil",
    "astrid",
    "juan",
    "lucia",
    "diego",
    "carmen",
    "paulo",
    "ana",
]
LAST = [
    "smith",
    "jones",
    "taylor",
    "brown",
    "williams",
    "wilson",
    "johnson",
    "davies",
    "patel",
    "wright",
    "robinson",
    "thompson",
    "evans",
    "walker",
    "white",
    "roberts",
    "green",
    "hall",
    "wood",
    "jackson",
    "clarke",
    "lovelace",
    "hopper",
    "turing",
    "curie",
    "muller",
    "schmidt",
    "schneider",
    "fischer",
    "weber",
    "meyer",
    "wagner",
    "becker",
    "rossi",
    "russo",
    "ferrari",
    "esposito",
    "bianchi",
    "garcia",
    "martinez",
    "lopez",
    "gonzalez",
    "rodriguez",
    "fernandez",
    "silva",
    "santos",
    "oliveira",
    "pereira",
    "kowalski",
    "nowak",
    "novak",
    "horvat",
    "nagy",
    "kim",
    "lee",
    "park",
    "tanaka",
    "suzuki",
    "sato",
    "nguyen",
    "tran",
    "singh",
    "kumar",
    "sharma",
    "khan",
    "ali",
    "hansen",
    "johansen",
    "larsen",
    "nielsen",
    "andersen",
    "dubois",
    "martin",
    "bernard",
    "moreau",
]
DOMAINS = ("example.test", "mail.test", "post.test", "inbox.test", "corp.test", "shop.test")
COUNTRIES = ("US", "GB", "DE", "FR", "NL", "SE", "ES", "IT", "CA", "AU")
STATUSES = ("active",) * 16 + ("past_due", "trialing", "canceled", "paused")
BRANDS = ("visa",) * 6 + ("mastercard",) * 3 + ("amex",)


@dataclass(frozen=True, slots=True)
class Result:
    kind: str
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_hits: float


# -- seeding --------------------------------------------------------------------------------------
def _customer_rows(k: int, rng: random.Random) -> dict[str, list[tuple[object, ...]]]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    cid = str(uuid.uuid4())
    email = f"{first}.{last}{k}@{rng.choice(DOMAINS)}"
    name = f"{first.title()} {last.title()}"
    created = NOW - timedelta(days=rng.randrange(30, 1500), seconds=rng.randrange(86_400))
    balance = -rng.randrange(1, 5000) if rng.random() < 0.05 else 0
    rows: dict[str, list[tuple[object, ...]]] = {
        "customer": [(cid, email, name, "USD", rng.choice(COUNTRIES), "[]", balance, created)],
        "subscription": [
            (
                str(uuid.uuid4()),
                cid,
                "USD",
                "UTC",
                "day",
                TEAM.id,
                rng.randrange(1, 10),
                rng.choice(STATUSES),
                NOW - timedelta(days=10),
                NOW - timedelta(days=10),
                NOW + timedelta(days=21),
                created,
            )
        ],
        "payment_method": [
            (
                str(uuid.uuid4()),
                cid,
                "sandbox",
                f"gc_{k}",
                f"pm_{k}",
                rng.choice(BRANDS),
                f"{rng.randrange(10_000):04d}",
                rng.randrange(1, 13),
                rng.randrange(2026, 2032),
                f"fp{k}",
                True,
                created,
            )
        ],
        "invoice": [],
        "credit_note": [],
    }
    return rows


async def seed(url: str, customers: int, invoices: int) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    try:
        await apply_migrations(engine, quiet=True)
        async with PiccoloUnitOfWork(engine, clock=FrozenClock(NOW), registry=JobRegistry()) as w:
            await w.plans.add(replace(TEAM))
            await w.commit()
    finally:
        await close_pool(engine)
    columns = {
        "customer": (
            "id", "email", "name", "currency", "country", "address_lines", "balance_minor",
            "created_at",
        ),
        "subscription": (
            "id", "customer", "currency", "timezone", "proration", "plan", "quantity", "status",
            "anchor", "period_start", "period_end", "created_at",
        ),
        "payment_method": (
            "id", "customer", "gateway", "gateway_customer", "method_ref", "brand", "last4",
            "exp_month", "exp_year", "fingerprint", "is_default", "created_at",
        ),
        "invoice": (
            "id", "number", "subscription_id", "customer_id", "billing_reason", "status",
            "currency", "period_start", "period_end", "issued_at", "subtotal_minor",
            "total_minor", "amount_due_minor", "customer_snapshot", "paid_at",
        ),
        "credit_note": (
            "id", "number", "invoice", "customer_id", "reason", "currency", "issued_at",
            "subtotal_minor", "total_minor", "credited_minor",
        ),
    }  # fmt: skip
    rng = random.Random(14)
    conn = await asyncpg.connect(url)
    invoice_no = credit_no = 0
    try:
        done = 0
        while done < customers:
            batch: dict[str, list[tuple[object, ...]]] = {table: [] for table in columns}
            for k in range(done + 1, min(done + BATCH, customers) + 1):
                rows = _customer_rows(k, rng)
                cid, email, name = rows["customer"][0][:3]
                sub_id = rows["subscription"][0][0]
                for m in range(invoices):
                    invoice_no += 1
                    issued = NOW - timedelta(days=30 * (invoices - m))
                    amount = rng.randrange(1000, 20_000)
                    invoice_id = str(uuid.uuid4())
                    snapshot = json.dumps({"name": name, "email": email, "country": "US"})
                    rows["invoice"].append(
                        (
                            invoice_id, f"INV-2026-{invoice_no:06d}", sub_id, cid,
                            "subscription_cycle", "paid", "USD", issued,
                            issued + timedelta(days=30), issued, amount, amount, amount,
                            snapshot, issued,
                        )
                    )  # fmt: skip
                    if m == 0 and k % 20 == 0:
                        credit_no += 1
                        rows["credit_note"].append(
                            (
                                str(uuid.uuid4()), f"CN-2026-{credit_no:06d}", invoice_id, cid,
                                "order_change", "USD", issued + timedelta(days=3), 500, 500, 500,
                            )
                        )  # fmt: skip
                for table in columns:
                    batch[table] += rows[table]
            async with conn.transaction():
                for table, names in columns.items():
                    await conn.copy_records_to_table(table, records=batch[table], columns=names)
            done = min(done + BATCH, customers)
            print(f"  seeded {done:,} / {customers:,} customers", file=sys.stderr)
        # what autovacuum does to a live table: statistics, and the trigram indexes' pending
        # entries merged (GIN's fast update list, which a bulk COPY fills, is scanned linearly)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _ready(base_url: str, name: str, customers: int) -> bool:
    admin = await asyncpg.connect(base_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    if not exists:
        return False
    conn = await asyncpg.connect(_pg_database(base_url, name))
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM customer")) >= customers
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


# -- measuring ------------------------------------------------------------------------------------
async def _queries(url: str, repeat: int) -> dict[str, list[str]]:
    """``repeat`` queries of each kind, drawn from the seeded rows (seeded random)."""
    rng = random.Random(7)
    conn = await asyncpg.connect(url)
    try:
        sample = await conn.fetch(
            "SELECT id, email, name FROM customer TABLESAMPLE SYSTEM (2) REPEATABLE (7) LIMIT $1",
            repeat,
        )
        invoices = await conn.fetch(
            "SELECT number FROM invoice TABLESAMPLE SYSTEM (2) REPEATABLE (7) LIMIT $1", repeat
        )
        notes = await conn.fetch(
            "SELECT number FROM credit_note TABLESAMPLE SYSTEM (20) REPEATABLE (7) LIMIT $1",
            repeat,
        )
    finally:
        await conn.close()

    def take(values: list[str]) -> list[str]:
        return [values[n % len(values)] for n in range(repeat)]

    emails = [r["email"] for r in sample]
    names = [r["name"] for r in sample]
    return {
        "e-mail, whole address": take(emails),
        "e-mail, first 3-8 characters typed": take([e[: rng.randrange(3, 9)] for e in emails]),
        "name, first name and start of last": take([n[: n.index(" ") + 3] for n in names]),
        "name, a last name (contains)": take([n.split()[1].lower() for n in names]),
        "two letters (prefix only)": take([e[:2] for e in emails]),
        "customer id": take([r["id"] for r in sample]),
        "invoice number": take([r["number"] for r in invoices]),
        "credit note number": take([r["number"] for r in notes]),
        "card last four": take([f"{rng.randrange(10_000):04d}" for _ in range(repeat)]),
        "no match (contains scan)": take([f"zq{n}x" for n in range(repeat)]),
        "broad text: a domain (most rows match)": take([f"{d}" for d in DOMAINS]),
    }


async def _time(
    call: Callable[[], Awaitable[int]], repeat_of: list[str] | int
) -> tuple[list[float], int]:
    samples: list[float] = []
    hits = 0
    count = repeat_of if isinstance(repeat_of, int) else len(repeat_of)
    for _ in range(count):
        started = time.perf_counter()
        hits += await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, hits


def _result(kind: str, samples: list[float], hits: int) -> Result:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Result(
        kind, len(samples), round(cuts[49], 2), round(cuts[94], 2), round(cuts[98], 2),
        round(max(samples), 2), round(hits / len(samples), 1),
    )  # fmt: skip


async def measure(url: str, repeat: int) -> list[Result]:
    queries = await _queries(url, repeat)
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    clock = FrozenClock(NOW)
    registry = JobRegistry()

    def read_uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(engine, clock=clock, registry=registry, read_only=True)

    results: list[Result] = []
    try:
        ids = queries["customer id"]

        async def select_one() -> int:
            await CustomerTable.raw("SELECT 1")
            return 1

        next_id = itertools.cycle(ids).__next__

        async def by_key() -> int:
            uow = read_uow()
            async with uow:
                found = await uow.customers.get(CustomerId(next_id()))
            return int(found is not None)

        for _ in range(50):  # warm the pool and the caches
            await select_one()
            await by_key()
        for name, call in (("baseline: SELECT 1 round trip", select_one),
                           ("baseline: customer by primary key (read uow)", by_key)):  # fmt: skip
            samples, hits = await _time(call, repeat)
            results.append(_result(name, samples, hits))
            print(f"  {results[-1]}", file=sys.stderr)
        for kind, values in queries.items():
            it = iter(values)

            async def search(it=it) -> int:  # type: ignore[no-untyped-def]
                return len(await search_customers(VIEWER, next(it), uow=read_uow()))

            await search_customers(VIEWER, values[0], uow=read_uow())  # warm
            samples, hits = await _time(search, values)
            results.append(_result(kind, samples, hits))
            print(f"  {results[-1]}", file=sys.stderr)
        # the customer page's read model, for the same customers: every list, the engine's
        # next invoice for the subscription, the timeline
        customers = iter(ids)

        async def record() -> int:
            found = await customer_record(VIEWER, next(customers), uow=read_uow(), clock=clock)
            return len(found.timeline)

        samples, events = await _time(record, ids)
        results.append(_result("customer record (customer_record, not a search)", samples, events))
        print(f"  {results[-1]}", file=sys.stderr)
    finally:
        await close_pool(engine)
    return results


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server")
    parser.add_argument("--db-name", default="customer_search_bench", help="kept for --reuse")
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--invoices", type=int, default=2, help="invoices per customer")
    parser.add_argument("--repeat", type=int, default=200, help="queries of each kind")
    args = parser.parse_args(argv)
    url = _pg_database(args.pg_url, args.db_name)
    seeded_s = 0.0
    if args.reuse and asyncio.run(_ready(args.pg_url, args.db_name, args.customers)):
        print(f"reusing {args.db_name}", file=sys.stderr)
    else:
        asyncio.run(_recreate(args.pg_url, args.db_name))
        seeded_s = asyncio.run(seed(url, args.customers, args.invoices))
        print(f"seeded in {seeded_s:.0f} s", file=sys.stderr)
    results = asyncio.run(measure(url, args.repeat))
    print(
        f"{args.customers:,} customers, {args.customers * args.invoices:,} invoices, "
        f"{args.customers // 20:,} credit notes, one card each; {args.repeat} queries per kind, "
        "one at a time, through search_customers on a read-only Piccolo unit of work"
        + (f"; seeded in {seeded_s:.0f} s" if seeded_s else "; reused seed")
    )
    print()
    print("| query kind | p50 ms | p95 ms | p99 ms | max ms | hits (mean) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r.kind} | {r.p50_ms:.2f} | {r.p95_ms:.2f} | {r.p99_ms:.2f} | {r.max_ms:.2f} "
              f"| {r.mean_hits:g} |")  # fmt: skip
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
