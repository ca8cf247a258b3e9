"""Checkout's checks and reads: the plan being bought, the choice (currency, seats, add-ons),
the live order summary (priced by the real billing engine on a throwaway copy, ``summary.py``,
so it always matches the first invoice) and the billing details. The one use case of a posted
order is ``submit.py``; the page's read, ``page.py``; placing a checked order, ``placing.py``;
reading an order that exists, ``orders.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.accounts.model import SignedIn
from domain.accounts.rules import email_problem, normalise_email, password_problem
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan
from domain.catalog.quantities import max_seats, whole_number
from domain.catalog.rules import is_addon_attachable
from domain.catalog.snapshot import CatalogSnapshot, read_catalog_in
from domain.checkout.ports import CheckoutUnit
from domain.checkout.summary import (
    OrderSummary,
    buyer_of,
    is_per_seat,
    minimum_problem,
    price_order,
    priced_once,
    promotion_for,
    tax_for,
)
from domain.customers.model import Customer
from domain.customers.service import MAX_REGION, check_customer
from domain.pricing.tax_policy import EU_VAT_COUNTRIES
from domain.promotions.cache import PromotionFinder
from domain.promotions.model import Promotion
from domain.shared.countries import country_choices as country_choices  # for web/
from domain.shared.countries import is_country
from domain.shared.errors import (
    NotFound,
    ValidationFailed,
)
from domain.shared.money import Currency, Money

MAX_ADDRESS = 200
MAX_CITY = 100
MAX_POSTAL = 20
STALE_PROCESSING = timedelta(minutes=2)
ACCOUNT_EXISTS = "An account with this e-mail exists. Sign in to use it."


class CheckoutErrorCode:
    PLAN_NOT_FOUND = "checkout.plan_not_found"
    INVALID_ORDER = "checkout.invalid_order"
    ACCOUNT_EXISTS = "checkout.account_exists"
    NOT_FOUND = "checkout.not_found"
    TOTAL_CHANGED = "checkout.total_changed"


# -- the plan being bought ------------------------------------------------------------------------
async def checkout_plan(plan_code: str, *, uow: CheckoutUnit) -> Plan:
    """The current, public base version of ``plan_code``; ``NotFound`` for an unknown, retired,
    private plan or an add-on (checkout shows a friendly 404)."""
    async with uow:
        return await plan_in(uow, plan_code)


async def plan_in(uow: CheckoutUnit, plan_code: str) -> Plan:
    return _buyable(await uow.plans.get_by_code(plan_code), plan_code)


def public_plan_of(catalog: CatalogSnapshot, plan_code: str) -> Plan:
    """``checkout_plan`` in a catalog snapshot."""
    return _buyable(catalog.public_plan(plan_code), plan_code)


def _buyable(plan: Plan | None, plan_code: str) -> Plan:
    if plan is None or not plan.is_current or not plan.is_public or plan.is_addon:
        raise NotFound(
            f"There is no plan {plan_code!r} to buy.", code=CheckoutErrorCode.PLAN_NOT_FOUND
        )
    return plan


@dataclass(frozen=True, slots=True)
class AddonChoice:
    """An add-on the buyer may attach: per unit (a quantity) or flat (on or off)."""

    plan: Plan
    per_unit: bool
    unit_price: Money


async def addon_choices(plan: Plan, currency: Currency, *, uow: CheckoutUnit) -> list[AddonChoice]:
    """The public add-ons priced in ``currency`` that attach to ``plan``."""
    async with uow:
        return addon_choices_of(await read_catalog_in(uow), plan, currency)


def addon_choices_of(catalog: CatalogSnapshot, plan: Plan, currency: Currency) -> list[AddonChoice]:
    """``addon_choices`` in a catalog snapshot (memoised there: the snapshot does not change)."""
    return catalog.memo(
        ("addons", plan.id, currency.code), lambda: _addons(catalog, plan, currency)
    )


def _addons(catalog: CatalogSnapshot, plan: Plan, currency: Currency) -> list[AddonChoice]:
    choices = []
    for addon in catalog.addons:
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
class OrderChoice:
    """The priced part of the form, checked: what the engine needs to bill the order."""

    plan: Plan
    currency: Currency
    quantity: int
    addons: tuple[tuple[Plan, int], ...]


async def check_choice(
    plan: Plan,
    *,
    currency: str | None,
    quantity: str | int | None,
    addons: Mapping[str, str],
    uow: CheckoutUnit,
) -> OrderChoice:
    """The currency (one the plan is priced in), the quantity (a per-seat plan's 1 to its seat
    limit; a flat plan is bought once) and the add-ons (``{code: quantity}``; only those that
    attach to the plan, 0 or empty meaning "not added"). ``ValidationFailed`` per field."""
    async with uow:
        catalog = await read_catalog_in(uow)
    return check_choice_of(catalog, plan, currency=currency, quantity=quantity, addons=addons)


def check_choice_of(
    catalog: CatalogSnapshot,
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
    choices = {c.plan.code: c for c in addon_choices_of(catalog, plan, chosen)}
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


async def preview_order(
    choice: OrderChoice,
    *,
    promotion_code: str | None,
    country: str | None,
    region: str | None = None,
    tax_id: str | None = None,
    customer_id: str | None = None,
    now: datetime,
    uow: CheckoutUnit,
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
            uow, await read_catalog_in(uow), choice, promotion_code=promotion_code,
            country=country, region=region, tax_id=tax_id, customer_id=customer_id, now=now,
            config=config,
        )  # fmt: skip


def needs_buyer_reads(
    promotion_code: str | None, customer_id: str | None, *, promotions_kept: bool = False
) -> bool:
    """Whether pricing an order reads more than the catalog: a signed-in buyer (credit, tax
    exemption, earlier subscriptions) or a promotion code (its limits and counts change with
    every order) unless a promotion cache answers it (``promotions_kept``). Without either, a
    summary is priced from the catalog snapshot (and the promotion cache) alone."""
    typed = bool((promotion_code or "").strip())
    return bool(customer_id) or (typed and not promotions_kept)


async def _preview_in(
    uow: CheckoutUnit | None,
    catalog: CatalogSnapshot,
    choice: OrderChoice,
    *,
    promotion_code: str | None,
    country: str | None,
    region: str | None,
    tax_id: str | None,
    customer_id: str | None,
    now: datetime,
    config: BillingConfig,
    promotions: PromotionFinder | None = None,
    price_at: datetime | None = None,
) -> OrderSummary:
    """The order priced with the catalog snapshot's tax rates at ``price_at`` (default
    ``now``); the promotion code is found through ``promotions`` (the pages' cache) when given,
    else read in ``uow``, and the signed-in buyer is read in ``uow`` (None only when neither
    needs it: ``needs_buyer_reads``). Whether the code can be used is decided at ``now``.

    Pricing is memoised in the snapshot (``price_order`` is pure; ``summary.priced_once``): the
    same plan, choice, coupon terms, tax, balance, instant and configuration give the very same
    summary, so the engine runs once per distinct order and instant; a new snapshot (a catalog
    change) starts afresh, and a promotion change gives other terms or another message, hence
    another key."""
    code = (promotion_code or "").strip().upper() or None
    country = (country or "").strip().upper()
    promotion: Promotion | None = None
    problem: str | None = None
    buyer: Customer | None = None
    kept = promotions is not None
    if uow is None and needs_buyer_reads(code, customer_id, promotions_kept=kept):
        raise ValueError("a promotion code or a signed-in buyer is read in a transaction")
    if code:
        promotion, problem = await promotion_for(
            uow, code, plan_code=choice.plan.code, currency=choice.currency, now=now,
            customer_id=customer_id, promotions=promotions,
        )  # fmt: skip
    if customer_id:
        assert uow is not None  # needs_buyer_reads
        buyer = await buyer_of(uow, customer_id)  # a signed-in buyer's credit and tax exemption
    rate, tax_note = tax_for(
        config,
        country=country if is_country(country) else "",
        region=(region or "").strip() or None,
        tax_id=(tax_id or "").strip() or None,
        tax_exempt=buyer.tax_exempt if buyer else False,
        rates=list(catalog.tax_rates),
    )

    at = price_at or now
    balance = buyer.balance_minor if buyer else 0

    def priced(promotion: Promotion | None, problem: str | None) -> OrderSummary:
        coupon = promotion.terms_in(choice.currency.code) if promotion else None
        addons = tuple((addon.id, n) for addon, n in choice.addons)
        key = (choice.plan.id, choice.currency.code, choice.quantity, addons, coupon,
               rate, tax_note, balance, at, config, problem)  # fmt: skip
        return priced_once(catalog, at, key, lambda: price_order(
            choice.plan, currency=choice.currency, quantity=choice.quantity,
            addons=choice.addons, coupon=coupon, tax_rate=rate, tax_note=tax_note,
            balance_minor=balance, at=at, config=config, promotion_error=problem,
        ))  # fmt: skip

    summary = priced(promotion, problem)
    if promotion is not None and (below := minimum_problem(promotion, summary)) is not None:
        summary = priced(None, below)  # shown without the discount it cannot have
    return summary


@dataclass(frozen=True, slots=True)
class SummaryView:
    """What the checkout page and its summary fragment show for the form as it stands."""

    plan: Plan
    choice: OrderChoice
    summary: OrderSummary
    addons: list[AddonChoice]
    errors: dict[str, str]  # the choice's field errors (priced with the defaults meanwhile)


async def order_summary_in(
    uow: CheckoutUnit | None,
    catalog: CatalogSnapshot,
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
    config: BillingConfig,
    promotions: PromotionFinder | None = None,
    price_at: datetime | None = None,
) -> SummaryView:
    """The checkout page's read: the plan (``NotFound`` as ``checkout_plan``), the choice as
    typed (with field errors, priced with the plan's defaults so the summary always shows
    something), its add-ons (listed once) and the priced summary, from the ``catalog`` snapshot;
    the promotion code is found through ``promotions`` when given, else read with the signed-in
    buyer in the caller's transaction ``uow`` (None when nothing is: ``needs_buyer_reads``);
    priced at ``price_at`` (default ``now``)."""
    plan = public_plan_of(catalog, plan_code)
    errors: dict[str, str] = {}
    try:
        choice = check_choice_of(
            catalog, plan, currency=currency or default_currency, quantity=quantity, addons=addons
        )
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        fallback = (currency or default_currency) if "currency" not in errors else None
        try:
            choice = check_choice_of(catalog, plan, currency=fallback, quantity=None, addons={})
        except ValidationFailed:
            choice = check_choice_of(catalog, plan, currency=None, quantity=None, addons={})
    summary = await _preview_in(
        uow, catalog, choice, promotion_code=promotion_code, country=country, region=region,
        tax_id=tax_id, customer_id=customer_id, now=now, config=config, promotions=promotions,
        price_at=price_at,
    )  # fmt: skip
    offered = addon_choices_of(catalog, plan, choice.currency)
    return SummaryView(plan, choice, summary, offered, errors)


# -- the order form -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BillingDetails:
    name: str = ""
    email: str = ""
    password: str = field(default="", repr=False)  # the new account's: never in a repr
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


def billing_problems(
    details: BillingDetails, *, currency: Currency, buyer: SignedIn | None
) -> dict[str, str]:
    """What is wrong with the billing fields as typed (pure; empty when nothing is): the name,
    the e-mail's syntax and the new account's password (a signed-in buyer has both), the
    country (ISO 3166 alpha-2), lengths, and the tax ID (a VAT number of the country's
    format)."""
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
    return errors


async def check_billing_details_in(
    uow: CheckoutUnit, details: BillingDetails, *, currency: Currency, buyer: SignedIn | None
) -> None:
    """Every billing field (``billing_problems``), and an e-mail that is not an existing
    account's unless it is the signed-in buyer's, inside the caller's transaction.
    ``ValidationFailed`` lists every field at once; an e-mail that has an account has the code
    ``checkout.account_exists``."""
    errors = billing_problems(details, currency=currency, buyer=buyer)
    code = CheckoutErrorCode.INVALID_ORDER
    if buyer is None and "email" not in errors:
        email = normalise_email(details.email)
        taken = await uow.accounts.get_by_email(email) is not None or (
            await uow.customers.get_by_email(email) is not None
        )
        if taken:
            errors["email"] = ACCOUNT_EXISTS
            code = CheckoutErrorCode.ACCOUNT_EXISTS if len(errors) == 1 else code
    if errors:
        raise ValidationFailed(errors, code=code)
