"""Latency of ``GET /api/v1/customers/{id}/entitlements`` with 100,000 customers on PostgreSQL,
against baselines measured in the same run.

Seeding: a scratch database (``--db-name``, recreated unless ``--reuse`` finds it seeded) is
migrated and given the demo catalog with its features and grants (``load_demo_features``), then
``--customers`` customers with one subscription each (Starter, Team with 1 to 20 seats or Scale;
one in ten with 1 to 4 blocks of the Extra storage add-on; statuses mostly active, some trialing,
past due, paused, unpaid and canceled), and their ``customer_entitlement`` rows, written with
``COPY`` (then ``VACUUM ANALYZE``). The rows are computed by the live rule
(``entitlement_rules.entitlements_of``), and before measuring, 200 random customers are
recomputed by ``refresh_entitlements_in`` (what every subscription change runs) without writing:
the run stops unless every one equals its seeded rows.

Measuring, all in one run on one machine:

1. **In process**: the read use case (``customer_entitlements`` on a read-only Piccolo unit of
   work, its own transaction: the lookup itself) for ``--repeat`` random customers, beside a
   bare ``SELECT 1`` round trip on the same kind of unit of work; then what the endpoint runs
   (``entitlements_for_key``: the key check and the rows in one statement on the
   single-statement read unit, no transaction on PostgreSQL) beside ``SELECT 1`` on that unit.
2. **Over HTTP**: the app under uvicorn with the production flags (as ``bench/http_pages.py``:
   one worker, uvloop, httptools, no access log, job runner off, rate limit raised), a read-only
   API key, ``wrk --latency`` for ``--duration`` seconds at each ``--connections`` level, each
   request for a random customer of 2,000 sampled (a Lua script). Targets: a bare JSON endpoint
   (``bench/minimal_api_app.py``: one Litestar route answering a fixed entitlements-shaped body,
   no database, no auth: the ceiling), ``GET /api/v1/customers/{id}`` (the same key check plus a
   read by primary key) and the entitlements endpoint.

    python -m bench.entitlements --pg-url postgresql://postgres@127.0.0.1:5432/postgres \\
        [--customers 100000] [--db-name entitlements_bench] [--reuse] [--keep] \\
        [--duration 10] [--connections 1,8] [--repeat 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bench.http_pages import app_env, check_wrk, parse_wrk, run_command, serve
from bench.portal_pages import _pg_database, _recreate
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import CustomerTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.apikeys.admin import create_api_key
from domain.apikeys.entitlement_reads import entitlements_for_key
from domain.apikeys.model import Mode
from domain.catalog.demo_features import load_demo_features
from domain.catalog.features import Feature, FeatureGrant
from domain.catalog.model import Plan
from domain.catalog.service import load_demo_catalog
from domain.jobs.registry import JobRegistry
from domain.pricing.proration import ProrationUnit
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.entitlement_rules import entitlements_of
from domain.subscriptions.entitlements import customer_entitlements, refresh_entitlements_in
from domain.subscriptions.model import Subscription

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
BATCH = 10_000
SAMPLE = 2_000
OWNER = SignedInStaff("bench-owner", "owner@example.com", "Owner", Role.OWNER, "s")
STATUSES = (
    [SubscriptionStatus.ACTIVE] * 80 + [SubscriptionStatus.TRIALING] * 8
    + [SubscriptionStatus.PAST_DUE] * 4 + [SubscriptionStatus.PAUSED] * 3
    + [SubscriptionStatus.UNPAID] * 2 + [SubscriptionStatus.CANCELED] * 3
)  # fmt: skip
CUSTOMER_COLUMNS = ("id", "email", "name", "currency", "country", "address_lines",
                    "balance_minor", "created_at")  # fmt: skip
SUBSCRIPTION_COLUMNS = ("id", "customer", "currency", "timezone", "proration", "plan", "quantity",
                        "status", "anchor", "period_start", "period_end", "created_at", "addons",
                        "next_action_at")  # fmt: skip
ENTITLEMENT_COLUMNS = ("id", "customer", "feature_key", "feature_name", "limit_kind",
                       "limit_value", "has_access", "subscriptions", "updated_at")  # fmt: skip


def _uow(engine: object, *, read_only: bool = False, statement: bool = False) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(engine, clock=FrozenClock(NOW), registry=JobRegistry(),  # type: ignore[arg-type]
                             read_only=read_only, statement=statement)  # fmt: skip


# -- seeding --------------------------------------------------------------------------------------
async def _catalog(
    engine: object,
) -> tuple[dict[PlanId, Plan], dict[str, list[FeatureGrant]], dict[str, Feature]]:
    await load_demo_catalog(uow=_uow(engine))
    await load_demo_features(uow=_uow(engine), at=NOW)
    async with _uow(engine) as uow:
        plans = {p.id: p for p in await uow.plans.all_versions()}
        grants: dict[str, list[FeatureGrant]] = {}
        for grant in await uow.features.grants():
            grants.setdefault(grant.plan_code, []).append(grant)
        features = {f.key: f for f in await uow.features.all()}
    return plans, grants, features


def _subscription(k: int, rng: random.Random) -> Subscription:
    plan, quantity = rng.choice(
        [(PlanId("demo-starter-monthly"), 1), (PlanId("demo-team-monthly"), rng.randint(1, 20)),
         (PlanId("demo-scale-monthly"), 1)]
    )  # fmt: skip
    addons = ((PlanId("demo-extra-storage"), rng.randint(1, 4)),) if rng.random() < 0.1 else ()
    created = NOW - timedelta(days=rng.randrange(1, 700))
    return Subscription(
        id=SubscriptionId(str(uuid.uuid4())), customer_id=CustomerId(str(uuid.uuid4())),
        currency="USD", timezone="UTC", proration=ProrationUnit.DAY, plan_id=plan,
        quantity=quantity, status=rng.choice(STATUSES), anchor=created,
        period_start=NOW - timedelta(days=10), period_end=NOW + timedelta(days=21),
        created_at=created, addons=addons,
    )  # fmt: skip


async def seed(url: str, customers: int) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    try:
        await apply_migrations(engine, quiet=True)
        plans, grants, features = await _catalog(engine)
    finally:
        await close_pool(engine)
    rng = random.Random(17)
    conn = await asyncpg.connect(url)
    try:
        done = 0
        while done < customers:
            rows: dict[str, list[tuple[object, ...]]] = {"customer": [], "subscription": [],
                                                         "customer_entitlement": []}  # fmt: skip
            for k in range(done + 1, min(done + BATCH, customers) + 1):
                sub = _subscription(k, rng)
                cid = sub.customer_id
                rows["customer"].append((cid, f"c{k}@example.com", f"Customer {k}", "USD", "US",
                                         "[]", 0, sub.created_at))  # fmt: skip
                ended = sub.status is SubscriptionStatus.CANCELED
                rows["subscription"].append((
                    sub.id, cid, "USD", "UTC", sub.proration.value, sub.plan_id, sub.quantity,
                    sub.status.value, sub.anchor, sub.period_start, sub.period_end,
                    sub.created_at, json.dumps([[p, q] for p, q in sub.addons]),
                    None if ended else sub.period_end,
                ))  # fmt: skip
                for e in entitlements_of(cid, [sub], plans, grants, features, at=NOW):
                    rows["customer_entitlement"].append((
                        f"{cid}/{e.feature_key}", cid, e.feature_key, e.feature_name,
                        e.kind.value, e.limit, e.has_access, json.dumps(list(e.subscriptions)),
                        e.updated_at,
                    ))  # fmt: skip
            async with conn.transaction():
                for table, names in (("customer", CUSTOMER_COLUMNS),
                                     ("subscription", SUBSCRIPTION_COLUMNS),
                                     ("customer_entitlement", ENTITLEMENT_COLUMNS)):  # fmt: skip
                    await conn.copy_records_to_table(table, records=rows[table], columns=names)
            done = min(done + BATCH, customers)
            print(f"  seeded {done:,} / {customers:,} customers", file=sys.stderr)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _ready(url: str, customers: int) -> bool:
    try:
        conn = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        return False
    try:
        return int(await conn.fetchval("SELECT COUNT(*) FROM customer")) >= customers
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


# -- measuring ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Row:
    target: str
    connections: str
    requests: int
    per_s: float
    p50_ms: float
    p99_ms: float
    note: str = ""


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def prepare(url: str, repeat: int) -> tuple[list[str], str, list[Row]]:
    """The sampled customer ids, a read-only key's secret, and the in-process rows."""
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=4)
    try:
        conn = await asyncpg.connect(url)
        try:
            ids = [r["id"] for r in await conn.fetch(
                "SELECT id FROM customer ORDER BY random() LIMIT $1", max(SAMPLE, repeat))]  # fmt: skip
        finally:
            await conn.close()
        # the seeded rows are what the live code computes
        for cid in ids[:200]:
            async with _uow(engine) as uow:
                if await refresh_entitlements_in(uow, CustomerId(cid), now=NOW, write=False):
                    raise SystemExit(f"seeded rows of {cid} differ from the live rule's")
        key = await create_api_key(OWNER, name="bench", scope="read_only", mode=Mode.TEST,
                                   uow=_uow(engine), clock=FrozenClock(NOW))  # fmt: skip
        rows = []
        secret = key.secret

        async def keyed(engine: object, cid: str) -> int:
            return await _keyed_lookup(engine, cid, secret)

        for name, run in (("SELECT 1 round trip (read uow)", _select_one),
                          ("customer_entitlements use case (read uow)", _lookup),
                          ("SELECT 1 (single-statement read unit)", _select_one_statement),
                          ("entitlements_for_key: key + rows, one statement", keyed)):  # fmt: skip
            samples, hits = [], 0
            for cid in ids[:50]:  # warm-up
                await run(engine, cid)
            for cid in ids[:repeat]:
                t0 = time.perf_counter()
                hits += await run(engine, cid)
                samples.append((time.perf_counter() - t0) * 1000)
            rows.append(Row(name, "in process", len(samples), 1000 / statistics.mean(samples),
                            _pct(samples, 0.5), _pct(samples, 0.99),
                            f"{hits / len(samples):.1f} rows a customer"))  # fmt: skip
        return ids[:SAMPLE], key.secret, rows
    finally:
        await close_pool(engine)


