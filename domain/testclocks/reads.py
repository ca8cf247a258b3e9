"""What the admin shows of test clocks: the list (name, frozen time, customers) and one clock's
page (its customers with their subscriptions and card, the invoices issued on its time, the last
advance as the audit log recorded it, and the plans a new customer may be subscribed to).
Readers need ``operations.read`` (every role)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.audit.model import AuditFilter
from domain.catalog.model import PlanKind
from domain.catalog.quantities import is_per_seat, max_seats
from domain.shared.errors import NotFound
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.testclocks.model import ClockInvoice, TestClock
from domain.testclocks.ports import TestClocksStaffUnit
from domain.testclocks.service import ADVANCED, TestClockErrorCode

MAX_CUSTOMERS_SHOWN = 100
MAX_INVOICES_SHOWN = 100


@dataclass(frozen=True, slots=True)
class ClockRow:
    clock: TestClock
    customers: int


@dataclass(frozen=True, slots=True)
class ClockSubscription:
    id: str
    plan_name: str
    quantity: int
    status: str
    period_start: datetime
    period_end: datetime
    cancel_at_period_end: bool


@dataclass(frozen=True, slots=True)
class ClockCustomer:
    id: str
    name: str
    email: str
    currency: str
    card: str | None  # "visa •••• 4242", the default card
    subscriptions: tuple[ClockSubscription, ...]


@dataclass(frozen=True, slots=True)
class LastAdvance:
    """The clock's newest ``test_clock.advanced`` audit entry, read back."""

    by: str
    at: datetime
    moved_from: datetime | None
    moved_to: datetime | None
    renewals: int
    collections: int
    dunning_retries: int


@dataclass(frozen=True, slots=True)
class PlanOption:
    """A plan a clock's new customer may be subscribed to (the current public base plans)."""

    code: str
    name: str
    currencies: tuple[str, ...]
    per_seat: bool
    max_quantity: int
    trial_days: int


@dataclass(frozen=True, slots=True)
class ClockPage:
    clock: TestClock
    customers: list[ClockCustomer]
    customer_count: int
    invoices: list[ClockInvoice]
    last_advance: LastAdvance | None
    plans: list[PlanOption]


async def list_test_clocks(actor: SignedInStaff, *, uow: TestClocksStaffUnit) -> list[ClockRow]:
    """Every clock, the newest first, with how many customers it has."""
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        clocks = await uow.test_clocks.all()
        counts = await uow.test_clocks.customer_counts()
    rows = [ClockRow(c, counts.get(c.id, 0)) for c in clocks]
    return sorted(rows, key=lambda r: r.clock.created_at, reverse=True)


async def plan_options(uow: TestClocksStaffUnit) -> list[PlanOption]:
    """The current public base plans, as the storefront sells them (call inside a transaction)."""
    plans = await uow.plans.list_public(kind=PlanKind.BASE)
    return [
        PlanOption(
            code=p.code,
            name=p.name,
            currencies=tuple(c.code for c in p.currencies),
            per_seat=any(is_per_seat(price) for price in p.prices),
            max_quantity=max_seats(p),
            trial_days=p.trial_days,
        )
        for p in plans
    ]


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _count(value: object) -> int:
    return value if isinstance(value, int) else 0


async def test_clock_page(
    actor: SignedInStaff, clock_id: str, *, uow: TestClocksStaffUnit
) -> ClockPage:
    """One clock: ``NotFound`` for an unknown id."""
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        clock = await uow.test_clocks.get(clock_id)
        if clock is None:
            raise NotFound(
                "There is no test clock with this id.", code=TestClockErrorCode.NOT_FOUND
            )
        counts = await uow.test_clocks.customer_counts()
        customers = []
        for customer_id in await uow.test_clocks.customer_ids(clock_id, limit=MAX_CUSTOMERS_SHOWN):
            customer = await uow.customers.get(customer_id)
            if customer is None:
                continue
            cards = [m for m in await uow.payment_methods.for_customer(customer_id) if m.is_default]
            subs = []
            for sub in await uow.subscriptions.for_customer(customer_id):
                plan = await uow.plans.get(sub.plan_id)
                subs.append(
                    ClockSubscription(
                        id=sub.id,
                        plan_name=plan.name if plan else sub.plan_id,
                        quantity=sub.quantity,
                        status=sub.status.value,
                        period_start=sub.period_start,
                        period_end=sub.period_end,
                        cancel_at_period_end=sub.cancel_at_period_end,
                    )
                )
            customers.append(
                ClockCustomer(
                    id=customer.id,
                    name=customer.name,
                    email=customer.email,
                    currency=customer.currency,
                    card=f"{cards[0].brand} •••• {cards[0].last4}" if cards else None,
                    subscriptions=tuple(subs),
                )
            )
        invoices = await uow.test_clocks.invoices(clock_id, limit=MAX_INVOICES_SHOWN)
        entries = await uow.audit.find(
            AuditFilter(action=ADVANCED, object_type="test_clock", object_id=clock_id), limit=1
        )
        plans = await plan_options(uow)
    last = None
    if entries:
        e = entries[0]
        last = LastAdvance(
            by=e.actor.email,
            at=e.at,
            moved_from=_instant(e.before.get("frozen_at")),
            moved_to=_instant(e.after.get("frozen_at")),
            renewals=_count(e.after.get("renewals")),
            collections=_count(e.after.get("collections")),
            dunning_retries=_count(e.after.get("dunning_retries")),
        )
    return ClockPage(
        clock=clock,
        customers=customers,
        customer_count=counts.get(clock_id, 0),
        invoices=invoices,
        last_advance=last,
        plans=plans,
    )
