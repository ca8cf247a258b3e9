"""A year of a demo business for `make run` (``serve --demo-history``, ``seed-demo --history``):
about forty customers in the United States and the euro area subscribe over the twelve months
before today, change seats and plans, cancel with a reason, come back, and pay with sandbox test
cards, week by week, through the same use cases the app and the job runner run, each on a frozen
clock at its own instant. The revenue analytics, the invoices and the admin then show a business
with a past instead of an empty page.

Loaded only on the sandbox gateway, into a database with no customers yet, and never by the test
suite's servers; deterministic (a seeded ``random.Random``), so every newcomer sees the same year.
Invoices of the past are charged at their own instants; their PDFs and receipts are queued as
always and the job runner works through them in the background.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.analytics.exchange_rates import ExchangeRate
from domain.billing.config import BillingConfig
from domain.billing.model import InvoiceStatus
from domain.customers.service import create_customer
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method, collect_invoice
from domain.shared.clock import Clock, FrozenClock
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId, SubscriptionId, new_id
from domain.subscriptions.cancellation import cancel_with_feedback
from domain.subscriptions.engine import ProrationBehavior, Timing
from domain.subscriptions.model import CancellationReason
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.subscribing import subscribe
from domain.unit_of_work import UnitOfWork

FIRST_EMAIL = "demo-001@example.test"
NAMES = (
    "Northwind Labs", "Acme Analytics", "Bluebird Studio", "Cobalt Systems", "Driftwood Co",
    "Ember Health", "Fjord Logistics", "Granite Legal", "Harbor Foods", "Iris Robotics",
    "Juniper Media", "Kestrel Travel", "Lumen Energy", "Maple Finance", "Nimbus Cloud",
    "Orchid Retail", "Pioneer Farms", "Quartz Security", "Redwood Learning", "Summit Sports",
    "Tidal Games", "Umber Design", "Vertex Motors", "Willow Care", "Xenon Audio",
    "Yarrow Books", "Zephyr Air", "Atlas Freight", "Beacon Insurance", "Cedar Homes",
    "Delta Dental", "Echo Podcasts", "Falcon Drones", "Garnet Jewelry", "Helix Bio",
    "Indigo Fashion", "Jasper Tools", "Kite Surf", "Lotus Yoga", "Mosaic Events",
)  # fmt: skip
PLACES = (("US", "USD", "NY"), ("US", "USD", "CA"), ("DE", "EUR", None), ("FR", "EUR", None),
          ("NL", "EUR", None), ("US", "USD", "TX"))  # fmt: skip
PLANS = ("starter-monthly", "team-monthly", "team-monthly", "scale-monthly", "starter-annual",
         "team-annual")  # fmt: skip
REASONS = tuple(CancellationReason)


@dataclass
class _Subscriber:
    customer_id: CustomerId
    subscription_id: SubscriptionId | None = None
    plan: str = ""
    seats: int = 1
    left_at: datetime | None = None


async def load_demo_history(
    *,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    gateway: PaymentGateway,
    config: BillingConfig,
    reporting_currency: str,
) -> int:
    """Load the year (see the module); the number of customers made, 0 when skipped."""
    if gateway.name != "sandbox":
        return 0
    async with uow() as reader:
        if await reader.customers.get_by_email(FIRST_EMAIL) is not None:
            return 0
    today = clock.now().replace(hour=9, minute=0, second=0, microsecond=0)
    start = today - timedelta(weeks=52)
    rnd = random.Random(2026)
    await _rates(uow, start, reporting_currency)
    people: list[_Subscriber] = []
    week = 0
    at = start
    while at <= today:
        step = FrozenClock(at)
        # new customers: a slow start, then up to two a week
        for _ in range(rnd.choice((0, 1) if week < 16 else (0, 1, 1, 2))):
            if len(people) < len(NAMES):
                people.append(await _join(len(people), uow, step, gateway, config, rnd))
        for person in people:
            await _live(person, uow, step, config, rnd)
        await renew_due(uow=uow, clock=step, config=config)
        await _collect(people, uow, step, gateway, config)
        at += timedelta(days=7)
        week += 1
    return len(people)


async def _rates(uow: Callable[[], UnitOfWork], start: datetime, reporting: str) -> None:
    """The euro's rate into the reporting currency, a few times over the year (entered by the
    demo, as staff would at /admin/exchange-rates)."""
    if reporting != "USD":
        return
    async with uow() as writer:
        for months, rate in ((0, "1.0712"), (4, "1.0855"), (8, "1.0931")):
            day = (start + timedelta(days=30 * months)).date()
            await writer.exchange_rates.add(
                ExchangeRate(new_id(), "EUR", reporting, Decimal(rate), day, "demo data",
                             datetime.combine(day, datetime.min.time(), tzinfo=UTC))
            )  # fmt: skip
        await writer.commit()


async def _join(
    n: int,
    uow: Callable[[], UnitOfWork],
    clock: FrozenClock,
    gateway: PaymentGateway,
    config: BillingConfig,
    rnd: random.Random,
) -> _Subscriber:
    country, currency, region = rnd.choice(PLACES)
    customer = await create_customer(
        email=f"demo-{n + 1:03d}@example.test", name=NAMES[n], currency=currency,
        country=country, region=region, address_lines=(f"{10 + n} Market Street",),
        uow=uow(), clock=clock,
    )  # fmt: skip
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=clock.now().year + 4, cvc="123"
    )
    await add_payment_method(customer.id, token, uow=uow, gateway=gateway, clock=clock)
    person = _Subscriber(customer.id)
    await _subscribe(person, uow, clock, config, rnd)
    return person


async def _subscribe(
    person: _Subscriber,
    uow: Callable[[], UnitOfWork],
    clock: FrozenClock,
    config: BillingConfig,
    rnd: random.Random,
) -> None:
    plan = rnd.choice(PLANS)
    seats = rnd.randint(2, 12) if plan.startswith("team") else 1
    outcome = await subscribe(
        person.customer_id, plan, quantity=seats,
        coupon_code="WELCOME20" if rnd.random() < 0.25 and person.left_at is None else None,
        trial_days=14 if rnd.random() < 0.2 else None,
        uow=uow(), clock=clock, config=config,
    )  # fmt: skip
    person.subscription_id, person.plan, person.seats = outcome.subscription.id, plan, seats
    person.left_at = None


async def _live(
    person: _Subscriber,
    uow: Callable[[], UnitOfWork],
    clock: FrozenClock,
    config: BillingConfig,
    rnd: random.Random,
) -> None:
    """One week of a customer: now and then more or fewer seats, an upgrade, a cancellation,
    and a return some weeks after leaving."""
    if person.subscription_id is None:
        away = clock.now() - person.left_at if person.left_at else timedelta(0)
        if away > timedelta(weeks=8) and rnd.random() < 0.08:
            await _subscribe(person, uow, clock, config, rnd)
        return
    roll = rnd.random()
    sub = person.subscription_id
    try:
        if roll < 0.025:
            await cancel_with_feedback(
                sub, reason=rnd.choice(REASONS).value, timing=Timing.PERIOD_END,
                uow=uow(), clock=clock, config=config, as_customer=None,
            )  # fmt: skip
            person.subscription_id, person.left_at = None, clock.now()
        elif roll < 0.07 and person.plan.startswith("team"):
            seats = max(1, person.seats + rnd.choice((1, 1, 2, 3, -1, -2)))
            await change_subscription(
                sub, quantity=seats, timing=Timing.IMMEDIATE,
                proration=ProrationBehavior.INVOICE_NOW,
                uow=uow(), clock=clock, config=config,
            )  # fmt: skip
            person.seats = seats
        elif roll < 0.08 and person.plan == "starter-monthly":
            await change_subscription(
                sub, plan_code="team-monthly", quantity=3, timing=Timing.IMMEDIATE,
                proration=ProrationBehavior.INVOICE_NOW,
                uow=uow(), clock=clock, config=config,
            )  # fmt: skip
            person.plan, person.seats = "team-monthly", 3
    except DomainError:
        pass  # refused (a change during a trial's last minute, say): the demo goes on


async def _collect(
    people: list[_Subscriber],
    uow: Callable[[], UnitOfWork],
    clock: FrozenClock,
    gateway: PaymentGateway,
    config: BillingConfig,
) -> None:
    """Charge what the week issued, at the week's instant (as the collection jobs would)."""
    for person in people:
        async with uow() as reader:
            recent = await reader.invoices.history(person.customer_id, limit=5, offset=0)
        for invoice in recent:
            if invoice.status is InvoiceStatus.OPEN and invoice.amount_due > 0:
                await collect_invoice(
                    invoice.id, uow=uow, gateway=gateway, clock=clock, config=config
                )
