"""Subscription use cases: every command loads the subscription under a row lock, runs the
billing engine up to now (renewals due are billed first, as the simulator does), applies the
command, then numbers and stores what the engine issued and saves the new state, all in one
transaction. A repeated or concurrent run cannot bill twice: the row lock serialises commands,
the saved period moves on with the invoices, and renewal invoices are unique per period.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.billing.credit_notes import issue_credit_note_in
from domain.billing.engine import (
    BillingSettings,
    ProrationBehavior,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from domain.billing.invoices import load_for_update
from domain.billing.issued import (
    BillingReason,
    CreditNoteReason,
    CustomerSnapshot,
    IssuedCreditNote,
    IssuedInvoice,
)
from domain.billing.model import Invoice, InvoiceStatus
from domain.billing.quotes import ChangeQuote, QuoteErrorCode, quote_change, version_of
from domain.billing.service import issue_invoice_in
from domain.catalog.change_policy import default_change_policy
from domain.catalog.model import Plan
from domain.catalog.pricing_page import max_seats
from domain.catalog.rules import check_addon_attachable
from domain.documents.model import RENDER_PDF_JOB
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.pricing.coupons import check_redeemable
from domain.pricing.tax_policy import TaxDecision, TaxTreatment, check_vat_id, decide_tax
from domain.shared.clock import Clock
from domain.shared.countries import is_country
from domain.shared.errors import Conflict, DomainError, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, PlanId, SubscriptionId, new_id
from domain.shared.money import Currency
from domain.subscriptions.config import BillingConfig
from domain.subscriptions.demo import demo_coupons
from domain.subscriptions.model import (
    Customer,
    Due,
    StoredCoupon,
    Subscription,
    UsageRecord,
    counts_as_earlier_subscription,
)
from domain.subscriptions.state import billing_settings, engine_from, plan_ids_of, snapshot
from domain.unit_of_work import UnitOfWork

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUOTE_VALIDITY = timedelta(hours=1)


class SubscriptionErrorCode(StrEnum):
    NOT_FOUND = "subscription.not_found"
    CUSTOMER_NOT_FOUND = "customer.not_found"
    PLAN_NOT_FOUND = "catalog.plan_not_found"
    COUPON_NOT_FOUND = "coupon.not_found"
    BAD_CUSTOMER = "customer.invalid"
    CURRENCY = "subscription.currency_mismatch"
    QUOTE_EXPIRED = "billing.quote_expired"
    BAD_USAGE = "usage.invalid"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command left behind: the saved subscription and what it issued."""

    subscription: Subscription
    invoices: tuple[IssuedInvoice, ...]
    credit_notes: tuple[IssuedCreditNote, ...]


# -- demo data ------------------------------------------------------------------------------------
async def load_demo_coupons(*, uow: UnitOfWork) -> int:
    """Add the demo promotion codes (``domain/subscriptions/demo.py``) that are not stored yet;
    returns how many were added. Running it again adds nothing, and a code that exists is left as
    it is (its redemptions count stays). Development only, like the demo catalog."""
    added = 0
    async with uow:
        for coupon in demo_coupons():
            if await uow.coupons.get(coupon.code) is None:
                await uow.coupons.add(coupon)
                added += 1
        await uow.commit()
    return added


# -- customers ------------------------------------------------------------------------------------
async def create_customer(
    *,
    email: str,
    name: str,
    currency: str,
    country: str,
    region: str | None = None,
    address_lines: tuple[str, ...] = (),
    tax_id: str | None = None,
    tax_exempt: bool = False,
    timezone: str = "UTC",
    uow: UnitOfWork,
    clock: Clock,
) -> Customer:
    async with uow:
        customer = await create_customer_in(
            uow,
            email=email,
            name=name,
            currency=currency,
            country=country,
            region=region,
            address_lines=address_lines,
            tax_id=tax_id,
            tax_exempt=tax_exempt,
            timezone=timezone,
            now=clock.now(),
        )
        await uow.commit()
    return customer


MAX_REGION = 100  # a state, province or region as typed
MAX_TAX_ID = 40  # the longest VAT or tax number format is 20 characters


def check_customer(
    *, email: str, name: str, currency: str, country: str, tax_id: str | None, timezone: str
) -> dict[str, str]:
    """Field errors of a new customer's details (empty when they are fine)."""
    errors: dict[str, str] = {}
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Enter an e-mail address like name@example.com."
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter a name of at most 200 characters."
    if not is_country(country):
        errors["country"] = "Choose a country (a two-letter ISO 3166 code)."
    try:
        Currency.of(currency.upper())
    except (KeyError, ValueError):
        errors["currency"] = f"{currency} is not a currency we bill in."
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"{timezone} is not a time zone."
    if tax_id and len(tax_id) > MAX_TAX_ID:
        errors["tax_id"] = f"Use at most {MAX_TAX_ID} characters for the tax ID."
    elif tax_id and "country" not in errors and country.upper() != "US":
        try:
            check_vat_id(tax_id, country)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    return errors


