"""Latency of the subscriber portal's pages for a subscriber with five years of monthly invoices,
among 100,000 subscribers, on PostgreSQL, under the production ASGI server.

Seed (once; ``--reuse`` keeps a seeded database between runs):

- the heavy subscriber is made through the use cases: a customer, an account, a 4242 card and a
  monthly subscription started ``--months`` months before now, renewed month by month by the
  job runner on a frozen clock (the sandbox gateway charges each renewal): ``--months`` paid
  invoices, each with its lines and payment attempt (no PDFs: the list only asks whether one
  exists);
- a template subscriber is made the same way with ``--template-months`` invoices; its rows
  (customer, account, saved card, subscription, invoices, invoice lines) are then copied
  ``--customers`` - 1 times with fresh ids, e-mails and invoice numbers, with asyncpg's
  ``COPY`` in batches (minutes, not hours).

Measure: the app runs as deployed (uvicorn ``web.asgi:app``, one worker, uvloop, httptools, no
access log, ``APP_ENV=production``, job runner off). The bench signs in as the heavy subscriber
through ``/auth/login`` (the real form, CSRF and all) and hands the session cookie to ``wrk``
with ``-H``. Each page gets a warm-up, then ``wrk --latency``; the ceiling is
``bench/portal_ceiling_app.py`` (one Jinja table page, no database) under the same server. A
page answering 404 (not built on this branch, e.g. ``/account`` before the overview lands) is
skipped with a note.

    python -m bench.portal_pages --pg-url postgresql://postgres@127.0.0.1:5432/test [--reuse]
        [--customers 100000] [--months 60] [--duration 10] [--connections 1] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import http_pages
from bench.renewal_run import TEAM
from domain.accounts.sign_up import attach_customer_in, register_in
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.passwords_argon2 import Argon2PasswordHasher
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.payments import service as payments
from domain.shared.clock import FrozenClock, SystemClock
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.subscribing import subscribe

HEAVY_EMAIL = "heavy@example.test"
TEMPLATE_EMAIL = "bench-0@example.test"
PASSWORD = "portal bench passphrase"
CONFIG = BillingConfig()
BATCH = 5000  # customers per COPY round
# the rows one subscriber owns, in an order that satisfies the foreign keys
CLONED = ("customer", "account", "payment_method", "subscription", "invoice", "invoice_line")


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    path: str
    ceiling: bool = False


@dataclass
class Result:
    target: str
    path: str
    status: str
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    vs_ceiling: float = 0.0


# -- seeding --------------------------------------------------------------------------------------
def _pg_database(base_url: str, name: str) -> str:
    return base_url.rsplit("/", 1)[0] + f"/{name}"


async def _database_ready(base_url: str, name: str, customers: int) -> bool:
    admin = await asyncpg.connect(base_url)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await admin.close()
    if not exists:
        return False
    conn = await asyncpg.connect(_pg_database(base_url, name))
    try:
        heavy = await conn.fetchval("SELECT 1 FROM account WHERE email = $1", HEAVY_EMAIL)
        count = await conn.fetchval("SELECT COUNT(*) FROM customer")
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()
    return bool(heavy) and count >= customers + 1


async def _recreate(base_url: str, name: str) -> None:
    admin = await asyncpg.connect(base_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _subscriber(engine: Any, email: str, months: int) -> str:
    """A subscriber made through the use cases, renewed monthly ``months - 1`` times; gives the
    customer id."""
    start = SystemClock().now() - timedelta(days=round(months * 30.44) + 3)
    clock = FrozenClock(start)
    gateway = SandboxGateway(engine)
    from tests.support.jobs import billing_registry  # renewals and charges, no PDFs or e-mails

    registry = billing_registry(gateway, CONFIG)

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(engine, clock=clock, registry=registry)

    runner = JobRunner(
        store=PiccoloJobStore(engine), registry=registry, clock=clock, uow_factory=uow,
        concurrency=2, poll_interval_s=0.01,
    )  # fmt: skip
    customer = await create_customer(
        email=email, name=f"Bench {email.split('@')[0]}", currency="USD", country="US",
        address_lines=("1 Bench Street", "Springfield"), uow=uow(), clock=clock,
    )  # fmt: skip
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024)  # verify reads the hash's cost
    async with uow() as writer:
        account = await register_in(
            writer, email=email, password=PASSWORD, name=customer.name, clock=clock,
            hasher=hasher, email_verified=True,
        )  # fmt: skip
        await attach_customer_in(writer, account.id, customer.id)
        await writer.commit()
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2035, cvc="123"
    )
    await payments.add_payment_method(customer.id, token, uow=uow, gateway=gateway, clock=clock)
    outcome = await subscribe(customer.id, "team", uow=uow(), clock=clock, config=CONFIG)
    await runner.drain()
    for _ in range(months - 1):
        sub = await get_subscription(outcome.subscription.id, uow=uow())
        clock.set(sub.period_end + timedelta(minutes=1))
        await runner.drain()
    return str(customer.id)


async def _clone(conn: asyncpg.Connection, template_id: str, copies: int) -> None:
    """Copy the template subscriber's rows ``copies`` times with every identifier replaced."""
    rows: dict[str, list[asyncpg.Record]] = {
        "customer": await conn.fetch("SELECT * FROM customer WHERE id = $1", template_id),
        "account": await conn.fetch("SELECT * FROM account WHERE customer = $1", template_id),
        "payment_method": await conn.fetch(
            "SELECT * FROM payment_method WHERE customer = $1", template_id
        ),
        "subscription": await conn.fetch(
            "SELECT * FROM subscription WHERE customer = $1", template_id
        ),
        "invoice": await conn.fetch("SELECT * FROM invoice WHERE customer_id = $1", template_id),
    }
    rows["invoice_line"] = await conn.fetch(
        "SELECT * FROM invoice_line WHERE invoice = ANY($1::varchar[])",
        [r["id"] for r in rows["invoice"]],
    )
    columns = {table: list(rows[table][0].keys()) for table in CLONED if rows[table]}
    keys = {str(r["id"]) for table in CLONED for r in rows[table]}
    keys |= {TEMPLATE_EMAIL}
    numbers = {str(r["number"]) for r in rows["invoice"] if r["number"]}
    plans = {
        table: [
            i
            for i, column in enumerate(columns[table])
            if any(
                isinstance(r[column], str) and any(k in r[column] for k in keys | numbers)
                for r in rows[table]
            )
        ]
        for table in columns
    }
    ordered = sorted(keys | numbers, key=len, reverse=True)
    done = 0
    while done < copies:
        batch: dict[str, list[tuple[Any, ...]]] = {table: [] for table in columns}
        for k in range(done + 1, min(done + BATCH, copies) + 1):
            fresh = {key: str(uuid.uuid4()) for key in keys}
            fresh[TEMPLATE_EMAIL] = f"bench-{k}@example.test"
            fresh |= {n: f"{n}-{k}" for n in numbers}
            for table in columns:
                for record in rows[table]:
                    values = list(record.values())
                    for i in plans[table]:
                        value = values[i]
                        if isinstance(value, str):
                            for key in ordered:
                                if key in value:
                                    value = value.replace(key, fresh[key])
                            values[i] = value
                    batch[table].append(tuple(values))
        async with conn.transaction():
            for table in CLONED:
                if batch.get(table):
                    await conn.copy_records_to_table(
                        table, records=batch[table], columns=columns[table]
                    )
        done = min(done + BATCH, copies)
        print(f"  cloned {done:,} / {copies:,}", file=sys.stderr)
    await conn.execute("ANALYZE")


