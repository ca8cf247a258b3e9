"""Checkout use cases: the live order summary (priced by the real billing engine on a throwaway
copy, so it always matches the first invoice), checking an order form, and placing an order.

Placing an order happens once per checkout token:

1. (transaction) claim the checkout session: insert it, or move it from ``open``/``declined`` to
   ``processing``; a request that cannot claim it only shows the outcome;
2. (transaction, first attempt only) create the customer, the account (or use the signed-in
   one), the subscription (``incomplete`` until paid) and queue the welcome e-mail;
3. (no transaction) save the tokenised card and charge the first invoice synchronously;
4. (transaction) record the outcome: ``complete``, ``awaiting_action`` or ``declined``. A retry
   after a decline reuses the same subscription and invoice with the new card.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.accounts.model import SignedIn, SignInMethod
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import email_problem, normalise_email, password_problem
from domain.accounts.service import (
    Mailing,
    SessionGrant,
    attach_customer_in,
    open_session_in,
    register_in,
)
from domain.billing.engine import BillingSettings, SubscriptionEngine, SubscriptionStatus
from domain.billing.model import Invoice, InvoiceStatus
from domain.catalog.model import ChargeModel, Plan, PlanKind, PlanPrice
from domain.catalog.pricing_page import max_seats, whole_number
from domain.catalog.rules import is_addon_attachable
from domain.checkout.model import CLAIMABLE, CheckoutSession, CheckoutState
from domain.notifications.model import EmailKind
from domain.notifications.service import queue_email_in
from domain.payments.model import AttemptStatus
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method, collect_invoice
from domain.pricing.coupons import check_redeemable
from domain.pricing.tax_policy import EU_VAT_COUNTRIES, TaxTreatment, decide_tax
from domain.shared.clock import Clock
from domain.shared.countries import country_choices as country_choices  # for web/
from domain.shared.countries import is_country
from domain.shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PaymentDeclined,
    ValidationFailed,
)
from domain.shared.ids import CustomerId
from domain.shared.money import Currency, Money
from domain.subscriptions.config import BillingConfig
from domain.subscriptions.service import check_customer, create_customer_in, subscribe_in
from domain.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

MAX_ADDRESS = 200
MAX_CITY = 100
MAX_REGION = 100
MAX_POSTAL = 20
MAX_CODE = 40
STALE_PROCESSING = timedelta(minutes=2)
ACCOUNT_EXISTS = "An account with this e-mail exists. Sign in to use it."


class CheckoutErrorCode:
    PLAN_NOT_FOUND = "checkout.plan_not_found"
    INVALID_ORDER = "checkout.invalid_order"
    ACCOUNT_EXISTS = "checkout.account_exists"
    NOT_FOUND = "checkout.not_found"


# -- the plan being bought ------------------------------------------------------------------------
async def checkout_plan(plan_code: str, *, uow: UnitOfWork) -> Plan:
    """The current, public base version of ``plan_code``; ``NotFound`` for an unknown, retired,
    private plan or an add-on (checkout shows a friendly 404)."""
    async with uow:
        return await _plan_in(uow, plan_code)


async def _plan_in(uow: UnitOfWork, plan_code: str) -> Plan:
    plan = await uow.plans.get_by_code(plan_code)
    if plan is None or not plan.is_current or not plan.is_public or plan.is_addon:
        raise NotFound(
            f"There is no plan {plan_code!r} to buy.", code=CheckoutErrorCode.PLAN_NOT_FOUND
        )
    return plan


def is_per_seat(price: PlanPrice) -> bool:
    return any(not c.is_usage and c.model is not ChargeModel.FLAT for c in price.charges)


@dataclass(frozen=True, slots=True)
class AddonChoice:
    """An add-on the buyer may attach: per unit (a quantity) or flat (on or off)."""

    plan: Plan
    per_unit: bool
    unit_price: Money


async def addon_choices(plan: Plan, currency: Currency, *, uow: UnitOfWork) -> list[AddonChoice]:
    """The public add-ons priced in ``currency`` that attach to ``plan``."""
    async with uow:
        return await _addon_choices_in(uow, plan, currency)


async def _addon_choices_in(uow: UnitOfWork, plan: Plan, currency: Currency) -> list[AddonChoice]:
    addons = await uow.plans.list_public(kind=PlanKind.ADDON)
    choices = []
    for addon in addons:
        price = addon.price_in(currency)
        if price is None or not is_addon_attachable(plan, addon):
            continue
        per_unit = is_per_seat(price)
        unit = price.charges[0]
        minor = int(unit.unit_minor) if per_unit else unit.amount_minor
        choices.append(AddonChoice(addon, per_unit, Money.of_minor(minor, currency)))
    return choices


# -- the order summary ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SummaryLine:
    description: str
    amount: Money


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """What the buyer pays today and then, as the engine bills it."""

    plan: Plan
    currency: Currency
    quantity: int
    per_seat: bool
    lines: tuple[SummaryLine, ...]
    subtotal: Money
    discount: Money
    tax: Money
    tax_label: str  # "Tax", "VAT (20%)", ...
    tax_note: str | None  # "Reverse charge: ..." / "Tax exempt" / "Tax is added once ..."
    total_today: Money
    next_amount: Money | None  # the next invoice's total
    next_billing_at: datetime | None
    trial_ends_at: datetime | None
    interval_label: str  # "month", "year"
    promotion_code: str | None  # applied
    promotion_error: str | None

    @property
    def is_trial(self) -> bool:
        return self.trial_ends_at is not None


@dataclass(frozen=True, slots=True)
class OrderChoice:
    """The priced part of the form, checked: what the engine needs to bill the order."""

    plan: Plan
    currency: Currency
    quantity: int
    addons: tuple[tuple[Plan, int], ...]


def _interval_label(plan: Plan) -> str:
    unit = plan.interval.unit.value.lower()
    return unit if plan.interval.count == 1 else f"{plan.interval.count} {unit}s"


async def check_choice(
    plan: Plan,
    *,
    currency: str | None,
    quantity: str | int | None,
    addons: Mapping[str, str],
    uow: UnitOfWork,
) -> OrderChoice:
    """The currency (one the plan is priced in), the quantity (a per-seat plan's 1 to its seat
    limit; a flat plan is bought once) and the add-ons (``{code: quantity}``; only those that
    attach to the plan, 0 or empty meaning "not added"). ``ValidationFailed`` per field."""
    async with uow:
        return await _check_choice_in(
            uow, plan, currency=currency, quantity=quantity, addons=addons
        )


async def _check_choice_in(
    uow: UnitOfWork,
    plan: Plan,
    *,
    currency: str | None,
    quantity: str | int | None,
    addons: Mapping[str, str],
) -> OrderChoice:
    errors: dict[str, str] = {}
    try:
        chosen = Currency.of((currency or "").strip().upper() or plan.currencies[0].code)
    except (KeyError, ValueError):
        chosen = plan.currencies[0]
        errors["currency"] = f"{currency} is not a currency we sell in."
    price = plan.price_in(chosen)
    if price is None:
        errors["currency"] = f"{plan.name} is not sold in {chosen.code}."
        chosen = plan.currencies[0]
        price = plan.prices[0]
    n = 1
    if is_per_seat(price):
        limit = max_seats(plan)
        try:
            parsed = whole_number(quantity)
        except ValueError:
            parsed = 0
        if parsed is None:
            parsed = 1
        if not 1 <= parsed <= limit:
            errors["quantity"] = f"Enter a whole number of seats from 1 to {limit:,}."
        else:
            n = parsed
    choices = {c.plan.code: c for c in await _addon_choices_in(uow, plan, chosen)}
    picked: list[tuple[Plan, int]] = []
    for code, raw in addons.items():
        try:
            count = whole_number(raw) or 0
        except ValueError:
            errors[f"addon-{code}"] = "Enter a whole number from 0 to 1,000."
            continue
        if count == 0:
            continue
        choice = choices.get(code)
        if choice is None:
            errors["addons"] = f"{code} cannot be added to {plan.name}."
            continue
        limit = 1_000 if choice.per_unit else 1
        if not 0 <= count <= limit:
            errors[f"addon-{code}"] = f"Enter a whole number from 0 to {limit:,}."
            continue
        picked.append((choice.plan, count))
    if errors:
        raise ValidationFailed(errors, code=CheckoutErrorCode.INVALID_ORDER)
    return OrderChoice(plan, chosen, n, tuple(picked))


async def _promotion_problem(
    uow: UnitOfWork,
    code: str,
    choice: OrderChoice,
    now: datetime,
    customer_id: str | None,
) -> str | None:
    if len(code) > MAX_CODE:
        return f"The code {code[:MAX_CODE]}... is not valid."
    coupon = await uow.coupons.get(code)
    if coupon is None:
        return f"The code {code} is not valid."
    earlier = await uow.subscriptions.for_customer(CustomerId(customer_id)) if customer_id else []
    try:
        check_redeemable(
            coupon.code,
            coupon.rules_for(choice.currency.code),
            now=now,
            plan_code=choice.plan.code,
            currency=choice.currency.code,
            redemptions=coupon.times_redeemed,
            customer_has_subscribed_before=bool(earlier),
        )
    except ValidationFailed as exc:
        return exc.field_errors.get("coupon", exc.message)
    return None


async def preview_order(
    choice: OrderChoice,
    *,
    promotion_code: str | None,
    country: str | None,
    region: str | None = None,
    tax_id: str | None = None,
    customer_id: str | None = None,
    now: datetime,
    uow: UnitOfWork,
    config: BillingConfig,
) -> OrderSummary:
    """Price the order exactly as ``subscribe`` will: the engine subscribes on a throwaway copy
    (nothing is stored, no code is redeemed) and runs on to the next billing date.

    A promotion code that cannot be used (unknown, expired, used up, not for this plan, a first
    subscription only) comes back as ``promotion_error`` and the order is priced without it. Tax
    follows the tax policy for the country (no country yet: no tax, and a note saying so); a tax
    ID that does not look valid is ignored here (the form says so when the order is placed)."""
    async with uow:
        return await _preview_in(
            uow, choice, promotion_code=promotion_code, country=country, region=region,
            tax_id=tax_id, customer_id=customer_id, now=now, config=config,
        )  # fmt: skip


async def _preview_in(
    uow: UnitOfWork,
    choice: OrderChoice,
    *,
    promotion_code: str | None,
    country: str | None,
    region: str | None,
    tax_id: str | None,
    customer_id: str | None,
    now: datetime,
    config: BillingConfig,
) -> OrderSummary:
    code = (promotion_code or "").strip().upper() or None
    country = (country or "").strip().upper()
    problem = await _promotion_problem(uow, code, choice, now, customer_id) if code else None
    coupon = await uow.coupons.get(code) if code and problem is None else None
    rates = await uow.tax_rates.all()
    tax_note: str | None = None
    rate = None
    if country and is_country(country):
        try:
            decision = decide_tax(
                seller_country=config.seller_country,
                country=country,
                region=(region or "").strip() or None,
                rates=rates,
                tax_id=(tax_id or "").strip() or None,
            )
        except ValidationFailed:
            decision = decide_tax(
                seller_country=config.seller_country,
                country=country,
                region=(region or "").strip() or None,
                rates=rates,
            )
        rate, tax_note = decision.rate, decision.note
        if decision.treatment is TaxTreatment.STANDARD and rate is None:
            tax_note = None
    else:
        tax_note = "Tax is calculated once you choose your country."
    settings = BillingSettings(
        currency=choice.currency,
        tz=ZoneInfo("UTC"),
        proration=config.proration,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax_rate=rate,
    )
    engine = SubscriptionEngine(settings=settings, plans={choice.plan.code: choice.plan})
    engine.subscribe(
        now,
        choice.plan,
        quantity=choice.quantity,
        coupon=coupon.terms_in(choice.currency.code) if coupon else None,
        addons=choice.addons,
    )
    first: Invoice = engine.invoices[0]
    assert engine.period is not None
    trialing = engine.status is SubscriptionStatus.TRIALING
    trial_ends_at = engine.period.end if trialing else None
    next_at = engine.next_billing_at
    next_invoice: Invoice | None = None
    if next_at is not None:
        engine.advance_to(next_at)
        next_invoice = engine.invoices[1] if len(engine.invoices) > 1 else None

    def money(minor: int) -> Money:
        return Money.of_minor(minor, choice.currency)

    if rate is not None:
        percent = f"{rate.percentage.normalize():f}".rstrip(".")
        tax_label = f"{rate.code} ({percent}%)" if rate.code else f"Tax ({percent}%)"
    else:
        tax_label = "Tax"
    return OrderSummary(
        plan=choice.plan,
        currency=choice.currency,
        quantity=choice.quantity,
        per_seat=is_per_seat(choice.plan.price_in(choice.currency) or choice.plan.prices[0]),
        lines=tuple(SummaryLine(line.description, money(line.amount)) for line in first.lines),
        subtotal=money(first.subtotal),
        discount=money(first.discount),
        tax=money(first.tax),
        tax_label=tax_label,
        tax_note=tax_note,
        total_today=money(first.amount_due),
        next_amount=money(next_invoice.total) if next_invoice else None,
        next_billing_at=next_at,
        trial_ends_at=trial_ends_at,
        interval_label=_interval_label(choice.plan),
        promotion_code=code if coupon is not None else None,
        promotion_error=problem,
    )


@dataclass(frozen=True, slots=True)
class SummaryView:
    """What the checkout page and its summary fragment show for the form as it stands."""

    plan: Plan
    choice: OrderChoice
    summary: OrderSummary
    addons: list[AddonChoice]
    errors: dict[str, str]  # the choice's field errors (priced with the defaults meanwhile)


async def order_summary(
    plan_code: str,
    *,
    currency: str | None,
    quantity: str | None,
    addons: Mapping[str, str],
    promotion_code: str | None,
    country: str | None,
    region: str | None,
    tax_id: str | None,
    customer_id: str | None,
    default_currency: str,
    now: datetime,
    uow: UnitOfWork,
    config: BillingConfig,
) -> SummaryView:
    """The checkout page's read, in one transaction: the plan (``NotFound`` as
    ``checkout_plan``), the choice as typed (with field errors, priced with the plan's defaults
    so the summary always shows something), its add-ons and the priced summary."""
    async with uow:
        plan = await _plan_in(uow, plan_code)
        errors: dict[str, str] = {}
        try:
            choice = await _check_choice_in(
                uow, plan, currency=currency or default_currency, quantity=quantity, addons=addons
            )
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
            fallback = (currency or default_currency) if "currency" not in errors else None
            try:
                choice = await _check_choice_in(
                    uow, plan, currency=fallback, quantity=None, addons={}
                )
            except ValidationFailed:
                choice = await _check_choice_in(uow, plan, currency=None, quantity=None, addons={})
        summary = await _preview_in(
            uow, choice, promotion_code=promotion_code, country=country, region=region,
            tax_id=tax_id, customer_id=customer_id, now=now, config=config,
        )  # fmt: skip
        offered = await _addon_choices_in(uow, plan, choice.currency)
    return SummaryView(plan, choice, summary, offered, errors)


# -- the order form -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BillingDetails:
    name: str = ""
    email: str = ""
    password: str = ""
    country: str = ""
    region: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    postal_code: str = ""
    tax_id: str = ""

    @property
    def address_lines(self) -> tuple[str, ...]:
        city = " ".join(p for p in (self.postal_code.strip(), self.city.strip()) if p)
        lines = (self.address_line1.strip(), self.address_line2.strip(), city)
        return tuple(line for line in lines if line)


def _length(errors: dict[str, str], key: str, value: str, limit: int, *, label: str,
            required: bool) -> None:  # fmt: skip
    if required and not value.strip():
        errors[key] = f"Enter your {label}."
    elif len(value.strip()) > limit:
        errors[key] = f"Use at most {limit} characters for your {label}."


async def check_billing_details(
    details: BillingDetails, *, currency: Currency, buyer: SignedIn | None, uow: UnitOfWork
) -> None:
    """Every billing field: the name, the e-mail (syntax; not an existing account's unless it is
    the signed-in buyer's), the password of the new account, the country (ISO 3166 alpha-2),
    lengths, and the tax ID (a VAT number of the country's format). ``ValidationFailed`` lists
    every field at once; an e-mail that has an account has the code ``checkout.account_exists``."""
    errors: dict[str, str] = {}
    email = normalise_email(details.email)
    if buyer is None:
        if problem := email_problem(email):
            errors["email"] = problem
        if problem := password_problem(details.password, email=email, name=details.name):
            errors["password"] = problem
    _length(errors, "name", details.name, 200, label="name", required=True)
    if not is_country(details.country.strip()):
        errors["country"] = "Choose your country from the list."
    _length(errors, "address_line1", details.address_line1, MAX_ADDRESS, label="address",
            required=True)  # fmt: skip
    _length(errors, "address_line2", details.address_line2, MAX_ADDRESS, label="address",
            required=False)  # fmt: skip
    _length(errors, "city", details.city, MAX_CITY, label="city", required=True)
    _length(errors, "postal_code", details.postal_code, MAX_POSTAL, label="postal code",
            required=False)  # fmt: skip
    _length(errors, "region", details.region, MAX_REGION, label="state or region", required=False)
    if details.tax_id.strip() and "country" not in errors:
        customer_errors = check_customer(
            email=email if buyer is None else buyer.email,
            name=details.name or "x",
            currency=currency.code,
            country=details.country.strip(),
            tax_id=details.tax_id.strip(),
            timezone="UTC",
        )
        if "tax_id" in customer_errors:
            errors["tax_id"] = (
                "Enter a VAT number like DE123456789 (with the country prefix)."
                if details.country.strip().upper() in EU_VAT_COUNTRIES
                else customer_errors["tax_id"]
            )
    code = CheckoutErrorCode.INVALID_ORDER
    if buyer is None and "email" not in errors:
        async with uow:
            taken = await uow.accounts.get_by_email(email) is not None or (
                await uow.customers.get_by_email(email) is not None
            )
        if taken:
            errors["email"] = ACCOUNT_EXISTS
            code = CheckoutErrorCode.ACCOUNT_EXISTS if len(errors) == 1 else code
    if errors:
        raise ValidationFailed(errors, code=code)


# -- placing the order ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """Where the order stands after a request: its session (state, ids), the payment waiting for
    the customer's action, the gateway's message after a decline, and the new session of an
    account created by this request (the web layer signs the buyer in with it)."""

    session: CheckoutSession
    grant: SessionGrant | None = None

    @property
    def state(self) -> CheckoutState:
        return self.session.state


def can_place(session: CheckoutSession, now: datetime) -> bool:
    """Whether a submit may (try to) place this checkout's order: it is open, declined (a retry
    with another card), or was left processing by a request that died."""
    return session.state in CLAIMABLE or (
        session.state is CheckoutState.PROCESSING and session.updated_at < now - STALE_PROCESSING
    )


async def get_checkout(token: str, *, uow: UnitOfWork) -> CheckoutSession | None:
    async with uow:
        return await uow.checkouts.get(token)


async def place_order(
    choice: OrderChoice,
    details: BillingDetails,
    *,
    token: str,
    promotion_code: str | None,
    card_token: str,
    buyer: SignedIn | None,
    ip: str = "",
    user_agent: str = "",
    uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
    gateway: PaymentGateway,
    hasher: PasswordHasher,
    mailing: Mailing,
) -> PlacedOrder:
    """Place the order of checkout ``token`` (see the module): at most one subscription, one
    charge and one welcome e-mail per token, however often and however concurrently it is
    posted. A request that does not claim the session returns it as it is (the caller shows the
    outcome). Validation errors of the order transaction (a code that ran out meanwhile, an
    e-mail taken meanwhile) release the claim and are raised."""
    now = clock.now()
    token = token.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token):
        raise ValidationFailed({"token": "This checkout expired. Please start again."})
    async with uow() as claim:
        fresh = CheckoutSession(
            token=token,
            plan_code=choice.plan.code,
            state=CheckoutState.PROCESSING,
            created_at=now,
            updated_at=now,
        )
        claimed = (
            await claim.checkouts.add_if_absent(fresh)
            or await claim.checkouts.transition(token, CLAIMABLE, CheckoutState.PROCESSING, now)
            # a request that died mid-way (a restart) left it processing: after a while a new
            # submit takes over; the order transaction is atomic and a pending charge is retried
            # under its idempotency key, so nothing is created or charged twice
            or await claim.checkouts.transition(
                token, (CheckoutState.PROCESSING,), CheckoutState.PROCESSING, now,
                updated_before=now - STALE_PROCESSING,
            )
        )  # fmt: skip
        session = await claim.checkouts.get(token)
        await claim.commit()
    assert session is not None
    if not claimed:
        return PlacedOrder(session)
    if session.plan_code != choice.plan.code:
        await _set_state(uow, session, CheckoutState.OPEN, now)
        raise ValidationFailed({"token": "This checkout is for another plan. Start again."})
    grant: SessionGrant | None = None
    if session.subscription_id is None:
        try:
            session, grant = await _create_order(
                session, choice, details, promotion_code=promotion_code, buyer=buyer, ip=ip,
                user_agent=user_agent, uow=uow, now=now, config=config, hasher=hasher,
                mailing=mailing,
            )  # fmt: skip
        except BaseException:
            await _set_state(uow, session, CheckoutState.OPEN, now)
            raise
    try:
        session = await _pay(session, card_token, uow=uow, clock=clock, config=config,
                             gateway=gateway, mailing=mailing)  # fmt: skip
    except BaseException:
        # never left "processing": the buyer may try again, and a charge that did go through
        # is found again by its idempotency key (collect_invoice reuses the pending attempt)
        current = await get_checkout(session.token, uow=uow())
        if current is not None and current.state is CheckoutState.PROCESSING:
            await _set_state(uow, current, CheckoutState.DECLINED, clock.now(),
                             message="Something went wrong while paying. Please try again.")  # fmt: skip
        raise
    if grant is None and buyer is None and session.state is CheckoutState.COMPLETE:
        grant = await _sign_in(session, uow=uow, now=clock.now(), ip=ip, user_agent=user_agent)
    return PlacedOrder(session, grant)


async def _set_state(
    uow: UowFactory, session: CheckoutSession, state: CheckoutState, now: datetime, **changes: str
) -> CheckoutSession:
    updated = replace(session, state=state, updated_at=now, **changes)  # type: ignore[arg-type]
    async with uow() as writer:
        await writer.checkouts.save(updated)
        await writer.commit()
    return updated


async def _create_order(
    session: CheckoutSession,
    choice: OrderChoice,
    details: BillingDetails,
    *,
    promotion_code: str | None,
    buyer: SignedIn | None,
    ip: str,
    user_agent: str,
    uow: UowFactory,
    now: datetime,
    config: BillingConfig,
    hasher: PasswordHasher,
    mailing: Mailing,
) -> tuple[CheckoutSession, SessionGrant | None]:
    """One transaction: the customer, the account, the subscription and the session's ids;
    nothing of it exists if any step fails. (The welcome e-mail waits for the first payment.)"""
    grant: SessionGrant | None = None
    async with uow() as tx:
        customer_id = buyer.customer_id if buyer is not None else None
        if customer_id is not None:
            customer = await tx.customers.get(CustomerId(customer_id))
            if customer is None or customer.currency != choice.currency.code:
                raise ValidationFailed(
                    {"currency": "Your account is billed in "
                     f"{customer.currency if customer else 'another currency'}; "
                     "choose that currency."},
                    code=CheckoutErrorCode.INVALID_ORDER,
                )  # fmt: skip
        else:
            email = buyer.email if buyer is not None else details.email
            try:
                customer = await create_customer_in(
                    tx,
                    email=email,
                    name=details.name,
                    currency=choice.currency.code,
                    country=details.country.strip().upper(),
                    region=details.region.strip() or None,
                    address_lines=details.address_lines,
                    tax_id=details.tax_id.strip() or None,
                    now=now,
                )
            except Conflict as exc:
                raise ValidationFailed(
                    {"email": ACCOUNT_EXISTS}, code=CheckoutErrorCode.ACCOUNT_EXISTS
                ) from exc
        if buyer is None:
            try:
                account = await register_in(
                    tx,
                    email=details.email,
                    password=details.password,
                    name=details.name,
                    clock=_Fixed(now),
                    hasher=hasher,
                    customer_id=customer.id,
                )
            except ValidationFailed as exc:
                if "email" in exc.field_errors:
                    raise ValidationFailed(
                        {"email": ACCOUNT_EXISTS}, code=CheckoutErrorCode.ACCOUNT_EXISTS
                    ) from exc
                raise
            account_id = account.id
            grant = await open_session_in(
                tx, account, method=SignInMethod.CHECKOUT, now=now, ip=ip, user_agent=user_agent
            )
        else:
            account_id = buyer.account_id
            await attach_customer_in(tx, account_id, customer.id)
        try:
            outcome = await subscribe_in(
                tx,
                customer.id,
                choice.plan.code,
                quantity=choice.quantity,
                coupon_code=(promotion_code or "").strip().upper() or None,
                addons=tuple((addon.code, n) for addon, n in choice.addons),
                await_payment=True,
                collect_later=False,
                now=now,
                config=config,
            )
        except ValidationFailed as exc:
            if "coupon" in exc.field_errors:
                raise ValidationFailed(
                    {"promotion_code": exc.field_errors["coupon"]}, code=exc.code
                ) from exc
            raise
        session = replace(
            session,
            customer_id=customer.id,
            account_id=account_id,
            subscription_id=outcome.subscription.id,
            invoice_id=outcome.invoices[0].id,
            updated_at=now,
        )
        await tx.checkouts.save(session)
        await tx.commit()
    return session, grant


async def _pay(
    session: CheckoutSession,
    card_token: str,
    *,
    uow: UowFactory,
    clock: Clock,
    config: BillingConfig,
    gateway: PaymentGateway,
    mailing: Mailing,
) -> CheckoutSession:
    assert session.customer_id is not None and session.invoice_id is not None
    try:
        await add_payment_method(
            CustomerId(session.customer_id), card_token, uow=uow, gateway=gateway, clock=clock
        )
    except PaymentDeclined as exc:
        return await _set_state(uow, session, CheckoutState.DECLINED, clock.now(),
                                message=exc.message)  # fmt: skip
    except DomainError:
        await _set_state(uow, session, CheckoutState.DECLINED, clock.now(),
                         message="Your card could not be saved. Please try another card.")  # fmt: skip
        raise
    result = await collect_invoice(
        session.invoice_id, uow=uow, gateway=gateway, clock=clock, config=config
    )
    attempt = result.attempt
    if attempt is None or (
        attempt.status is AttemptStatus.SUCCEEDED and result.invoice.status is InvoiceStatus.PAID
    ):
        async with uow() as tx:
            session = await _complete_in(tx, session, clock.now(), mailing)
            await tx.commit()
        return session
    if attempt is not None and attempt.status is AttemptStatus.REQUIRES_ACTION:
        return await _set_state(uow, session, CheckoutState.AWAITING_ACTION, clock.now(),
                                payment_ref=attempt.payment_ref or "", message="")  # fmt: skip
    message = (attempt.message if attempt else "") or "Your card was declined."
    return await _set_state(uow, session, CheckoutState.DECLINED, clock.now(), message=message)


async def _complete_in(
    tx: UnitOfWork, session: CheckoutSession, now: datetime, mailing: Mailing
) -> CheckoutSession:
    """The order is paid (or nothing was due): the session is complete and the welcome e-mail
    goes out, once per checkout (an order declined and abandoned sends none)."""
    session = replace(session, state=CheckoutState.COMPLETE, payment_ref=None, message="",
                      updated_at=now)  # fmt: skip
    await tx.checkouts.save(session)
    customer = await tx.customers.get(CustomerId(session.customer_id or ""))
    plan = await tx.plans.get_by_code(session.plan_code)
    if customer is not None:
        await queue_email_in(
            tx,
            EmailKind.WELCOME,
            to=customer.email,
            context={
                "customer_name": customer.name,
                "plan_name": plan.name if plan else session.plan_code,
                "account_url": f"{mailing.public_url}/account",
            },
            dedupe_key=f"welcome:checkout:{session.token}",
            clock=_Fixed(now),
            renderer=mailing.renderer,
        )
    return session


async def _sign_in(
    session: CheckoutSession, *, uow: UowFactory, now: datetime, ip: str, user_agent: str
) -> SessionGrant | None:
    if session.account_id is None:
        return None
    async with uow() as tx:
        account = await tx.accounts.get(session.account_id)
        if account is None:
            return None
        grant = await open_session_in(
            tx, account, method=SignInMethod.CHECKOUT, now=now, ip=ip, user_agent=user_agent
        )
        await tx.commit()
    return grant


class _Fixed:
    """The instant of the order for the use cases it calls (one instant per transaction)."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


# -- the outcome ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CompletedOrder:
    session: CheckoutSession
    plan_name: str
    quantity: int
    amount_charged: Money
    invoice_number: str
    next_billing_at: datetime | None
    trial_ends_at: datetime | None
    email: str
    paid: bool


async def show_order(
    token: str, *, account_id: str | None, uow: UowFactory, clock: Clock, mailing: Mailing
) -> CompletedOrder:
    """The confirmation of checkout ``token`` for its buyer (anyone else: ``NotFound``). A
    session waiting for the customer's action becomes ``complete`` once its invoice is paid
    (the confirmation page of the payment settled it)."""
    async with uow() as tx:
        session = await tx.checkouts.get(token)
        if (
            session is None
            or session.account_id is None
            or session.account_id != account_id
            or session.subscription_id is None
            or session.invoice_id is None
        ):
            raise NotFound("No such order.", code=CheckoutErrorCode.NOT_FOUND)
        sub = await tx.subscriptions.get(session.subscription_id)  # type: ignore[arg-type]
        issued = await tx.invoices.get(session.invoice_id)
        customer = await tx.customers.get(CustomerId(session.customer_id or ""))
        plan = await tx.plans.get(sub.plan_id) if sub else None
        assert sub is not None and issued is not None and customer is not None
        paid = issued.status is InvoiceStatus.PAID or issued.invoice.amount_due == 0
        if paid and session.state is CheckoutState.AWAITING_ACTION:
            session = await _complete_in(tx, session, clock.now(), mailing)
            await tx.commit()
    trialing = sub.status is SubscriptionStatus.TRIALING
    return CompletedOrder(
        session=session,
        plan_name=plan.name if plan else session.plan_code,
        quantity=sub.quantity,
        amount_charged=Money.of_minor(
            issued.invoice.amount_due if paid else 0, issued.invoice.currency
        ),
        invoice_number=issued.number or "",
        next_billing_at=sub.period_end if sub.status.value in ("active", "trialing") else None,
        trial_ends_at=sub.period_end if trialing else None,
        email=customer.email,
        paid=paid,
    )