async def create_customer_in(
    uow: UnitOfWork,
    *,
    email: str,
    name: str,
    currency: str,
    country: str,
    region: str | None = None,
    address_lines: tuple[str, ...] = (),
    tax_id: str | None = None,
    tax_exempt: bool = False,
    timezone: str = "UTC",
    now: datetime,
) -> Customer:
    """``create_customer`` inside a transaction the caller holds (checkout creates the customer,
    the account and the subscription in one). ``Conflict`` when the e-mail has a customer."""
    errors = check_customer(
        email=email, name=name, currency=currency, country=country, tax_id=tax_id,
        timezone=timezone,
    )  # fmt: skip
    if errors:
        raise ValidationFailed(errors, code=SubscriptionErrorCode.BAD_CUSTOMER)
    email = email.strip().lower()
    if tax_id and country.upper() != "US":
        tax_id = check_vat_id(tax_id, country)
    customer = Customer(
        id=CustomerId(new_id()),
        email=email,
        name=name.strip(),
        currency=currency.upper(),
        country=country.upper(),
        region=region,
        address_lines=address_lines,
        tax_id=tax_id or None,
        tax_exempt=tax_exempt,
        timezone=timezone,
        created_at=now,
    )
    if await uow.customers.get_by_email(email) is not None:
        raise Conflict(
            "A customer with this e-mail exists.", code=SubscriptionErrorCode.BAD_CUSTOMER
        )
    await uow.customers.add(customer)
    return customer


def _check_customer(
    *, email: str, name: str, country: str, currency: str, timezone: str, tax_id: str | None
) -> str | None:
    """``check_customer`` raising ``ValidationFailed`` with every field's problem; gives the tax
    ID normalised."""
    errors = check_customer(
        email=email, name=name, currency=currency, country=country, tax_id=tax_id,
        timezone=timezone,
    )  # fmt: skip
    if errors:
        raise ValidationFailed(errors, code=SubscriptionErrorCode.BAD_CUSTOMER)
    if tax_id and country.upper() != "US":
        return check_vat_id(tax_id, country)
    return tax_id


async def get_customer(customer_id: CustomerId, *, uow: UnitOfWork) -> Customer:
    """The customer's billing details as they stand (what the next invoice will print)."""
    async with uow:
        customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("No such customer.", code="customer.not_found")
    return customer


async def update_billing_details(
    customer_id: CustomerId,
    *,
    name: str,
    country: str,
    address_lines: tuple[str, ...] = (),
    region: str | None = None,
    tax_id: str | None = None,
    uow: UnitOfWork,
) -> Customer:
    """Change the name, address, country and tax ID that future invoices print and tax by (the
    rules of ``create_customer``). Issued invoices keep the snapshot they were issued with; the
    e-mail changes only through the account's confirmed e-mail change."""
    lines = tuple(line.strip() for line in address_lines if line.strip())
    errors: dict[str, str] = {}
    if len(lines) > 4 or any(len(line) > 200 for line in lines):
        errors["address"] = "Enter at most four address lines of 200 characters."
    if len((region or "").strip()) > MAX_REGION:
        errors["region"] = f"Use at most {MAX_REGION} characters for the state or region."
    async with uow:
        customer = await uow.customers.get(customer_id, lock=True)
        if customer is None:
            raise NotFound("No such customer.", code="customer.not_found")
        try:
            tax_id = _check_customer(
                email=customer.email, name=name, country=country, currency=customer.currency,
                timezone=customer.timezone, tax_id=(tax_id or "").strip() or None,
            )  # fmt: skip
        except ValidationFailed as exc:
            errors = exc.field_errors | errors
        if errors:
            raise ValidationFailed(errors, code=SubscriptionErrorCode.BAD_CUSTOMER)
        customer = replace(
            customer,
            name=name.strip(),
            country=country.upper(),
            region=(region or "").strip() or None,
            address_lines=lines,
            tax_id=tax_id or None,
        )
        await uow.customers.save(customer)
        await uow.commit()
    return customer


# -- subscribe ------------------------------------------------------------------------------------
async def subscribe(
    customer_id: CustomerId,
    plan_code: str,
    *,
    quantity: int = 1,
    coupon_code: str | None = None,
    trial_days: int | None = None,
    addons: tuple[tuple[str, int], ...] = (),
    await_payment: bool = False,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
) -> Outcome:
    """Start a subscription on the current version of ``plan_code``.

    The first invoice is issued now (the trial's 0.00 invoice for a trial). With
    ``await_payment`` a first invoice with an amount due leaves the subscription ``incomplete``
    until it is paid (it expires after 23 hours), as Stripe's ``default_incomplete``."""
    async with uow:
        outcome = await subscribe_in(
            uow,
            customer_id,
            plan_code,
            quantity=quantity,
            coupon_code=coupon_code,
            trial_days=trial_days,
            addons=addons,
            await_payment=await_payment,
            now=clock.now(),
            config=config,
        )
        await uow.commit()
    return outcome


