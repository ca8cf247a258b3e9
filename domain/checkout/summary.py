"""The checkout's order summary, priced by the billing engine on a throwaway copy.

What the buyer is shown is what the first invoice charges and what the next invoices will be:

- today: the engine's first invoice (lines, subtotal, discount, tax, amount due);
- the promotion's terms as sold ("20% off for 3 months"), never only its effect;
- the schedule after today, invoice by invoice, until nothing changes any more: while a
  coupon (or a fixed amount's remainder) still discounts, every invoice is simulated, and the
  first invoice after it ends is the price from then on ("$28.80 on Jan 6 and Feb 6, then
  $36.00 every month from Mar 6").

An order that exists (a declined card being retried) is summarised from its stored first
invoice, which is what a retry charges; its schedule is priced on the subscription's stored
terms at the instant it was created.

``OrderSummary.agreement()`` is what the buyer agrees to by paying: the web layer signs it into
the form and refuses an order whose summary would differ (it is shown again instead).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice
from domain.catalog.model import Plan, PlanPrice
from domain.catalog.snapshot import CatalogSnapshot
from domain.checkout.ports import CheckoutUnit
from domain.customers.model import Customer
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.model import ChargeModel
from domain.pricing.tax_policy import TaxTreatment, decide_tax
from domain.pricing.totals import TaxRate
from domain.promotions.cache import PromotionFinder
from domain.promotions.model import Promotion
from domain.promotions.redemption import check_minimum, check_redeemable, find_promotion, not_found
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.money import Currency, Money
from domain.shared.periods import Period
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.model import counts_as_earlier_subscription

# invoices simulated after today at most (a coupon for three years of monthly invoices fits)
MAX_SCHEDULE = 40


def is_per_seat(price: PlanPrice) -> bool:
    return any(not c.is_usage and c.model is not ChargeModel.FLAT for c in price.charges)


@dataclass(frozen=True, slots=True)
class SummaryLine:
    description: str
    amount: Money
    period: Period | None = None  # the invoice line's, for its dates in the reader's language


@dataclass(frozen=True, slots=True)
class PromotionTerms:
    """A promotion code's terms as sold: ``percent_off`` or ``amount_off``, for ``once`` (the
    first invoice), ``repeating`` (``months`` months) or ``forever``."""

    code: str
    percent_off: Decimal | None
    amount_off: Money | None
    duration: CouponDuration
    months: int | None

    @property
    def percent_label(self) -> str:
        """``20%``, ``12.5%`` (the percentage as sold, like the tax label's)."""
        assert self.percent_off is not None
        return f"{self.percent_off.normalize():f}".rstrip(".") + "%"


@dataclass(frozen=True, slots=True)
class PriceStep:
    """Invoices of one amount in a row after today: ``count`` of them from ``first_at`` to
    ``last_at``, or, for the last step (``recurring``), every period from ``first_at`` on."""

    amount: Money
    first_at: datetime
    last_at: datetime
    count: int
    recurring: bool


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
    promotion: PromotionTerms | None = None
    schedule: tuple[PriceStep, ...] = ()  # the invoices after today (see the module)
    addons: tuple[tuple[str, int], ...] = ()  # (add-on plan id, quantity)

    @property
    def is_trial(self) -> bool:
        return self.trial_ends_at is not None

    def agreement(self) -> dict[str, Any]:
        """What paying agrees to: the plan version, the quantities, the promotion code, the
        amount charged today with its tax (rate and amount: an inclusive rate replaced by staff
        changes the invoice, not the total) and every amount after it (two summaries with the
        same agreement charge, and invoice, the same)."""
        return {
            "plan": self.plan.id,
            "currency": self.currency.code,
            "quantity": self.quantity,
            "addons": [list(a) for a in self.addons],
            "code": self.promotion_code,
            "today": self.total_today.minor,
            "tax": [self.tax.minor, self.tax_label],
            "then": [[s.amount.minor, s.count, s.recurring] for s in self.schedule],
        }


def interval_label(plan: Plan) -> str:
    unit = plan.interval.unit.value.lower()
    return unit if plan.interval.count == 1 else f"{plan.interval.count} {unit}s"


def promotion_terms(coupon: Coupon, currency: Currency) -> PromotionTerms:
    amount = (
        Money.of_minor(coupon.amount_off_minor, currency)
        if coupon.amount_off_minor is not None
        else None
    )
    return PromotionTerms(
        code=coupon.code,
        percent_off=coupon.percent_off,
        amount_off=amount,
        duration=coupon.duration,
        months=coupon.duration_in_months,
    )


def tax_for(
    config: BillingConfig,
    *,
    country: str,
    region: str | None,
    tax_id: str | None,
    tax_exempt: bool,
    rates: list[Any],
) -> tuple[TaxRate | None, str | None]:
    """The rate and the note the order is taxed with (a tax ID that does not look valid is
    ignored here: the form says so when the order is placed)."""
    if not country:
        return None, "Tax is calculated once you choose your country."
    try:
        decision = decide_tax(
            seller_country=config.seller_country, country=country, region=region, rates=rates,
            tax_exempt=tax_exempt, tax_id=tax_id,
        )  # fmt: skip
    except ValidationFailed:
        decision = decide_tax(
            seller_country=config.seller_country, country=country, region=region, rates=rates,
            tax_exempt=tax_exempt,
        )  # fmt: skip
    note = decision.note
    if decision.treatment is TaxTreatment.STANDARD and decision.rate is None:
        note = None
    return decision.rate, note


def _tax_label(rate: TaxRate | None) -> str:
    if rate is None:
        return "Tax"
    percent = f"{rate.percentage.normalize():f}".rstrip(".")
    return f"{rate.code} ({percent}%)" if rate.code else f"Tax ({percent}%)"


def _steady(engine: SubscriptionEngine, at: datetime) -> bool:
    """Whether the invoice at ``at`` and every later one are billed alike (no coupon window or
    fixed remainder left to end)."""
    applied = engine.coupon
    return engine.carry == 0 and (
        applied is None
        or applied.coupon.duration is CouponDuration.FOREVER
        or not applied.is_eligible(at, engine.settings.tz)
    )


def _schedule(engine: SubscriptionEngine, currency: Currency) -> tuple[PriceStep, ...]:
    """Run the engine on, invoice by invoice, until the invoices stop changing."""
    billed: list[tuple[datetime, int]] = []
    while len(billed) < MAX_SCHEDULE:
        at = engine.next_billing_at
        if at is None:
            break
        steady = _steady(engine, at)
        issued = len(engine.invoices)
        engine.advance_to(at)
        if len(engine.invoices) == issued:
            break
        billed.append((at, engine.invoices[-1].total))
        if steady:
            break
    steps: list[PriceStep] = []
    for at, minor in billed:
        last = steps[-1] if steps else None
        if last is not None and last.amount.minor == minor:
            steps[-1] = PriceStep(last.amount, last.first_at, at, last.count + 1, False)
        else:
            steps.append(PriceStep(Money.of_minor(minor, currency), at, at, 1, False))
    if steps:  # the last amount is the price from its first invoice on
        last = steps[-1]
        steps[-1] = PriceStep(last.amount, last.first_at, last.last_at, last.count, True)
    return tuple(steps)


def price_order(
    plan: Plan,
    *,
    currency: Currency,
    quantity: int,
    addons: tuple[tuple[Plan, int], ...],
    coupon: Coupon | None,
    tax_rate: TaxRate | None,
    tax_note: str | None,
    balance_minor: int,
    at: datetime,
    config: BillingConfig,
    timezone: str = "UTC",
    promotion_error: str | None = None,
) -> OrderSummary:
    """Subscribe a throwaway engine exactly as ``subscribe`` does and run it on (pure)."""
    settings = BillingSettings(
        currency=currency,
        tz=ZoneInfo(timezone),
        proration=config.proration,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax_rate=tax_rate,
    )
    engine = SubscriptionEngine(settings=settings, plans={plan.code: plan})
    engine.balance = balance_minor
    engine.subscribe(at, plan, quantity=quantity, coupon=coupon, addons=addons)
    first: Invoice = engine.invoices[0]
    assert engine.period is not None
    trial_ends_at = engine.period.end if engine.status is SubscriptionStatus.TRIALING else None
    schedule = _schedule(engine, currency)

    def money(minor: int) -> Money:
        return Money.of_minor(minor, currency)

    return OrderSummary(
        plan=plan,
        currency=currency,
        quantity=quantity,
        per_seat=is_per_seat(plan.price_in(currency) or plan.prices[0]),
        lines=tuple(
            SummaryLine(line.description, money(line.amount), line.period) for line in first.lines
        ),
        subtotal=money(first.subtotal),
        discount=money(first.discount),
        tax=money(first.tax),
        tax_label=_tax_label(tax_rate),
        tax_note=tax_note,
        total_today=money(first.amount_due),
        next_amount=schedule[0].amount if schedule else None,
        next_billing_at=schedule[0].first_at if schedule else None,
        trial_ends_at=trial_ends_at,
        interval_label=interval_label(plan),
        promotion_code=coupon.code if coupon is not None else None,
        promotion_error=promotion_error,
        promotion=promotion_terms(coupon, currency) if coupon is not None else None,
        schedule=schedule,
        addons=tuple((addon.id, n) for addon, n in addons),
    )


ORDERS_KEPT = 512  # summaries kept per snapshot and instant (the visitors' inputs: bounded)


class PricedOrders:
    """The summaries priced from one catalog snapshot at one instant (the pages': the start of
    the minute), by everything else ``price_order`` reads: it is pure, so the engine runs once
    per distinct order and the same summary object is handed back. A later instant starts
    afresh (the earlier one's are dropped); an earlier one (a request that was slower to get
    here) is priced and not kept. At most ``ORDERS_KEPT``, cleared when full."""

    def __init__(self) -> None:
        self.at: datetime | None = None
        self._kept: dict[Hashable, OrderSummary] = {}

    def get(self, at: datetime, key: Hashable, price: Callable[[], OrderSummary]) -> OrderSummary:
        if self.at is None or at > self.at:
            self.at, self._kept = at, {}
        elif at < self.at:
            return price()
        found = self._kept.get(key)
        if found is None:
            found = price()
            if len(self._kept) >= ORDERS_KEPT:
                self._kept.clear()
            self._kept[key] = found
        return found


def priced_once(
    catalog: CatalogSnapshot, at: datetime, key: Hashable, price: Callable[[], OrderSummary]
) -> OrderSummary:
    """``price()`` (a ``price_order`` at ``at`` from ``catalog``, ``key`` naming all its other
    arguments), once per snapshot, instant and key (``PricedOrders``, kept in the snapshot: a
    catalog change starts afresh)."""
    return catalog.memo(("priced orders",), PricedOrders).get(at, key, price)


async def promotion_for(
    uow: CheckoutUnit | None,
    code: str,
    *,
    plan_code: str,
    currency: Currency,
    now: datetime,
    customer_id: str | None,
    promotions: PromotionFinder | None = None,
) -> tuple[Promotion | None, str | None]:
    """The promotion code typed with its coupon when it can be used for this order, or why not
    (the minimum amount is checked once the order is priced: ``minimum_problem``). An earlier
    subscription of the buyer counts for a first-subscription-only code only if it ever got
    going: the buyer's own unpaid attempt (a declined card) does not. The code is found through
    ``promotions`` when given (the pages' cache, checked against the promotions' version), else
    read in ``uow``; the buyer's subscriptions are read in ``uow``."""
    if promotions is not None:
        promotion = await promotions.find(code)
    else:
        if uow is None:
            raise ValueError("a promotion code is read in a transaction or from the cache")
        promotion = await find_promotion(uow, code)
    if promotion is None:
        return None, not_found(code).field_errors["coupon"]
    earlier = []
    if customer_id:
        if uow is None:
            raise ValueError("a signed-in buyer's subscriptions are read in a transaction")
        earlier = await uow.subscriptions.for_customer(CustomerId(customer_id))
    try:
        check_redeemable(
            promotion,
            now=now,
            plan_code=plan_code,
            currency=currency.code,
            customer_has_subscribed_before=any(counts_as_earlier_subscription(s) for s in earlier),
        )
    except ValidationFailed as exc:
        return None, exc.field_errors.get("coupon", exc.message)
    return promotion, None


def minimum_problem(promotion: Promotion, summary: OrderSummary) -> str | None:
    """Why the priced order is below the code's minimum (None: it is not): the order amount is
    the first invoice before discount (``subtotal``), as ``subscribe`` checks it."""
    try:
        check_minimum(promotion, currency=summary.currency.code, order_minor=summary.subtotal.minor)
    except ValidationFailed as exc:
        return exc.field_errors.get("coupon", exc.message)
    return None


async def buyer_of(uow: CheckoutUnit, customer_id: str | None) -> Customer | None:
    return await uow.customers.get(CustomerId(customer_id)) if customer_id else None
