"""Test clocks from the admin (``operations.act``: billing and owner; sandbox gateway only):
create a clock, add a new customer on it with a sandbox test card and a subscription, advance it.
Each is audited (``test_clock.created``, ``test_clock.customer_added``, ``test_clock.advanced``).

Adding a customer takes the command line's path (``web/cli_billing.py``), not a second one: the
customer is created and put on the clock, the test card is tokenised and saved as the default
(``add_payment_method``), the subscription is started by ``subscribing.subscribe`` on the clock's
time, and the first invoice is charged by advancing the clock to where it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.billing.config import BillingConfig
from domain.catalog.quantities import is_per_seat, max_seats
from domain.customers.service import check_customer, create_customer_in
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method
from domain.shared.clock import Clock, FrozenClock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit, boundary
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.subscribing import subscribe
from domain.testclocks import service
from domain.testclocks.model import TestClock
from domain.testclocks.ports import TestClocksStaffUnit
from domain.testclocks.service import AdvanceReport, TestClockErrorCode

UowFactory = Callable[[], TestClocksStaffUnit]
CUSTOMER_ADDED = "test_clock.customer_added"
MAX_TRIAL_DAYS = 730

# The sandbox gateway's test cards a clock's customer may get (docs/payments.md has them all).
# Only cards that save: the expired card (0069) is refused when saved.
SANDBOX_CARDS: dict[str, str] = {
    "4242424242424242": "4242 · succeeds",
    "4000000000000341": "0341 · every charge declined",
    "4000000000009995": "9995 · insufficient funds",
    "4000002500003155": "3155 · asks for 3-D Secure",
}
QUICK_STEPS: dict[str, Interval] = {
    "day": Interval(IntervalUnit.DAY),
    "week": Interval(IntervalUnit.WEEK),
    "month": Interval(IntervalUnit.MONTH),
}


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


async def create_clock(
    actor: SignedInStaff,
    name: str,
    *,
    frozen_at: datetime,
    uow: TestClocksStaffUnit,
    clock: Clock,
    gateway: PaymentGateway,
) -> TestClock:
    """A clock frozen at ``frozen_at``; ``ValidationFailed`` on ``name``."""
    require(actor, Permission.OPERATIONS_ACT)
    return await service.create_test_clock(
        name, frozen_at=frozen_at, uow=uow, clock=clock, gateway=gateway, actor=_actor(actor)
    )


def quick_target(frozen_at: datetime, step: str) -> datetime:
    """Where "+1 day", "+1 week" or "+1 month" takes a clock (a month keeps the day and time,
    clamped to a short month's end); ``ValidationFailed`` for any other step."""
    interval = QUICK_STEPS.get(step)
    if interval is None:
        raise ValidationFailed(
            {"to": "Choose +1 day, +1 week or +1 month."}, code="test_clock.step"
        )
    return boundary(frozen_at, interval, 1)


async def advance_clock(
    actor: SignedInStaff,
    clock_id: str,
    to: datetime | None = None,
    *,
    step: str | None = None,
    uow: UowFactory,
    gateway: PaymentGateway,
    config: BillingConfig,
    clock: Clock,
) -> AdvanceReport:
    """Advance the clock to ``to``, or by a quick ``step`` from where it stands (see
    ``service.advance_test_clock``): ``ValidationFailed`` on ``to`` backwards, beyond two years
    or an unknown step; audited with what the advance did."""
    require(actor, Permission.OPERATIONS_ACT)
    if step is not None:
        async with uow() as reader:
            current = await reader.test_clocks.get(clock_id)
        if current is None:
            raise NotFound(
                "There is no test clock with this id.", code=TestClockErrorCode.NOT_FOUND
            )
        to = quick_target(current.frozen_at, step)
    if to is None:
        raise ValidationFailed({"to": "Choose the date and time to advance to."})
    return await service.advance_test_clock(
        clock_id, to, uow=uow, gateway=gateway, config=config, actor=_actor(actor), real_clock=clock
    )


@dataclass(frozen=True, slots=True)
class NewClockCustomer:
    name: str
    email: str
    country: str
    currency: str
    plan_code: str
    quantity: int
    trial_days: int | None  # None: the plan's own trial
    card: str  # one of SANDBOX_CARDS


@dataclass(frozen=True, slots=True)
class ClockCustomerAdded:
    customer_id: str
    outcome: Outcome


async def _check(uow: TestClocksStaffUnit, clock_id: str, new: NewClockCustomer) -> TestClock:
    errors = check_customer(
        email=new.email, name=new.name, currency=new.currency, country=new.country,
        tax_id=None, timezone="UTC",
    )  # fmt: skip
    if new.card not in SANDBOX_CARDS:
        errors["card"] = "Choose one of the sandbox test cards."
    if new.trial_days is not None and not 0 <= new.trial_days <= MAX_TRIAL_DAYS:
        errors["trial_days"] = f"A trial of 0 to {MAX_TRIAL_DAYS} days, or empty for the plan's."
    async with uow:
        test_clock = await uow.test_clocks.get(clock_id)
        if test_clock is None:
            raise NotFound(
                "There is no test clock with this id.", code=TestClockErrorCode.NOT_FOUND
            )
        plan = await uow.plans.get_by_code(new.plan_code)
        if plan is None or not plan.is_public or plan.is_addon or not plan.is_current:
            errors["plan"] = "Choose a plan from the catalog."
        elif "currency" not in errors:
            price = plan.price_in(Currency.of(new.currency.upper()))
            if price is None:
                sold = ", ".join(c.code for c in plan.currencies)
                errors["currency"] = f"{plan.name} is sold in {sold}."
            elif not is_per_seat(price) and new.quantity != 1:
                errors["quantity"] = (
                    f"{plan.name} is not sold by the seat: leave the quantity at 1."
                )
            elif not 1 <= new.quantity <= max_seats(plan):
                errors["quantity"] = f"Choose 1 to {max_seats(plan):,} seats."
        if "email" not in errors and await uow.customers.get_by_email(new.email.strip().lower()):
            errors["email"] = "A customer already has this e-mail address."
    if errors:
        raise ValidationFailed(errors, code="test_clock.bad_customer")
    return test_clock


async def add_clock_customer(
    actor: SignedInStaff,
    clock_id: str,
    new: NewClockCustomer,
    *,
    uow: UowFactory,
    gateway: PaymentGateway,
    config: BillingConfig,
    clock: Clock,
) -> ClockCustomerAdded:
    """A new customer on the clock, with the test card as their default card, subscribed to
    the plan on the clock's time; the first invoice (if anything is due) is charged at once on
    the clock's time, as a real subscription's first invoice is.

    Every input is checked before anything is written (``ValidationFailed`` by field). The
    customer's creation on the clock is audited (``test_clock.customer_added``, with the plan,
    quantity, trial and card asked for) in its transaction; the card and the subscription
    follow in their own, as the command line does, so should one fail the customer stays on
    the clock without a subscription (the clock's page shows it)."""
    require(actor, Permission.OPERATIONS_ACT)
    service.require_sandbox(gateway)
    test_clock = await _check(uow(), clock_id, new)
    on_clock = FrozenClock(test_clock.frozen_at)
    token = await gateway.tokenize_card(
        number=new.card, exp_month=12, exp_year=min(test_clock.frozen_at.year + 8, 2100), cvc="123"
    )
    async with uow() as tx:
        try:
            customer = await create_customer_in(
                tx, email=new.email, name=new.name, currency=new.currency.upper(),
                country=new.country.upper(), now=test_clock.frozen_at,
            )  # fmt: skip
        except Conflict as exc:
            raise ValidationFailed(
                {"email": "A customer already has this e-mail address."}, code=exc.code
            ) from exc
        customer = replace(customer, test_clock_id=clock_id)
        await tx.customers.save(customer)
        await record(
            tx,
            new_entry(
                at=clock.now(),
                actor=_actor(actor),
                action=CUSTOMER_ADDED,
                object_type="test_clock",
                object_id=clock_id,
                customer_id=customer.id,
                after={
                    "name": customer.name,
                    "email": customer.email,
                    "country": customer.country,
                    "currency": customer.currency,
                    "plan": new.plan_code,
                    "quantity": new.quantity,
                    "trial_days": new.trial_days,
                    "card": SANDBOX_CARDS[new.card],
                },
            ),
        )
        await tx.commit()
    await add_payment_method(customer.id, token, uow=uow, gateway=gateway, clock=on_clock)
    outcome = await subscribe(
        customer.id,
        new.plan_code,
        quantity=new.quantity,
        trial_days=new.trial_days,
        uow=uow(),
        clock=on_clock,
        config=config,
    )
    # charge the first invoice now, on the clock's time (the clock stays where it is)
    await service.advance_test_clock(
        clock_id, test_clock.frozen_at, uow=uow, gateway=gateway, config=config
    )
    return ClockCustomerAdded(customer.id, outcome)