async def subscribe_in(
    uow: UnitOfWork,
    customer_id: CustomerId,
    plan_code: str,
    *,
    quantity: int = 1,
    coupon_code: str | None = None,
    trial_days: int | None = None,
    addons: tuple[tuple[str, int], ...] = (),
    await_payment: bool = False,
    collect_later: bool = True,
    now: datetime,
    config: BillingConfig,
) -> Outcome:
    """``subscribe`` inside a transaction the caller holds. ``collect_later=False``: the first
    invoice is not queued for collection, because the caller charges it at once (checkout, with
    the card the buyer just entered; a queued collection could run before the card is saved)."""
    customer = await _customer(uow, customer_id)
    plan = await _current_plan(uow, plan_code)
    addon_plans = tuple([(await _current_plan(uow, code), n) for code, n in addons])
    for addon, _ in addon_plans:
        check_addon_attachable(plan, addon)
    coupon = await _redeem(uow, coupon_code, customer, plan, now) if coupon_code else None
    sub_id = SubscriptionId(new_id())
    settings = billing_settings_for(
        customer, config, tax=await _tax_decision(uow, customer, config)
    )
    engine = SubscriptionEngine(settings=settings, plans={plan.code: plan})
    engine.balance = customer.balance_minor
    engine.subscribe(
        now,
        plan,
        quantity=quantity,
        coupon=coupon.terms_in(customer.currency) if coupon else None,
        trial_days=trial_days,
        addons=addon_plans,
    )
    if await_payment and engine.invoices[0].amount_due > 0:
        engine.mark_incomplete(now)
    assert engine.period is not None and engine.anchor is not None
    sub = Subscription(
        id=sub_id,
        customer_id=customer.id,
        currency=customer.currency,
        timezone=customer.timezone,
        proration=config.proration,
        plan_id=plan.id,
        quantity=quantity,
        status=SubscriptionStatus.ACTIVE,
        anchor=engine.anchor,
        period_start=engine.period.start,
        period_end=engine.period.end,
        created_at=now,
        test_clock_id=customer.test_clock_id,
    )
    await uow.subscriptions.add(sub)
    return await _store(
        uow,
        sub,
        engine,
        customer,
        config,
        now,
        reasons=(BillingReason.SUBSCRIPTION_CREATE,),
        collect_later=collect_later,
    )


# -- commands on a subscription -------------------------------------------------------------------
# a command gets the engine, the instant and the current plan versions it asked for by code
Command = Callable[[SubscriptionEngine, datetime, dict[str, Plan]], None]


async def _run(
    subscription_id: SubscriptionId,
    command: Command | None,
    *,
    reason: BillingReason,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
    plan_codes: tuple[str, ...] = (),
) -> Outcome:
    now = clock.now()
    async with uow:
        outcome = await _run_in(
            uow,
            subscription_id,
            command,
            reason=reason,
            now=now,
            config=config,
            as_customer=as_customer,
            plan_codes=plan_codes,
        )
        await uow.commit()
    return outcome


async def _run_in(
    uow: UnitOfWork,
    subscription_id: SubscriptionId,
    command: Command | None,
    *,
    reason: BillingReason,
    now: datetime,
    config: BillingConfig,
    as_customer: CustomerId | None,
    plan_codes: tuple[str, ...] = (),
) -> Outcome:
    """A command inside the caller's transaction; ``plan_codes`` name the current plan versions
    the command needs (handed to it by code)."""
    sub = await _subscription(uow, subscription_id, as_customer, lock=True)
    customer = await _customer(uow, sub.customer_id, lock=True)
    by_code = {code: await _current_plan(uow, code) for code in plan_codes}
    engine = await _load_engine(uow, sub, customer, config, extra_plans=tuple(by_code.values()))
    engine.advance_to(now)
    renewals = len(engine.invoices)
    if command is not None:
        command(engine, now, by_code)
    reasons = tuple(
        _cycle_reason(invoice) if i < renewals else reason
        for i, invoice in enumerate(engine.invoices)
    )
    return await _store(uow, sub, engine, customer, config, now, reasons=reasons)


async def advance_subscription(
    subscription_id: SubscriptionId, *, uow: UnitOfWork, clock: Clock, config: BillingConfig
) -> Outcome:
    """Bill everything due up to now (renewals, trial ends, scheduled changes, pause ends,
    cancellations at period end, expiry of an unpaid incomplete subscription)."""
    return await _run(
        subscription_id,
        None,
        reason=BillingReason.SUBSCRIPTION_CYCLE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=None,
    )


@dataclass(frozen=True, slots=True)
class RenewalReport:
    advanced: int
    failed: tuple[tuple[str, str], ...]  # (subscription id, error)


async def renew_due(
    *,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    config: BillingConfig,
    limit: int = 500,
    test_clock_id: str | None = None,
) -> RenewalReport:
    """The renewal run: advance every subscription due as of now, one transaction each, so a
    failure stops only that subscription and a crash resumes where it stopped (what was
    committed moved on; the rest is still due). Runs batches of ``limit`` until nothing is due;
    running it again at the same instant does nothing."""
    now = clock.now()
    advanced = 0
    failed: dict[str, str] = {}
    while True:
        async with uow() as reader:
            due = await reader.subscriptions.due(
                now, limit=limit + len(failed), test_clock_id=test_clock_id
            )
        batch = [d.id for d in due if d.id not in failed][:limit]
        if not batch:
            return RenewalReport(advanced, tuple(failed.items()))
        for subscription_id in batch:
            try:
                await advance_subscription(subscription_id, uow=uow(), clock=clock, config=config)
                advanced += 1
            except (DomainError, LookupError, ValueError) as exc:
                failed[subscription_id] = f"{type(exc).__name__}: {exc}"