async def seed(url: str, customers: int, months: int, template_months: int) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=4)
    try:
        await apply_migrations(engine, quiet=True)
        clock = FrozenClock(SystemClock().now())
        async with PiccoloUnitOfWork(engine, clock=clock, registry=JobRegistry()) as setup:
            await setup.plans.add(replace(TEAM))
            await setup.commit()
        print(f"heavy subscriber: {months} months of renewals", file=sys.stderr)
        await _subscriber(engine, HEAVY_EMAIL, months)
        print(f"template subscriber: {template_months} invoices", file=sys.stderr)
        template = await _subscriber(engine, TEMPLATE_EMAIL, template_months)
    finally:
        await close_pool(engine)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DELETE FROM job")
        await _clone(conn, template, customers - 1)
    finally:
        await conn.close()
    return time.perf_counter() - started


# -- measuring ------------------------------------------------------------------------------------
def sign_in(base: str) -> tuple[str, str]:
    """The Cookie header of a session signed in as the heavy subscriber, and the id of their
    newest invoice (read from the invoice list)."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        page = client.get("/auth/login")
        csrf_cookie = page.cookies.get("csrftoken") or ""
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token, "no CSRF token on /auth/login"
        answer = client.post(
            "/auth/login",
            data={"email": HEAVY_EMAIL, "password": PASSWORD, "_csrf_token": token.group(1),
                  "next": "/account/invoices"},
            headers={"Cookie": f"csrftoken={csrf_cookie}"},
        )  # fmt: skip
        session = answer.cookies.get("session")
        assert answer.status_code == 303 and session, f"sign-in failed: {answer.status_code}"
        cookie = f"csrftoken={csrf_cookie}; session={session}"
        listing = client.get("/account/invoices", headers={"Cookie": cookie})
        newest = re.search(r'href="/account/invoices/([0-9a-f-]{36})"', listing.text)
        assert listing.status_code == 200 and newest, f"invoice list: {listing.status_code}"
        return cookie, newest.group(1)


def measure(
    base: str, targets: Sequence[Target], cookie: str, load: argparse.Namespace, wrk: str
) -> list[Result]:
    results = []
    headers = {"Cookie": cookie} if cookie else {}
    for target in targets:
        url = base + target.path
        status = httpx.get(url, headers=headers, timeout=30).status_code
        if status != 200:
            note = (
                "skipped: 404, not built on this branch" if status == 404 else f"answered {status}"
            )
            print(f"  {target.name}: {note}", file=sys.stderr)
            results.append(Result(target.name, target.path, note))
            continue
        command = [wrk, f"-t{load.threads}", f"-c{load.connections}", "--latency"]
        if cookie:
            command += ["-H", f"Cookie: {cookie}"]
        http_pages.run_command([*command, f"-d{load.warmup}s", url])
        output = http_pages.run_command([*command, f"-d{load.duration}s", url])
        rps, p50, p99, errors = http_pages.parse_wrk(output)
        print(f"  {target.name}: {rps:,.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms",
              file=sys.stderr)  # fmt: skip
        results.append(Result(target.name, target.path, "ok", rps, p50, p99, errors))
    return results


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server")
    parser.add_argument("--db-name", default="portal_bench", help="database kept for --reuse")
    parser.add_argument("--reuse", action="store_true", help="keep a database already seeded")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--template-months", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    wrk = http_pages.check_wrk()
    url = _pg_database(args.pg_url, args.db_name)
    seeded_s = 0.0
    if args.reuse and asyncio.run(_database_ready(args.pg_url, args.db_name, args.customers)):
        print(f"reusing {args.db_name}", file=sys.stderr)
    else:
        asyncio.run(_recreate(args.pg_url, args.db_name))
        seeded_s = asyncio.run(seed(url, args.customers, args.months, args.template_months))
        print(f"seeded in {seeded_s:.0f} s", file=sys.stderr)

    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        ceiling_env = http_pages.inherited_env()
        with http_pages.serve(
            "bench.portal_ceiling_app:app", ceiling_env, Path(tmp) / "c.log"
        ) as base:
            results += measure(base, [Target("minimal Jinja table page (ceiling)", "/", True)],
                               "", args, wrk)  # fmt: skip
        with http_pages.serve(
            "web.asgi:app", http_pages.app_env(url), Path(tmp) / "app.log"
        ) as base:
            cookie, newest = sign_in(base)
            targets = [
                Target("/account (overview)", "/account"),
                Target("/account/invoices (page 1 of 3)", "/account/invoices"),
                Target("/account/invoices?page=3", "/account/invoices?page=3"),
                Target("/account/invoices/{newest}", f"/account/invoices/{newest}"),
                Target("/account/payment-methods", "/account/payment-methods"),
                Target("/account/profile", "/account/profile"),
            ]
            results += measure(base, targets, cookie, args, wrk)
    ceiling = results[0].requests_per_s if results and results[0].status == "ok" else 0
    for r in results:
        r.vs_ceiling = round(r.requests_per_s / ceiling, 3) if ceiling and r.status == "ok" else 0
    print(
        f"{args.customers:,} subscribers; the measured one has {args.months} monthly invoices. "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency (after "
        f"{args.warmup}s warm-up), uvicorn {' '.join(http_pages.UVICORN_FLAGS)}"
        + (f"; seeded in {seeded_s:.0f} s" if seeded_s else "; reused seed")
    )
    print()
    print("| page | req/s | p50 ms | p99 ms | ÷ ceiling |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        if r.status != "ok":
            print(f"| {r.target} | {r.status} | | | |")
        else:
            print(f"| {r.target} | {r.requests_per_s:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
                  f"{r.vs_ceiling:.2f} |")  # fmt: skip
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr)
    return results


if __name__ == "__main__":
    main()
