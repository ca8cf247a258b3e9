"""Billing commands for staff (sandbox rehearsals until the admin pages exist):

    python -m web.cli clock create "Renewal rehearsal" [--at 2026-01-31T09:00:00Z]
    python -m web.cli customer create --email ada@example.test --name Ada --country US \\
        [--currency USD] [--clock CLOCK_ID] [--card 4242424242424242]
    python -m web.cli subscribe --email ada@example.test --plan team-monthly [--quantity 5]
    python -m web.cli clock advance CLOCK_ID (--days 30 | --to ISO | --next-renewal)
    python -m web.cli clock list
    python -m web.cli renew                      # run the renewal run once, now
    python -m web.cli analytics rebuild [--check] # the MRR ledger from the stored history
    python -m web.cli entitlements rebuild [--check] # the customer_entitlement read model

Each command runs the same use cases the app and the job runner run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from domain.adapters.db.engine import check_connection, make_engine
from domain.adapters.db.tables import InvoiceTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.formatting import format_money
from domain.customers.service import create_customer
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method
from domain.shared.clock import Clock, FrozenClock, SystemClock
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from domain.subscriptions import subscribing
from domain.subscriptions.entitlements import rebuild_entitlements
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from domain.subscriptions.renewals import renew_due
from domain.testclocks import service as test_clocks
from web.jobs import registry_for
from web.payments import make_gateway
from web.settings import Settings

Command = Callable[[argparse.Namespace, "Context"], Awaitable[None]]


class Context:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database.url)
        bind_tables(self.engine)
        self.clock: Clock = SystemClock()
        self.gateway: PaymentGateway = make_gateway(settings.payments, self.engine, self.clock)
        self.registry = registry_for(settings, gateway=self.gateway)

    def uow(self, clock: Clock | None = None) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self.engine, clock=clock or self.clock, registry=self.registry)

    async def clock_for(self, email: str) -> tuple[CustomerId, Clock]:
        """The customer and the clock they live on (their test clock's, or real time)."""
        uow = self.uow()
        async with uow:
            customer = await uow.customers.get_by_email(email)
            if customer is None:
                raise DomainError(f"no customer with e-mail {email}", code="customer.not_found")
            if customer.test_clock_id is None:
                return customer.id, self.clock
            test_clock = await uow.test_clocks.get(customer.test_clock_id)
        assert test_clock is not None
        return customer.id, FrozenClock(test_clock.frozen_at)


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-01-31T09:00:00Z")
    return value


async def clock_create(args: argparse.Namespace, ctx: Context) -> None:
    test_clock = await test_clocks.create_test_clock(
        args.name,
        frozen_at=args.at or ctx.clock.now(),
        uow=ctx.uow(),
        clock=ctx.clock,
        gateway=ctx.gateway,
    )
    print(f"{test_clock.id}  {test_clock.name}  at {test_clock.frozen_at.isoformat()}")


async def clock_list(args: argparse.Namespace, ctx: Context) -> None:
    uow = ctx.uow()
    async with uow:
        for c in await uow.test_clocks.all():
            print(f"{c.id}  {c.name}  at {c.frozen_at.isoformat()}")


async def clock_advance(args: argparse.Namespace, ctx: Context) -> None:
    uow = ctx.uow()
    async with uow:
        test_clock = await uow.test_clocks.get(args.clock)
    if test_clock is None:
        raise DomainError("no such test clock", code="test_clock.not_found")
    if args.next_renewal:
        to = await test_clocks.next_renewal(args.clock, uow=ctx.uow())
        if to is None:
            raise DomainError("nothing is due on this clock", code="test_clock.nothing_due")
    elif args.to is not None:
        to = args.to
    else:
        to = test_clock.frozen_at + timedelta(days=args.days)
    report = await test_clocks.advance_test_clock(
        args.clock, to, uow=ctx.uow, gateway=ctx.gateway, config=ctx.settings.billing
    )
    print(
        f"{report.clock.name} now at {to.isoformat()}: {report.renewals} subscription(s) "
        f"advanced, {report.collections} invoice(s) charged, {report.dunning_retries} retry(ies)"
    )
    await _print_invoices(ctx, args.clock)


async def _print_invoices(ctx: Context, clock_id: str) -> None:
    rows: list[dict[str, Any]] = await InvoiceTable.raw(
        "SELECT i.number, i.status, i.total_minor, i.currency, i.issued_at FROM invoice i "
        "JOIN customer c ON c.id = i.customer_id WHERE c.test_clock_id = {} "
        "ORDER BY i.issued_at, i.number",
        clock_id,
    )
    for r in rows:
        total = format_money(Money.of_minor(int(r["total_minor"]), r["currency"]), locale="en_US")
        print(f"  {r['number']}  {r['status']:<13} {total:>12}")


async def customer_create(args: argparse.Namespace, ctx: Context) -> None:
    customer = await create_customer(
        email=args.email,
        name=args.name,
        currency=args.currency,
        country=args.country,
        uow=ctx.uow(),
        clock=ctx.clock,
    )
    if args.clock:
        await test_clocks.attach_customer(
            args.clock, customer.id, uow=ctx.uow(), gateway=ctx.gateway
        )
    if args.card:
        _, clock = await ctx.clock_for(customer.email)
        token = await ctx.gateway.tokenize_card(
            number=args.card, exp_month=12, exp_year=clock.now().year + 3, cvc="123"
        )
        method = await add_payment_method(
            customer.id, token, uow=lambda: ctx.uow(clock), gateway=ctx.gateway, clock=clock
        )
        print(f"card {method.brand} ending {method.last4} saved")
    print(f"{customer.id}  {customer.email}")


async def subscribe(args: argparse.Namespace, ctx: Context) -> None:
    customer_id, clock = await ctx.clock_for(args.email)
    outcome = await subscribing.subscribe(
        customer_id,
        args.plan,
        quantity=args.quantity,
        uow=ctx.uow(clock),
        clock=clock,
        config=ctx.settings.billing,
    )
    sub = outcome.subscription
    if sub.test_clock_id is not None:  # charge the first invoice now, on the clock's time
        await test_clocks.advance_test_clock(
            sub.test_clock_id,
            clock.now(),
            uow=ctx.uow,
            gateway=ctx.gateway,
            config=ctx.settings.billing,
        )
    print(
        f"{sub.id}  {sub.status}  period {sub.period_start.isoformat()} - {sub.period_end.isoformat()}"
    )
    for issued in outcome.invoices:
        total = Money.of_minor(issued.invoice.total, issued.invoice.currency)
        print(f"  {issued.number}  {format_money(total, locale='en_US')}")


async def renew(args: argparse.Namespace, ctx: Context) -> None:
    report = await renew_due(uow=ctx.uow, clock=ctx.clock, config=ctx.settings.billing)
    print(f"{report.advanced} subscription(s) advanced, {len(report.failed)} failed")
    for sid, err in report.failed:
        print(f"  {sid}: {err}")


async def analytics_rebuild(args: argparse.Namespace, ctx: Context) -> None:
    started = time.perf_counter()
    report = await rebuild_mrr_ledger(uow=ctx.uow, config=ctx.settings.billing, check=args.check)
    took = time.perf_counter() - started
    verb = "checked" if args.check else "rebuilt"
    print(
        f"MRR ledger {verb}: {report.movements} movement(s) from {report.versions} version(s) "
        f"of {report.customers} customer(s) in {took:.1f} s"
    )
    if args.check:
        for customer_id in report.differing_customers:
            print(f"  differs: customer {customer_id}")
        if report.differing_customers:
            raise SystemExit(1)
        print("  the stored ledger equals the one the history gives")


async def entitlements_rebuild(args: argparse.Namespace, ctx: Context) -> None:
    differing = await rebuild_entitlements(new_uow=ctx.uow, now=ctx.clock.now(), check=args.check)
    for customer_id in differing:
        print(f"  differs: customer {customer_id}")
    if args.check:
        if differing:
            raise SystemExit(1)
        print("the stored entitlements equal a rebuild")
    else:
        print(f"rebuilt the entitlements: {len(differing)} customer(s) corrected")


def run(command: Command, args: argparse.Namespace, settings: Settings) -> None:
    import asyncio

    async def main() -> None:
        ctx = Context(settings)
        await check_connection(ctx.engine, settings.database.url)
        await command(args, ctx)

    try:
        asyncio.run(main())
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def add_parsers(sub: Any, settings_factory: Callable[[], Settings]) -> None:
    def bind(parser: argparse.ArgumentParser, command: Command) -> None:
        parser.set_defaults(func=lambda args: run(command, args, settings_factory()))

    clock = sub.add_parser("clock", help="sandbox test clocks").add_subparsers(
        dest="clock_command", required=True
    )
    create = clock.add_parser("create", help="create a test clock")
    create.add_argument("name")
    create.add_argument("--at", type=_instant, default=None, help="start time (default now)")
    bind(create, clock_create)
    bind(clock.add_parser("list", help="list test clocks"), clock_list)
    advance = clock.add_parser("advance", help="move a test clock forward and bill what falls due")
    advance.add_argument("clock")
    how = advance.add_mutually_exclusive_group(required=True)
    how.add_argument("--days", type=int)
    how.add_argument("--to", type=_instant)
    how.add_argument("--next-renewal", action="store_true")
    bind(advance, clock_advance)

    customer = sub.add_parser("customer", help="customers").add_subparsers(
        dest="customer_command", required=True
    )
    ccreate = customer.add_parser("create", help="create a customer")
    ccreate.add_argument("--email", required=True)
    ccreate.add_argument("--name", required=True)
    ccreate.add_argument("--country", required=True)
    ccreate.add_argument("--currency", default="USD")
    ccreate.add_argument("--clock", help="put the customer on this test clock")
    ccreate.add_argument("--card", help="a sandbox test card number to save as the default")
    bind(ccreate, customer_create)

    subscribe_p = sub.add_parser("subscribe", help="subscribe a customer to a plan")
    subscribe_p.add_argument("--email", required=True)
    subscribe_p.add_argument("--plan", required=True)
    subscribe_p.add_argument("--quantity", type=int, default=1)
    bind(subscribe_p, subscribe)
    bind(sub.add_parser("renew", help="run the renewal run once, now"), renew)

    analytics = sub.add_parser("analytics", help="revenue analytics").add_subparsers(
        dest="analytics_command", required=True
    )
    rebuild = analytics.add_parser(
        "rebuild", help="rebuild the MRR movement ledger from the subscriptions' stored history"
    )
    rebuild.add_argument(
        "--check", action="store_true", help="compare with the stored ledger; change nothing"
    )
    bind(rebuild, analytics_rebuild)

    entitlements = sub.add_parser(
        "entitlements", help="the entitlements read model"
    ).add_subparsers(dest="entitlements_command", required=True)
    erebuild = entitlements.add_parser(
        "rebuild", help="recompute every customer's entitlements from subscriptions and catalog"
    )
    erebuild.add_argument(
        "--check", action="store_true", help="compare with the stored rows; change nothing"
    )
    bind(erebuild, entitlements_rebuild)