ADVANCE_JOB = "subscriptions.advance"


async def enqueue_due_renewals(
    *, uow: Callable[[], UnitOfWork], clock: Clock, batch: int = 1_000
) -> int:
    """The scheduled renewal run: one ``subscriptions.advance`` job per subscription due as of
    now, so every runner process shares the work. The job's unique key names the subscription
    and the instant it fell due, so a repeated tick enqueues nothing new, and a subscription
    whose advance keeps failing shows up as a dead job instead of blocking the others."""
    now = clock.now()
    enqueued = 0
    cursor: Due | None = None
    while True:
        async with uow() as writer:
            due = await writer.subscriptions.due(now, limit=batch, after=cursor)
            for d in due:
                writer.jobs.enqueue(
                    ADVANCE_JOB,
                    unique_key=f"advance:{d.id}:{d.at.isoformat()}",
                    subscription_id=d.id,
                )
            await writer.commit()
        enqueued += len(due)
        if len(due) < batch:
            return enqueued
        cursor = due[-1]


async def change_subscription(
    subscription_id: SubscriptionId,
    *,
    plan_code: str | None = None,
    quantity: int | None = None,
    timing: Timing | None = None,
    proration: ProrationBehavior | None = None,
    effective_from: datetime | None = None,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Change the plan and/or quantity. Without ``timing``/``proration`` the plan pair's policy
    applies: a stored rule for the two plan codes, else upgrades (and longer intervals) now with
    an invoice for the difference, downgrades (and shorter intervals) at the period's end."""
    now = clock.now()
    async with uow:
        sub = await _subscription(uow, subscription_id, as_customer)
        timing, proration = await _resolve_policy(uow, sub, plan_code, quantity, timing, proration)
        outcome = await _run_in(
            uow,
            subscription_id,
            lambda e, at, plans: e.change(
                at,
                plan=plans[plan_code] if plan_code else None,
                quantity=quantity,
                timing=timing,
                proration=proration,
                effective_from=effective_from,
            ),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            now=now,
            config=config,
            as_customer=as_customer,
            plan_codes=(plan_code,) if plan_code else (),
        )
        await uow.commit()
    return outcome


async def _resolve_policy(
    uow: UnitOfWork,
    sub: Subscription,
    plan_code: str | None,
    quantity: int | None,
    timing: Timing | None,
    proration: ProrationBehavior | None,
) -> tuple[Timing, ProrationBehavior]:
    old = await uow.plans.get(sub.plan_id)
    assert old is not None
    new = await _current_plan(uow, plan_code) if plan_code else old
    check_seats(quantity, new)
    if timing is not None and proration is not None:
        return timing, proration
    rule = await uow.plan_change_rules.get(old.code, new.code)
    policy = (
        rule.policy
        if rule is not None
        else default_change_policy(
            old, sub.quantity, new, quantity or sub.quantity, Currency.of(sub.currency)
        )
    )
    return (
        timing or Timing(policy.timing.value),
        proration or ProrationBehavior(policy.proration.value),
    )


def check_seats(quantity: int | None, plan: Plan) -> None:
    """A quantity for ``plan`` is a whole number from 1 to the plan's ``max_seats`` (10,000 unless
    its metadata says less), whoever asks: the portal, the CLI or the API. Checkout applies the
    same limit (``domain.checkout.service.check_choice``)."""
    if quantity is None:
        return
    limit = max_seats(plan)
    whole = isinstance(quantity, int) and not isinstance(quantity, bool)
    if not whole or not 1 <= quantity <= limit:
        raise ValidationFailed(
            {"quantity": f"Enter a whole number of seats from 1 to {limit:,}."},
            code="billing.bad_quantity",
        )


async def move_to_current_version(
    plan_code: str,
    *,
    effective_from: datetime,
    uow: Callable[[], UnitOfWork],
    clock: Clock,
    config: BillingConfig,
) -> int:
    """End grandfathering: every live subscription on an older version of ``plan_code`` moves
    to the current version at its first renewal on or after ``effective_from`` (a scheduled
    change, visible to the subscriber and cancellable). Returns how many were scheduled."""
    async with uow() as reader:
        current = await _current_plan(reader, plan_code)
        older = [p.id for p in await reader.plans.versions(plan_code) if p.id != current.id]
        targets = await reader.subscriptions.on_plans(older)
    for sub in targets:
        await _run(
            sub.id,
            lambda e, at, plans: e.change(
                at,
                plan=plans[plan_code],
                timing=Timing.PERIOD_END,
                effective_from=effective_from,
            ),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            uow=uow(),
            clock=clock,
            config=config,
            as_customer=None,
            plan_codes=(plan_code,),
        )
    return len(targets)


async def settle_invoice(
    invoice_id: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
) -> Outcome | None:
    """A payment settled an invoice: mark it paid and, when it is its subscription's, bring the
    subscription back to active (from incomplete, past due or unpaid) in the same transaction."""
    now = clock.now()
    async with uow:
        issued = (await load_for_update(uow, invoice_id)).mark_paid(now)
        await uow.invoices.update_state(issued)
        outcome = None
        if issued.subscription_id is not None:
            outcome = await _run_in(
                uow,
                SubscriptionId(issued.subscription_id),
                lambda e, at, _: e.payment_succeeded(at),
                reason=BillingReason.SUBSCRIPTION_CYCLE,
                now=now,
                config=config,
                as_customer=None,
            )
        await uow.commit()
    return outcome


async def record_payment_failure(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
) -> Outcome:
    """A renewal payment failed: the subscription is past due (dunning, issue 4, drives this)."""
    return await _run(
        subscription_id,
        lambda e, at, _: e.payment_failed(at),
        reason=BillingReason.SUBSCRIPTION_CYCLE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=None,
    )


async def quote_subscription_change(
    subscription_id: SubscriptionId,
    *,
    plan_code: str | None = None,
    quantity: int | None = None,
    timing: Timing | None = None,
    proration: ProrationBehavior | None = None,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> ChangeQuote:
    """The exact invoice a change would produce now, computed by the engine on a copy (nothing
    is written). Confirm it with ``confirm_subscription_change``."""
    now = clock.now()
    async with uow:
        plan = await _current_plan(uow, plan_code) if plan_code else None
        sub = await _subscription(uow, subscription_id, as_customer)
        timing, proration = await _resolve_policy(uow, sub, plan_code, quantity, timing, proration)
        customer = await _customer(uow, sub.customer_id)
        engine = await _load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
    quote = quote_change(
        engine, now, plan=plan, quantity=quantity, timing=timing, proration=proration
    )
    return replace(quote, version=f"{sub.version}:{quote.version}")


def _check_quote_age(quoted_at: datetime, now: datetime) -> None:
    """A quote binds for an hour (and never from the future): past that, ``Conflict``."""
    if now - quoted_at > QUOTE_VALIDITY or quoted_at > now:
        raise Conflict(
            "This price was shown over an hour ago. Please review the current price.",
            code=SubscriptionErrorCode.QUOTE_EXPIRED,
        )


def _advance_to_quote(
    sub: Subscription, engine: SubscriptionEngine, version: str, quoted_at: datetime
) -> None:
    """Bring a freshly loaded engine to the quote's instant, refusing with ``Conflict`` when the
    subscription changed since the quote (its stored or billing version) or renewed meanwhile."""
    stored_version, _, engine_version = version.partition(":")
    if str(sub.version) != stored_version or version_of(engine) != engine_version:
        raise Conflict(
            "Your subscription changed since this price was shown. Please review the new price.",
            code=QuoteErrorCode.STALE,
        )
    engine.advance_to(quoted_at)
    if engine.invoices:
        raise Conflict(
            "A renewal happened since this price was shown. Please review the new price.",
            code=QuoteErrorCode.STALE,
        )


async def confirm_subscription_change(
    subscription_id: SubscriptionId,
    quote: ChangeQuote,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Make the quoted change at the quote's instant, so it bills exactly what was shown; refuse
    with ``Conflict`` when the subscription changed since or the quote is over an hour old."""
    now = clock.now()
    _check_quote_age(quote.at, now)
    async with uow:
        sub = await _subscription(uow, subscription_id, as_customer, lock=True)
        plan = await _plan_for_quote(uow, sub, quote)
        customer = await _customer(uow, sub.customer_id, lock=True)
        engine = await _load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
        _advance_to_quote(sub, engine, quote.version, quote.at)
        engine.change(
            quote.at,
            plan=plan,
            quantity=quote.quantity,
            timing=quote.timing,
            proration=quote.proration,
        )
        outcome = await _store(
            uow,
            sub,
            engine,
            customer,
            config,
            quote.at,
            reasons=(BillingReason.SUBSCRIPTION_UPDATE,) * len(engine.invoices),
        )
        await uow.commit()
    return outcome


async def set_addon(
    subscription_id: SubscriptionId,
    addon_code: str,
    quantity: int,
    *,
    proration: ProrationBehavior = ProrationBehavior.INVOICE_NOW,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Attach an add-on, change its quantity or remove it (``quantity`` 0), prorated."""
    return await _run(
        subscription_id,
        lambda e, at, plans: _set_addon(e, at, plans[addon_code], quantity, proration),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
        plan_codes=(addon_code,),
    )


def _set_addon(
    engine: SubscriptionEngine,
    at: datetime,
    addon: Plan,
    quantity: int,
    proration: ProrationBehavior,
) -> None:
    assert engine.plan is not None
    if quantity:
        check_addon_attachable(engine.plan, addon)
    engine.set_addon(at, addon, quantity, proration=proration)


async def cancel_subscription(
    subscription_id: SubscriptionId,
    *,
    timing: Timing = Timing.PERIOD_END,
    refund: Refund = Refund.NONE,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    now = clock.now()
    async with uow:
        outcome = await _run_in(
            uow,
            subscription_id,
            lambda e, at, _: e.cancel(at, timing=timing, refund=refund),
            reason=BillingReason.SUBSCRIPTION_CANCEL,
            now=now,
            config=config,
            as_customer=as_customer,
        )
        await uow.commit()
    return outcome


async def uncancel_subscription(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.uncancel(at),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def cancel_scheduled_change(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.cancel_scheduled_change(at),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def pause_subscription(
    subscription_id: SubscriptionId,
    *,
    resume_at: datetime | None = None,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.pause(at, resume_at=resume_at),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def resume_subscription(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.resume(at),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def apply_coupon(
    subscription_id: SubscriptionId,
    coupon_code: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Apply a promotion code (replacing any coupon: one per subscription), checking its rules
    and counting the redemption in the same transaction."""
    now = clock.now()
    async with uow:
        sub = await _subscription(uow, subscription_id, as_customer, lock=True)
        customer = await _customer(uow, sub.customer_id)
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        coupon = await _redeem(uow, coupon_code, customer, plan, now, subscription_id=sub.id)
        terms = coupon.terms_in(sub.currency)
        outcome = await _run_in(
            uow,
            subscription_id,
            lambda e, at, _: e.apply_coupon(at, terms),
            reason=BillingReason.SUBSCRIPTION_UPDATE,
            now=now,
            config=config,
            as_customer=as_customer,
        )
        await uow.commit()
    return outcome


async def remove_coupon(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.remove_coupon(at),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def set_trial_end(
    subscription_id: SubscriptionId,
    trial_end: datetime,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    """Extend or shorten a trial, or start one on an active subscription."""
    return await _run(
        subscription_id,
        lambda e, at, _: e.set_trial_end(at, trial_end),
        reason=BillingReason.SUBSCRIPTION_UPDATE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def end_trial(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None = None,
) -> Outcome:
    return await _run(
        subscription_id,
        lambda e, at, _: e.end_trial(at),
        reason=BillingReason.SUBSCRIPTION_CYCLE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=as_customer,
    )


async def record_usage(
    subscription_id: SubscriptionId,
    meter: str,
    value: str | int | Decimal,
    *,
    key: str | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
) -> bool:
    """Record a metered event (now, or at ``at`` within the current period). Returns False when
    the idempotency key was seen before, or the subscription is not billing usage (a trial, a
    pause): such events are not billed, as in the simulator."""
    now = clock.now()
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(
            {"value": "a usage value is a number of at least 0"},
            code=SubscriptionErrorCode.BAD_USAGE,
        )
    when = at or now
    if when > now:
        raise ValidationFailed(
            {"at": "usage cannot be recorded in the future"}, code=SubscriptionErrorCode.BAD_USAGE
        )
    async with uow:
        outcome = await _run_in(
            uow,
            subscription_id,
            None,
            reason=BillingReason.SUBSCRIPTION_CYCLE,
            now=now,
            config=config,
            as_customer=None,
        )
        sub = outcome.subscription
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        price = plan.price_in(Currency.of(sub.currency))
        meters = {c.meter.name for c in (price.charges if price else ()) if c.meter is not None}
        if meter not in meters:
            raise ValidationFailed(
                {"meter": f"{plan.name} has no meter named {meter!r}"},
                code=SubscriptionErrorCode.BAD_USAGE,
            )
        if when < sub.period_start:
            raise ValidationFailed(
                {"at": "usage can only be recorded in the current billing period"},
                code=SubscriptionErrorCode.BAD_USAGE,
            )
        billed = sub.status in (
            SubscriptionStatus.ACTIVE,
            SubscriptionStatus.PAST_DUE,
            SubscriptionStatus.UNPAID,
        )
        stored = billed and await uow.usage.add(
            UsageRecord(sub.id, meter, amount, when, key=key, idempotency_key=idempotency_key)
        )
        await uow.commit()
    return stored


# -- reads ----------------------------------------------------------------------------------------
async def upcoming_invoices(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    clock: Clock,
    config: BillingConfig,
    months: int = 12,
    as_customer: CustomerId | None = None,
) -> list[Invoice]:
    """The invoices the subscription will issue over the next ``months`` as things stand
    (renewals, scheduled changes, a trial's end, a coupon running out), computed by running
    the engine forward on a copy: nothing is written."""
    async with uow:
        return await upcoming_invoices_in(
            uow, subscription_id, now=clock.now(), config=config, months=months,
            as_customer=as_customer,
        )  # fmt: skip


async def upcoming_invoices_in(
    uow: UnitOfWork,
    subscription_id: SubscriptionId,
    *,
    now: datetime,
    config: BillingConfig,
    months: int = 12,
    as_customer: CustomerId | None = None,
) -> list[Invoice]:
    """``upcoming_invoices`` inside a transaction the caller holds."""
    sub = await _subscription(uow, subscription_id, as_customer)
    customer = await _customer(uow, sub.customer_id)
    engine = await _load_engine(uow, sub, customer, config)
    engine.advance_to(now)
    already = len(engine.invoices)
    horizon = now + timedelta(days=31 * months)
    engine.advance_to(horizon)
    return [i for i in engine.invoices[already:] if i.issued_at <= horizon]


async def get_subscription(
    subscription_id: SubscriptionId,
    *,
    uow: UnitOfWork,
    as_customer: CustomerId | None = None,
) -> Subscription:
    async with uow:
        return await _subscription(uow, subscription_id, as_customer)


# -- helpers --------------------------------------------------------------------------------------
def billing_settings_for(
    customer: Customer, config: BillingConfig, *, tax: TaxDecision | None
) -> BillingSettings:
    return BillingSettings(
        currency=Currency.of(customer.currency),
        tz=ZoneInfo(customer.timezone),
        proration=config.proration,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax_rate=tax.rate if tax else None,
        reverse_charge=tax is not None and tax.treatment is TaxTreatment.REVERSE_CHARGE,
        tax_note=tax.note if tax else None,
    )


async def _tax_decision(uow: UnitOfWork, customer: Customer, config: BillingConfig) -> TaxDecision:
    return decide_tax(
        seller_country=config.seller_country,
        country=customer.country,
        region=customer.region,
        rates=await uow.tax_rates.all(),
        tax_exempt=customer.tax_exempt,
        tax_id=customer.tax_id,
    )


async def _customer(uow: UnitOfWork, customer_id: CustomerId, *, lock: bool = False) -> Customer:
    customer = await uow.customers.get(customer_id, lock=lock)
    if customer is None:
        raise NotFound("No such customer.", code=SubscriptionErrorCode.CUSTOMER_NOT_FOUND)
    return customer


async def _subscription(
    uow: UnitOfWork,
    subscription_id: SubscriptionId,
    as_customer: CustomerId | None,
    *,
    lock: bool = False,
) -> Subscription:
    sub = await uow.subscriptions.get(subscription_id, lock=lock)
    # another subscriber's subscription is "not found", never "forbidden": ids leak nothing
    if sub is None or (as_customer is not None and sub.customer_id != as_customer):
        raise NotFound("No such subscription.", code=SubscriptionErrorCode.NOT_FOUND)
    return sub


async def _current_plan(uow: UnitOfWork, code: str) -> Plan:
    plan = await uow.plans.get_by_code(code)
    if plan is None:
        raise NotFound(f"There is no plan {code!r}.", code=SubscriptionErrorCode.PLAN_NOT_FOUND)
    return plan


async def _plan_for_quote(uow: UnitOfWork, sub: Subscription, quote: ChangeQuote) -> Plan | None:
    """The plan a quote moves to: the subscription's own version when it keeps its plan (a
    quantity change never moves a grandfathered subscription), else the current version."""
    current = await uow.plans.get(sub.plan_id)
    if current is not None and current.code == quote.plan_code:
        return None
    return await _current_plan(uow, quote.plan_code)


async def _redeem(
    uow: UnitOfWork,
    code: str,
    customer: Customer,
    plan: Plan,
    now: datetime,
    *,
    subscription_id: SubscriptionId | None = None,
) -> StoredCoupon:
    coupon = await uow.coupons.get(code.strip().upper(), lock=True)
    if coupon is None:
        raise ValidationFailed(
            {"coupon": f"The code {code} is not valid."},
            code=SubscriptionErrorCode.COUPON_NOT_FOUND,
        )
    earlier = [
        s
        for s in await uow.subscriptions.for_customer(customer.id)
        if s.id != subscription_id and counts_as_earlier_subscription(s)
    ]
    check_redeemable(
        coupon.code,
        coupon.rules_for(customer.currency),
        now=now,
        plan_code=plan.code,
        currency=customer.currency,
        redemptions=coupon.times_redeemed,
        customer_has_subscribed_before=bool(earlier),
    )
    await uow.coupons.count_redemption(coupon.code)
    return coupon


async def _load_engine(
    uow: UnitOfWork,
    sub: Subscription,
    customer: Customer,
    config: BillingConfig,
    *,
    extra_plans: tuple[Plan, ...] = (),
) -> SubscriptionEngine:
    plans: dict[PlanId, Plan] = {plan.id: plan for plan in extra_plans}
    for plan_id in plan_ids_of(sub) - plans.keys():
        plan = await uow.plans.get(plan_id)
        if plan is None:
            raise NotFound("The subscription's plan is gone.", code="catalog.plan_not_found")
        plans[plan_id] = plan
    period_invoice = (
        await uow.invoices.get(sub.period_invoice_id) if sub.period_invoice_id else None
    )
    if sub.currency != customer.currency:
        raise ValidationFailed(
            {"currency": "the subscription and the customer use different currencies"},
            code=SubscriptionErrorCode.CURRENCY,
        )
    settings = billing_settings(
        sub,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax=await _tax_decision(uow, customer, config),
    )
    return engine_from(
        sub,
        settings=settings,
        plans=plans,
        usage=await uow.usage.since(sub.id, sub.period_start),
        period_invoice=period_invoice.invoice if period_invoice else None,
        balance_minor=customer.balance_minor,
    )


def _cycle_reason(invoice: Invoice) -> BillingReason:
    """A renewal invoice bills the period that starts at its own instant; an invoice issued by
    a renewal for the period that just ended (usage at a period-end cancellation, or usage
    recorded before a pause) is the subscription's closing bill for that period."""
    if invoice.period.start == invoice.issued_at:
        return BillingReason.SUBSCRIPTION_CYCLE
    return BillingReason.SUBSCRIPTION_ARREARS


async def _store(
    uow: UnitOfWork,
    sub: Subscription,
    engine: SubscriptionEngine,
    customer: Customer,
    config: BillingConfig,
    now: datetime,
    *,
    reasons: tuple[BillingReason, ...],
    collect_later: bool = True,
) -> Outcome:
    """Number and store the engine's new invoices and credit notes, then save the state."""
    snap = _snapshot_of(customer)
    issued: list[IssuedInvoice] = []
    by_engine_number: dict[str, IssuedInvoice] = {}
    for invoice, reason in zip(engine.invoices, reasons, strict=True):
        stored = await issue_invoice_in(
            uow,
            invoice,
            subscription_id=sub.id,
            customer_id=customer.id,
            reason=reason,
            customer=snap,
            series=config.invoice_series(invoice.issued_at),
        )
        issued.append(stored)
        by_engine_number[invoice.number] = stored
        if (
            stored.invoice.status is InvoiceStatus.OPEN
            and stored.invoice.amount_due > 0
            and sub.test_clock_id is None  # a test clock's advance collects on its own time
            and collect_later
        ):
            # charged by the payments context, after this transaction commits
            uow.jobs.enqueue(
                "payments.collect_invoice", unique_key=f"collect:{stored.id}", invoice_id=stored.id
            )
    period_invoice_id = sub.period_invoice_id
    if engine.period_invoice is not None:
        current = by_engine_number.get(engine.period_invoice.number)
        if current is not None:
            period_invoice_id = current.id
    notes = []
    for note in engine.credit_notes:
        target = by_engine_number.get(note.invoice)
        invoice_id = target.id if target is not None else sub.period_invoice_id
        assert invoice_id is not None, "a credit note always credits a stored invoice"
        notes.append(
            await issue_credit_note_in(
                uow,
                note,
                invoice_id=invoice_id,
                customer_id=customer.id,
                subscription_id=sub.id,
                series=config.credit_note_series(note.issued_at),
                reason=CreditNoteReason.ORDER_CHANGE,
                unused_service=True,
            )
        )
        if note.refunded > 0:  # sent back to the card by the payments context
            uow.jobs.enqueue(
                "payments.refund_credit_note",
                unique_key=f"refund:{notes[-1].id}",
                credit_note_id=notes[-1].id,
            )
    saved = snapshot(sub, engine, period_invoice_id=period_invoice_id, now=now)
    await uow.subscriptions.save(saved)
    for stored in issued:
        if stored.invoice.status is not InvoiceStatus.OPEN or sub.test_clock_id is not None:
            # settled at issue (nothing due): its PDF is final now; an open invoice is rendered
            # once its collection has an outcome (paid, or failed and waiting)
            uow.jobs.enqueue(
                RENDER_PDF_JOB, unique_key=f"pdf:{stored.id}:issued", invoice_id=stored.id
            )
    await _notices(uow, sub, saved, now)
    if engine.balance != customer.balance_minor:
        await uow.customers.save(replace(customer, balance_minor=engine.balance))
    return Outcome(saved, tuple(issued), tuple(notes))


async def _notices(
    uow: UnitOfWork, before: Subscription, after: Subscription, now: datetime
) -> None:
    """The notices a change of state calls for (a new subscription gets the welcome notice
    from checkout, not from here)."""
    if before.version == 0:
        return
    kind: EmailKind | None = None
    ended_now = (
        after.status is SubscriptionStatus.CANCELED
        and before.status is not after.status
        and not before.cancel_at_period_end  # that one was announced when it was scheduled
    )
    if ended_now:
        kind = EmailKind.SUBSCRIPTION_CANCELED
    elif after.cancel_at_period_end and not before.cancel_at_period_end:
        kind = EmailKind.SUBSCRIPTION_CANCEL_SCHEDULED  # still active until the period ends
    elif (
        before.cancel_at_period_end
        and not after.cancel_at_period_end
        and after.status is not SubscriptionStatus.CANCELED
    ):
        kind = EmailKind.SUBSCRIPTION_CANCEL_UNDONE
    elif after.status is SubscriptionStatus.PAUSED and before.status is not after.status:
        kind = EmailKind.SUBSCRIPTION_PAUSED
    elif before.status is SubscriptionStatus.PAUSED and after.status is SubscriptionStatus.ACTIVE:
        kind = EmailKind.SUBSCRIPTION_RESUMED
    if kind is not None:
        notify_later(
            uow,
            kind,
            customer_id=after.customer_id,
            key=dedupe_key(kind, after.id, now),
            subscription_id=after.id,
        )
    if after.plan_id != before.plan_id:
        old, new = await uow.plans.get(before.plan_id), await uow.plans.get(after.plan_id)
        if old is not None and new is not None and old.code != new.code:
            notify_later(
                uow,
                EmailKind.PLAN_CHANGED,
                customer_id=after.customer_id,
                key=dedupe_key(EmailKind.PLAN_CHANGED, after.id, now),
                subscription_id=after.id,
                old_plan_name=old.name,
                new_plan_name=new.name,
                effective_at=now.isoformat(),
            )


def _snapshot_of(customer: Customer) -> CustomerSnapshot:
    return CustomerSnapshot(
        name=customer.name,
        email=customer.email,
        address_lines=customer.address_lines,
        country=customer.country,
        tax_id=customer.tax_id,
    )