async def _select_one(engine: object, cid: str) -> int:
    async with _uow(engine, read_only=True):
        await CustomerTable.raw("SELECT 1")
    return 1


async def _lookup(engine: object, cid: str) -> int:
    return len(await customer_entitlements(CustomerId(cid), uow=_uow(engine, read_only=True)))


async def _select_one_statement(engine: object, cid: str) -> int:
    async with _uow(engine, read_only=True, statement=True):
        await CustomerTable.raw("SELECT 1")
    return 1


async def _keyed_lookup(engine: object, cid: str, secret: str) -> int:
    """What the endpoint's handler runs: the key check and the rows in one statement."""
    _, rows = await entitlements_for_key(
        secret, CustomerId(cid), uow=_uow(engine, read_only=True, statement=True),
        new_uow=lambda: _uow(engine), clock=FrozenClock(NOW),
    )  # fmt: skip
    return len(rows)


LUA = """ids = {%s}
counter = 0
request = function()
  counter = counter + 1
  local id = ids[math.random(#ids)]
  return wrk.format("GET", string.format("%s", id), {["Authorization"] = "Bearer %s"})
end
"""


def http_rows(url: str, ids: list[str], secret: str, *, duration: int,
              levels: list[int]) -> list[Row]:  # fmt: skip
    wrk = check_wrk()
    tmp = Path(tempfile.mkdtemp(prefix="entitlements-bench-"))
    quoted = ",".join(f'"{i}"' for i in ids)
    targets = (
        ("bare JSON endpoint (ceiling, bench/minimal_api_app.py)", "bench.minimal_api_app:app",
         "/api/v1/customers/%s/entitlements"),
        ("GET /api/v1/customers/{id} (key check + primary key read)", "web.asgi:app",
         "/api/v1/customers/%s"),
        ("GET /api/v1/customers/{id}/entitlements", "web.asgi:app",
         "/api/v1/customers/%s/entitlements"),
    )  # fmt: skip
    env = {**app_env(url), "API_RATE_LIMIT": "1000000", "API_RATE_WINDOW_S": "1"}
    rows = []
    for name, app, path in targets:
        script = tmp / f"{abs(hash(name))}.lua"
        script.write_text(LUA % (quoted, path, secret))
        with serve(app, env, tmp / "server.log") as base:
            for connections in levels:
                threads = min(connections, 2)
                run_command([wrk, f"-t{threads}", f"-c{connections}", "-d3s", "-s", str(script),
                             base])  # warm-up  # fmt: skip
                out = run_command([wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s",
                                   "--latency", "-s", str(script), base])  # fmt: skip
                per_s, p50, p99, errors = parse_wrk(out)
                total = int(per_s * duration)
                note = f"{errors} errors" if errors else ""
                rows.append(Row(name, str(connections), total, per_s, p50, p99, note))
                print(f"  {name} c={connections}: p50 {p50:.2f} ms p99 {p99:.2f} ms",
                      file=sys.stderr)  # fmt: skip
    return rows


