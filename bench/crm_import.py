"""Time of a CRM import of ``--rows`` customers (50,000 by default) on PostgreSQL, through the
use cases the admin and the job call (domain/integrations/imports.py): upload (the file read and
stored), the dry run (every row checked against the catalog and the customers), the import run
(``run_import``: 500 rows per transaction, each customer created with ``create_customer_in`` and
its external id stored) and the same file imported again (every row an update, nothing created).
Then ``--subscriptions`` rows (2,000 by default) imported with their subscriptions (each first
invoice issued and marked paid offline), for scale.

The CSV is generated: HubSpot's columns (Record ID, Company name, Email, Country/Region, ...),
semicolon-separated, with a byte-order mark; customers in EUR (Germany, France, with VAT
numbers for some) and USD (the United States, with a state).

    python -m bench.crm_import --pg-url postgresql://postgres@127.0.0.1:5432/test
        [--rows 50000] [--subscriptions 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime

from bench.portal_pages import _pg_database, _recreate
from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import CustomerTable, SubscriptionTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.integrations.imports import dry_run, run_import, start_import, upload_import
from domain.shared.clock import FrozenClock
from domain.staff.model import Role, SignedInStaff
from web.jobs import build_registry

OWNER = SignedInStaff("bench-owner", "owner@example.com", "Bench Owner", Role.OWNER, "s")
NOW = datetime(2026, 12, 1, tzinfo=UTC)
HEADER = ("Record ID;Company name;Email;Country/Region;State/Region;Street Address;City;"
          "Postal Code;Currency;VAT number;Plan;Seats")  # fmt: skip


def generate(rows: int, *, prefix: str = "c", plans: bool = False) -> bytes:
    lines = ["\ufeff" + HEADER]
    for i in range(rows):
        kind = i % 3
        plan = ("team-monthly;" + str(1 + i % 5)) if plans else ";"
        if kind == 0:
            vat = f"DE{100000000 + i % 899999999:09d}" if i % 2 == 0 else ""
            lines.append(f"{prefix}{i};Firma {i} GmbH;{prefix}{i}@example.de;Germany;;"
                         f"Hauptstr. {i % 200};Berlin;10115;EUR;{vat};{plan}")  # fmt: skip
        elif kind == 1:
            lines.append(f"{prefix}{i};Société {i};{prefix}{i}@example.fr;FR;;{i % 90} rue de "
                         f"Rivoli;Paris;75001;EUR;;{plan}")  # fmt: skip
        else:
            lines.append(f"{prefix}{i};Company {i} Inc;{prefix}{i}@example.com;United States;CA;"
                         f"{i % 900} Market St;San Francisco;94105;USD;;{plan}")  # fmt: skip
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


async def _import(engine: object, content: bytes, *, subscriptions: bool) -> dict[str, float]:
    clock = FrozenClock(NOW)
    registry = build_registry()

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(engine, clock=clock, registry=registry)  # type: ignore[arg-type]

    times: dict[str, float] = {}
    started = time.perf_counter()
    rec = await upload_import(OWNER, "bench.csv", content, "hubspot", uow=uow(), clock=clock)
    times["upload"] = time.perf_counter() - started
    started = time.perf_counter()
    rec = await dry_run(OWNER, rec.id, rec.mapping, subscriptions, new_uow=uow, clock=clock)
    times["dry run"] = time.perf_counter() - started
    assert rec.error_count == 0, rec.errors[:5]
    await start_import(OWNER, rec.id, uow=uow(), clock=clock)
    started = time.perf_counter()
    rec = await run_import(rec.id, new_uow=uow, clock=clock, config=BillingConfig())
    times["import"] = time.perf_counter() - started
    times["created"], times["updated"], times["subscribed"] = (
        rec.created,
        rec.updated,
        rec.subscribed,
    )
    return times


async def measure(url: str, rows: int, subscriptions: int) -> list[tuple[str, dict[str, float]]]:
    engine = make_engine(url)
    bind_tables(engine)
    await start_pool(engine, max_size=2)
    try:
        await apply_migrations(engine, quiet=True)
        await load_demo_catalog(uow=PiccoloUnitOfWork(engine, clock=FrozenClock(NOW),
                                                      registry=build_registry()))  # fmt: skip
        content = generate(rows)
        print(f"{rows:,} rows, {len(content) / 1e6:.1f} MB", file=sys.stderr)
        first = await _import(engine, content, subscriptions=False)
        again = await _import(engine, content, subscriptions=False)
        assert await CustomerTable.count() == rows
        with_subs = await _import(engine, generate(subscriptions, prefix="s", plans=True),
                                  subscriptions=True)  # fmt: skip
        assert await SubscriptionTable.count() == subscriptions
    finally:
        await close_pool(engine)
    return [(f"{rows:,} new customers", first), (f"{rows:,} again (updates)", again),
            (f"{subscriptions:,} customers with subscriptions", with_subs)]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--pg-url", required=True, help="PostgreSQL server")
    parser.add_argument("--db-name", default="crm_import_bench")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--subscriptions", type=int, default=2_000)
    args = parser.parse_args(argv)
    asyncio.run(_recreate(args.pg_url, args.db_name))
    results = asyncio.run(measure(_pg_database(args.pg_url, args.db_name), args.rows,
                                  args.subscriptions))  # fmt: skip
    print("| import | upload s | dry run s | import s | rows/s (import) | created | updated | "
          "subscriptions |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, t in results:
        rows = t["created"] + t["updated"]
        print(f"| {name} | {t['upload']:.1f} | {t['dry run']:.1f} | {t['import']:.1f} | "
              f"{rows / t['import']:,.0f} | {t['created']:,.0f} | {t['updated']:,.0f} | "
              f"{t['subscribed']:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