async def _drop(base_url: str, name: str) -> None:
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server (any database)")
    parser.add_argument("--db-name", default="entitlements_bench")
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per level")
    parser.add_argument("--connections", default="1,8", help="wrk connection levels")
    parser.add_argument("--repeat", type=int, default=2000, help="in-process lookups")
    args = parser.parse_args(argv)
    url = _pg_database(args.pg_url, args.db_name)
    seeded = 0.0
    if args.reuse and asyncio.run(_ready(url, args.customers)):
        print(f"reusing {args.db_name}", file=sys.stderr)
    else:
        asyncio.run(_recreate(args.pg_url, args.db_name))
        seeded = asyncio.run(seed(url, args.customers))
        print(f"seeded in {seeded:.0f} s", file=sys.stderr)
    try:
        ids, secret, rows = asyncio.run(prepare(url, args.repeat))
        levels = [int(n) for n in args.connections.split(",")]
        rows += http_rows(url, ids, secret, duration=args.duration, levels=levels)
    finally:
        if not args.keep:
            asyncio.run(_drop(args.pg_url, args.db_name))
    print(f"{args.customers:,} customers with one subscription each and their entitlement rows"
          + (f" (seeded in {seeded:.0f} s)" if seeded else " (reused seed)"))  # fmt: skip
    print()
    print("| target | connections | requests | per s | p50 ms | p99 ms | note |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r.target} | {r.connections} | {r.requests:,} | {r.per_s:,.0f} | "
              f"{r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.note} |")  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
