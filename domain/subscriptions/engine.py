"""The billing engine: one subscription billed through time, exactly and explainably.

It is pure (no I/O, no clock of its own): every command takes the instant it happens at, and
``advance_to`` processes everything due up to an instant (renewals, trial ends, scheduled changes
and cancellations, pause ends), issuing invoices and credit notes. The simulator drives it from a
scenario; the same rules price quotes and renewals elsewhere.

Rules it follows (docs/billing.md's "Billing rules" lists them all):
- Periods are half-open and computed from the anchor (month ends clamp). Licensed charges are
  billed in advance, usage charges in arrears; a renewal invoice holds the usage of the ending
  period and the advance charges of the new one.
- An event at the same instant as a renewal happens after the renewal.
- Immediate changes prorate per charge: a negative line for the unused part of the old state and
  a positive line for the rest of the period in the new state (never one net line); they ride on
  the next invoice (``next_invoice``), on an invoice issued now (``invoice_now``) or not at all
  (``none``). A change to another interval credits the old plan's unused time and starts a new
  period at the change instant, invoiced at once.
- Immediate cancellation may credit (to the balance) or refund the unused part of the paid period
  through a credit note whose total includes its share of the discount and tax; usage up to the
  cancel instant is then invoiced, so the credit applies to it.
- Pausing follows Stripe's "pause collection (void)": billing periods keep rolling, invoices that
  fall inside the pause are not issued and usage is not recorded; resuming bills again from the
  next renewal. The usage recorded before the pause is still billed, at the first renewal inside
  the pause, on an invoice for the period it was recorded in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.billing.model import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    TaxBasis,
)
from domain.catalog.model import Plan, PlanPrice
from domain.pricing.charges import fmt_amount, fmt_units, price_charge
from domain.pricing.coupons import AppliedCoupon, Coupon, discount_for
from domain.pricing.model import Aggregation, Charge, ChargeModel
from domain.pricing.proration import ProrationUnit, Share, remaining_share
from domain.pricing.totals import TaxRate, TaxRounding, compute_tax, compute_totals
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.money import Currency, Rounding, round_minor
from domain.shared.periods import Interval, IntervalUnit, Period, boundary, period_index


class SubscriptionStatus(StrEnum):
    INCOMPLETE = "incomplete"  # the first invoice awaits payment; expires after 23 hours
    INCOMPLETE_EXPIRED = "incomplete_expired"  # never paid: ended, nothing more is billed
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"  # a renewal payment failed; service continues while dunning retries
    UNPAID = "unpaid"  # dunning gave up; invoices still come, access is restricted
    PAUSED = "paused"
    CANCELED = "canceled"


ENDED = frozenset({SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED})
# the states in which the subscription is billed normally (renewals, usage, prorations)
BILLING = frozenset(
    {SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID}
)
INCOMPLETE_WINDOW = timedelta(hours=23)


class Timing(StrEnum):
    IMMEDIATE = "immediate"
    PERIOD_END = "period_end"


class ProrationBehavior(StrEnum):
    INVOICE_NOW = "invoice_now"
    NEXT_INVOICE = "next_invoice"
    NONE = "none"


class Refund(StrEnum):
    NONE = "none"
    PRORATED_CREDIT = "prorated_credit"
    PRORATED_REFUND = "prorated_refund"


class BillingErrorCode(StrEnum):
    NOT_SUBSCRIBED = "billing.not_subscribed"
    ALREADY_SUBSCRIBED = "billing.already_subscribed"
    CANCELED = "billing.subscription_canceled"
    BAD_ANCHOR = "billing.bad_anchor"
    BAD_QUANTITY = "billing.bad_quantity"
    CURRENCY = "billing.currency_not_sold"
    NOT_PAUSED = "billing.not_paused"
    NOT_CANCELING = "billing.not_canceling"
    NOT_TRIALING = "billing.not_trialing"
    BAD_TRIAL_END = "billing.bad_trial_end"
    NO_COUPON = "billing.no_coupon"
    NO_SCHEDULED_CHANGE = "billing.no_scheduled_change"
    INCOMPLETE = "billing.subscription_incomplete"
    PAYMENT_STATE = "billing.payment_state"
    ADDON = "billing.addon_not_allowed"


@dataclass(frozen=True, slots=True)
class BillingSettings:
    currency: Currency
    tz: ZoneInfo
    proration: ProrationUnit = ProrationUnit.DAY
    rounding: Rounding = Rounding.HALF_UP
    tax_rounding: TaxRounding = TaxRounding.PER_INVOICE
    tax_rate: TaxRate | None = None
    reverse_charge: bool = False  # no tax: the buyer accounts for it (EU B2B across borders)
    tax_note: str | None = None  # printed on the invoices ("Reverse charge: ...", "Tax exempt")

    @property
    def tax_basis(self) -> TaxBasis:
        rate = self.tax_rate
        return TaxBasis(
            percentage=rate.percentage if rate is not None else None,
            inclusive=rate.inclusive if rate is not None else False,
            reverse_charge=self.reverse_charge,
            note=self.tax_note,
        )


@dataclass(frozen=True, slots=True)
class UsageEvent:
    at: datetime
    meter: str
    value: Fraction
    key: str | None


@dataclass(frozen=True, slots=True)
class AddOnItem:
    """An add-on attached to the subscription: a plan of kind ``addon`` and its quantity."""

    plan: Plan
    quantity: int


@dataclass
class SubscriptionEngine:
    settings: BillingSettings
    plans: Mapping[str, Plan]
    plan: Plan | None = None
    quantity: int = 1
    status: SubscriptionStatus | None = None
    anchor: datetime | None = None
    period: Period | None = None
    pending_anchor: datetime | None = None  # an anchor still ahead at the end of the trial
    cancel_at_period_end: bool = False
    scheduled: tuple[Plan, int] | None = None
    scheduled_from: datetime | None = None  # the scheduled change waits for a renewal at/after it
    addons: dict[str, AddOnItem] = field(default_factory=dict)
    incomplete_expires_at: datetime | None = None
    resume_at: datetime | None = None
    paused_at: datetime | None = None
    coupon: AppliedCoupon | None = None
    carry: int = 0
    balance: int = 0
    pending: list[InvoiceLine] = field(default_factory=list)
    usage: list[UsageEvent] = field(default_factory=list)
    period_invoice: Invoice | None = None
    invoices: list[Invoice] = field(default_factory=list)
    credit_notes: list[CreditNote] = field(default_factory=list)

    # -- queries ------------------------------------------------------------------------------
    @property
    def currency(self) -> Currency:
        return self.settings.currency

    @property
    def next_billing_at(self) -> datetime | None:
        if self.period is None or self.status in ENDED:
            return None
        if self.status is SubscriptionStatus.INCOMPLETE:
            return None
        if self.cancel_at_period_end:
            return None
        if self.status is SubscriptionStatus.PAUSED:
            if self.resume_at is None:
                return None
            end = self.period.end
            while end < self.resume_at:
                end = self._next_end(end)
            return end
        return self.period.end

    def usage_so_far(self, at: datetime) -> list[InvoiceLine]:
        """The usage lines the current period's invoice would carry for the events recorded up
        to and including ``at``: one per metered charge, priced exactly as that invoice prices
        them (none without a metered charge or a period)."""
        if self.plan is None or self.period is None:
            return []
        return self._usage_lines(self.plan, self.period, through=at)

    # -- helpers ------------------------------------------------------------------------------
    def _price(self, plan: Plan) -> PlanPrice:
        price = plan.price_in(self.currency)
        if price is None:
            raise ValidationFailed(
                {"plan": f"plan {plan.code} has no price in {self.currency.code}"},
                code=BillingErrorCode.CURRENCY,
            )
        return price

    def _next_end(self, start: datetime) -> datetime:
        assert self.plan is not None and self.anchor is not None
        n = period_index(self.anchor, self.plan.interval, start, self.settings.tz)
        return boundary(self.anchor, self.plan.interval, n + 1, self.settings.tz)

    def _require_live(self) -> None:
        if self.status is None:
            raise InvalidTransition(
                "there is no subscription yet", code=BillingErrorCode.NOT_SUBSCRIBED
            )
        if self.status in ENDED:
            raise InvalidTransition(
                "the subscription is canceled; start a new one instead"
                if self.status is SubscriptionStatus.CANCELED
                else "the subscription expired before its first payment; start a new one",
                code=BillingErrorCode.CANCELED,
            )

    def _require_settled(self) -> None:
        """Changes wait until the first payment is made (as Stripe limits incomplete updates)."""
        self._require_live()
        if self.status is SubscriptionStatus.INCOMPLETE:
            raise InvalidTransition(
                "the first payment is still due; complete it before changing the subscription",
                code=BillingErrorCode.INCOMPLETE,
            )

    def _dates(self, period: Period) -> str:
        start = period.start.astimezone(self.settings.tz)
        end = period.end.astimezone(self.settings.tz)
        if start.year != end.year:
            return f"{start:%b} {start.day}, {start.year} - {end:%b} {end.day}, {end.year}"
        return f"{start:%b} {start.day} - {end:%b} {end.day}"

    def _day(self, at: datetime) -> str:
        local = at.astimezone(self.settings.tz)
        return f"{local:%b} {local.day}, {local.year}"

    def _amount(self, minor: Fraction | int) -> str:
        return fmt_amount(Fraction(minor), self.currency)

    def _label(self, plan: Plan, charge: Charge, price: PlanPrice) -> str:
        licensed = [c for c in price.charges if not c.is_usage]
        if len(licensed) <= 1 or charge is licensed[0]:
            return plan.name
        return (
            f"{plan.name} {charge.unit_label}s"
            if charge.model is not ChargeModel.FLAT
            else plan.name
        )

    def _units(self, charge: Charge, quantity: int) -> Fraction:
        return Fraction(1) if charge.model is ChargeModel.FLAT else Fraction(quantity)

    # -- lines --------------------------------------------------------------------------------
    def _advance_lines(self, plan: Plan, quantity: int, period: Period) -> list[InvoiceLine]:
        price = self._price(plan)
        lines = []
        for charge in price.charges:
            if charge.is_usage:
                continue
            quote = price_charge(charge, self._units(charge, quantity), self.currency)
            lines.append(
                InvoiceLine(
                    kind=LineKind.SUBSCRIPTION,
                    description=f"{self._label(plan, charge, price)} ({self._dates(period)})",
                    quantity=quote.units,
                    unit_amount=quote.unit_amount,
                    amount=round_minor(quote.amount, self.settings.rounding),
                    period=period,
                    explanation=quote.explanation,
                )
            )
        return lines

    def _prorated_lines(
        self,
        plan: Plan,
        quantity: int,
        period: Period,
        share: Share,
        *,
        credit: bool,
        stub: bool = False,
        verb: str | None = None,
    ) -> list[InvoiceLine]:
        """One line per licensed charge for ``share`` of it over ``period`` (negative if credit).

        A line that comes to zero (a free component, no time left) is kept, as the simulator's
        rule 4 has one line per charge; what a person is shown leaves it out (``shown_lines``). The description
        is in words, as Stripe writes it ("Unused time on 5 x Team after Apr 16, 2024"; a stub
        names its dates like a renewal), the explanation is the arithmetic ("15/30 x 5 x 12.00")
        and the detail the same in days ("15 of 30 days x 5 x 12.00")."""
        price = self._price(plan)
        lines = []
        sign = -1 if credit else 1
        for charge in price.charges:
            if charge.is_usage:
                continue
            units = self._units(charge, quantity)
            quote = price_charge(charge, units, self.currency)
            amount = round_minor(sign * share.fraction * quote.amount, self.settings.rounding)
            if charge.model is ChargeModel.FLAT:
                priced = self._amount(quote.amount)
            elif charge.model is ChargeModel.PER_UNIT:
                priced = f"{fmt_units(units)} x {self._amount(quote.unit_amount)}"
            else:
                priced = f"({quote.explanation})"
            label = self._label(plan, charge, price)
            if stub:
                text = f"{label} ({self._dates(period)})"
            else:
                counted = f"{fmt_units(units)} x {label}" if units != 1 else label
                said = verb or ("Unused time on" if credit else "Remaining time on")
                text = f"{said} {counted} after {self._day(period.start)}"
            lines.append(
                InvoiceLine(
                    kind=LineKind.PRORATION,
                    description=text,
                    quantity=quote.units,
                    unit_amount=quote.unit_amount,
                    amount=amount,
                    period=period,
                    explanation=f"{share} x {priced}",
                    detail=f"{share.in_words()} x {priced}",
                )
            )
        return lines

    def _renewal_lines(
        self, usage_plan: Plan, ending: Period | None, plan: Plan, quantity: int, period: Period
    ) -> list[InvoiceLine]:
        """The charges of a renewal invoice in catalog order: each usage charge for the ending
        period (``ending`` None: no usage is billed, as after a trial), each licensed charge in
        advance for the new period. After a period-end plan change the old plan's usage comes
        first, then the new plan's charges."""
        usage = self._usage_lines(usage_plan, ending) if ending is not None else []
        advance = self._advance_lines(plan, quantity, period)
        addons = self._addon_lines(period)
        if usage_plan is not plan:
            return usage + advance + addons
        usage_lines, advance_lines = iter(usage), iter(advance)
        return [
            next(usage_lines) if charge.is_usage else next(advance_lines)
            for charge in self._price(plan).charges
            if not charge.is_usage or ending is not None
        ] + addons

    def _usage_lines(
        self, plan: Plan, period: Period, *, through: datetime | None = None
    ) -> list[InvoiceLine]:
        """One usage line per metered charge: its events in ``period`` (half-open), or, with
        ``through``, from the period start up to and including that instant (a cancellation bills
        usage recorded at its own instant, before it in the event list)."""
        price = self._price(plan)
        lines = []
        for charge in price.charges:
            if charge.meter is None:
                continue
            events = [
                e
                for e in self.usage
                if e.meter == charge.meter.name
                and period.start <= e.at
                and (e.at <= through if through is not None else e.at < period.end)
            ]
            units = aggregate(events, charge.meter.aggregation)
            quote = price_charge(charge, units, self.currency)
            lines.append(
                InvoiceLine(
                    kind=LineKind.USAGE,
                    description=f"{plan.name} {charge.meter.name} usage ({self._dates(period)})",
                    quantity=units,
                    unit_amount=quote.unit_amount,
                    amount=round_minor(quote.amount, self.settings.rounding),
                    period=period,
                    explanation=quote.explanation,
                )
            )
        return lines

    def _setup_fee_lines(self, plan: Plan, period: Period) -> list[InvoiceLine]:
        price = self._price(plan)
        if not price.setup_fee_minor:
            return []
        return [
            InvoiceLine(
                kind=LineKind.SETUP_FEE,
                description=f"{plan.name} setup fee",
                quantity=Fraction(1),
                unit_amount=Fraction(price.setup_fee_minor),
                amount=price.setup_fee_minor,
                period=period,
                explanation=f"1 x {self._amount(price.setup_fee_minor)}",
            )
        ]

    def _addon_lines(self, period: Period) -> list[InvoiceLine]:
        """Each add-on's charges in advance for ``period``, after the base plan's."""
        return [
            line
            for item in self.addons.values()
            for line in self._advance_lines(item.plan, item.quantity, period)
        ]

    def _addon_prorated(
        self,
        period: Period,
        share: Share,
        *,
        credit: bool,
        stub: bool = False,
        verb: str | None = None,
    ) -> list[InvoiceLine]:
        return [
            line
            for item in self.addons.values()
            for line in self._prorated_lines(
                item.plan, item.quantity, period, share, credit=credit, stub=stub, verb=verb
            )
        ]

    def _check_addon(self, base: Plan, addon: Plan, quantity: int) -> None:
        _check_quantity(quantity)
        price = self._price(addon)
        if addon.interval != base.interval:
            raise ValidationFailed(
                {
                    "addon": f"{addon.name} is billed every {addon.interval}, {base.name} every {base.interval}"
                },
                code=BillingErrorCode.ADDON,
            )
        if any(charge.is_usage for charge in price.charges):
            raise ValidationFailed(
                {"addon": f"{addon.name} has metered charges; an add-on is billed in advance"},
                code=BillingErrorCode.ADDON,
            )
        if addon.code == base.code:
            raise ValidationFailed(
                {"addon": "a plan cannot be its own add-on"}, code=BillingErrorCode.ADDON
            )

    # -- invoices -----------------------------------------------------------------------------
    def _issue(self, at: datetime, period: Period, lines: list[InvoiceLine]) -> Invoice:
        amounts = [line.amount for line in lines]
        subtotal = sum(amounts)
        discount = discount_for(
            subtotal,
            applied=self.coupon,
            carry=self.carry,
            issued_at=at,
            tz=self.settings.tz,
            rounding=self.settings.rounding,
        )
        self.carry = discount.carry
        totals = compute_totals(
            amounts,
            discount=discount.discount,
            rate=self.settings.tax_rate,
            tax_rounding=self.settings.tax_rounding,
            rounding=self.settings.rounding,
            balance=self.balance,
        )
        self.balance = totals.balance_after
        invoice = Invoice(
            number=f"INV-{len(self.invoices) + 1:06d}",
            issued_at=at,
            period=period,
            currency=self.currency.code,
            lines=tuple(lines),
            subtotal=totals.subtotal,
            discount=totals.discount,
            tax=totals.tax,
            total=totals.total,
            credit_applied=totals.credit_applied,
            amount_due=totals.amount_due,
            status=InvoiceStatus.PAID,  # with no payment failures, every invoice is paid at issue
            tax_basis=self.settings.tax_basis,
        )
        self.invoices.append(invoice)
        return invoice

    def _take_pending(self) -> list[InvoiceLine]:
        lines, self.pending = self.pending, []
        return lines

    # -- commands -----------------------------------------------------------------------------
    def subscribe(
        self,
        at: datetime,
        plan: Plan,
        *,
        quantity: int = 1,
        coupon: Coupon | None = None,
        trial_days: int | None = None,
        anchor: datetime | None = None,
        addons: tuple[tuple[Plan, int], ...] = (),
    ) -> None:
        if self.status is not None:
            raise InvalidTransition(
                "this customer is already subscribed", code=BillingErrorCode.ALREADY_SUBSCRIBED
            )
        _check_quantity(quantity)
        self._price(plan)
        for addon, addon_quantity in addons:
            self._check_addon(plan, addon, addon_quantity)
        days = plan.trial_days if trial_days is None else trial_days
        self.plan, self.quantity = plan, quantity
        self.addons = {addon.code: AddOnItem(addon, n) for addon, n in addons}
        if coupon is not None:
            self.coupon = AppliedCoupon(coupon, at)
        tz = self.settings.tz
        if days > 0:
            trial_end = boundary(at, Interval(IntervalUnit.DAY, days), 1, tz)
            if anchor is not None:
                limit = boundary(trial_end, plan.interval, 1, tz)
                if not trial_end <= anchor < limit:
                    raise ValidationFailed(
                        {
                            "anchor": "with a trial the anchor must fall between the trial's end and one interval after it"
                        },
                        code=BillingErrorCode.BAD_ANCHOR,
                    )
                self.pending_anchor = anchor if anchor > trial_end else None
            self.status = SubscriptionStatus.TRIALING
            self.anchor = trial_end
            self.period = Period(at, trial_end)
            lines = [
                InvoiceLine(
                    kind=LineKind.SUBSCRIPTION,
                    description=f"Trial period for {plan.name} ({self._dates(self.period)})",
                    quantity=line.quantity,
                    unit_amount=Fraction(0),
                    amount=0,
                    period=self.period,
                    explanation=f"free trial: {days} days",
                )
                for line in self._advance_lines(plan, quantity, self.period)
                + self._addon_lines(self.period)
            ]
            self.period_invoice = self._issue(
                at, self.period, self._setup_fee_lines(plan, self.period) + lines
            )
            return
        self.status = SubscriptionStatus.ACTIVE
        if anchor is not None and anchor != at:
            if not at < anchor < boundary(at, plan.interval, 1, tz):
                raise ValidationFailed(
                    {
                        "anchor": "the anchor must be after the start and before one interval after it"
                    },
                    code=BillingErrorCode.BAD_ANCHOR,
                )
            self.anchor = anchor
            self.period = Period(at, anchor)
            lines = self._stub_lines(plan, quantity, at, anchor)
        else:
            self.anchor = at
            self.period = Period(at, self._next_end(at))
            lines = self._advance_lines(plan, quantity, self.period)
            lines += self._addon_lines(self.period)
        self.period_invoice = self._issue(
            at, self.period, self._setup_fee_lines(plan, self.period) + lines
        )

    def _stub_lines(
        self, plan: Plan, quantity: int, start: datetime, anchor: datetime
    ) -> list[InvoiceLine]:
        """The stub ``[start, anchor)`` priced as its share of the full period ending at the anchor."""
        if self.settings.proration is ProrationUnit.NONE:
            return []
        share = remaining_share(
            self._stub_base(plan, anchor), start, self.settings.proration, self.settings.tz
        )
        stub = Period(start, anchor)
        return self._prorated_lines(
            plan, quantity, stub, share, credit=False, stub=True
        ) + self._addon_prorated(stub, share, credit=False, stub=True)

    def _stub_base(self, plan: Plan, anchor: datetime) -> Period:
        """The whole period a stub ending at ``anchor`` is prorated over: one interval back."""
        return Period(boundary(anchor, plan.interval, -1, self.settings.tz), anchor)

    def _share_left(self, at: datetime, unit: ProrationUnit | None = None) -> Share:
        """The unused share of the current period from ``at``, measured against the period that
        billed it: inside an anchored stub that is the whole period the stub was prorated over
        (``[anchor - 1 interval, anchor)``), so a credit never exceeds what the stub charged."""
        assert self.plan is not None and self.period is not None
        base = self.period
        if (
            self.anchor is not None
            and self.period.end == self.anchor
            and self.status is not SubscriptionStatus.TRIALING
        ):
            full = self._stub_base(self.plan, self.anchor)
            if full.start <= self.period.start:
                base = full
        return remaining_share(base, at, unit or self.settings.proration, self.settings.tz)

    def change(
        self,
        at: datetime,
        *,
        plan: Plan | None = None,
        quantity: int | None = None,
        timing: Timing = Timing.IMMEDIATE,
        proration: ProrationBehavior = ProrationBehavior.NEXT_INVOICE,
        effective_from: datetime | None = None,
    ) -> None:
        """Change the plan and/or quantity, now (prorated) or at the end of the period.

        A period-end change with ``effective_from`` waits for the first renewal at or after that
        instant (moving grandfathered subscriptions to a new plan version on a date)."""
        self._require_settled()
        assert self.plan is not None and self.period is not None
        new_plan = plan or self.plan
        new_quantity = self.quantity if quantity is None else quantity
        _check_quantity(new_quantity)
        self._price(new_plan)
        for item in self.addons.values():
            self._check_addon(new_plan, item.plan, item.quantity)
        if timing is Timing.PERIOD_END:
            self.scheduled = (new_plan, new_quantity)
            self.scheduled_from = effective_from
            return
        self.scheduled = None
        self.scheduled_from = None
        old_plan, old_quantity = self.plan, self.quantity
        if self.status is SubscriptionStatus.TRIALING:
            self.plan, self.quantity = new_plan, new_quantity
            return
        prorate = (
            proration is not ProrationBehavior.NONE
            and self.settings.proration is not ProrationUnit.NONE
        )
        remaining = Period(at, self.period.end) if at < self.period.end else None
        share = self._share_left(at) if prorate and remaining else None
        if new_plan.interval != old_plan.interval:
            lines: list[InvoiceLine] = []
            if share is not None and remaining is not None:
                lines += self._prorated_lines(old_plan, old_quantity, remaining, share, credit=True)
            lines += (
                self._usage_lines(old_plan, Period(self.period.start, at))
                if at > self.period.start
                else []
            )
            lines += self._take_pending()
            self.plan, self.quantity = new_plan, new_quantity
            self.anchor = at
            self.period = Period(at, self._next_end(at))
            lines += self._advance_lines(new_plan, new_quantity, self.period)
            self.period_invoice = self._issue(at, self.period, lines)
            return
        self.plan, self.quantity = new_plan, new_quantity
        if share is None or remaining is None:
            return
        lines = self._prorated_lines(old_plan, old_quantity, remaining, share, credit=True)
        lines += self._prorated_lines(new_plan, new_quantity, remaining, share, credit=False)
        if proration is ProrationBehavior.INVOICE_NOW:
            self._issue(at, remaining, self._take_pending() + lines)
        else:
            self.pending.extend(lines)

    def cancel_scheduled_change(self, at: datetime) -> None:
        self._require_live()
        if self.scheduled is None:
            raise InvalidTransition(
                "there is no scheduled change to cancel",
                code=BillingErrorCode.NO_SCHEDULED_CHANGE,
            )
        self.scheduled = None
        self.scheduled_from = None

    def set_addon(
        self,
        at: datetime,
        addon: Plan,
        quantity: int,
        *,
        proration: ProrationBehavior = ProrationBehavior.NEXT_INVOICE,
    ) -> None:
        """Attach an add-on, change its quantity, or remove it (``quantity`` 0), prorated like a
        quantity change of the base plan: a credit for the unused part of the old quantity and a
        charge for the rest of the period at the new one."""
        self._require_settled()
        assert self.plan is not None and self.period is not None
        old = self.addons.get(addon.code)
        if quantity == 0:
            if old is None:
                raise ValidationFailed(
                    {"addon": f"{addon.name} is not on this subscription"},
                    code=BillingErrorCode.ADDON,
                )
        else:
            self._check_addon(self.plan, addon, quantity)
        new = AddOnItem(addon, quantity) if quantity else None
        if new is None:
            del self.addons[addon.code]
        else:
            self.addons[addon.code] = new
        if self.status is SubscriptionStatus.TRIALING or self.status is SubscriptionStatus.PAUSED:
            return
        prorate = (
            proration is not ProrationBehavior.NONE
            and self.settings.proration is not ProrationUnit.NONE
            and at < self.period.end
        )
        if not prorate:
            return
        remaining = Period(at, self.period.end)
        share = self._share_left(at)
        lines: list[InvoiceLine] = []
        if old is not None:
            lines += self._prorated_lines(old.plan, old.quantity, remaining, share, credit=True)
        if new is not None:
            lines += self._prorated_lines(new.plan, new.quantity, remaining, share, credit=False)
        if proration is ProrationBehavior.INVOICE_NOW:
            self._issue(at, remaining, self._take_pending() + lines)
        else:
            self.pending.extend(lines)

    def record_usage(self, at: datetime, meter: str, value: Fraction, key: str | None) -> None:
        self._require_live()
        if self.status in BILLING:  # usage in a trial, a pause or before payment is not billed
            self.usage.append(UsageEvent(at, meter, value, key))

    def apply_coupon(self, at: datetime, coupon: Coupon) -> None:
        self._require_settled()
        self.coupon = AppliedCoupon(coupon, at)

    def remove_coupon(self, at: datetime) -> None:
        """End the coupon's discounts now, including any unused fixed-amount remainder."""
        self._require_live()
        if self.coupon is None and not self.carry:
            raise InvalidTransition(
                "there is no coupon on this subscription", code=BillingErrorCode.NO_COUPON
            )
        self.coupon = None
        self.carry = 0

    # -- trials -------------------------------------------------------------------------------
    def set_trial_end(self, at: datetime, trial_end: datetime) -> None:
        """Extend or shorten a running trial, or start one on an active subscription.

        On an active subscription the unused part of the paid period is credited to the next
        invoice (the one at the trial's end), with the usage so far; the trial's end becomes the
        new anchor, as every trial end does."""
        self._require_settled()
        assert self.plan is not None and self.period is not None
        if trial_end <= at:
            raise ValidationFailed(
                {"trial_end": "the trial must end in the future; to end it now, end the trial"},
                code=BillingErrorCode.BAD_TRIAL_END,
            )
        if self.pending_anchor is not None and self.pending_anchor < trial_end:
            raise ValidationFailed(
                {"trial_end": "the trial must end before the billing anchor chosen at sign-up"},
                code=BillingErrorCode.BAD_TRIAL_END,
            )
        if self.status is SubscriptionStatus.TRIALING:
            self.period = Period(self.period.start, trial_end)
            self.anchor = trial_end
            return
        if self.status not in BILLING:
            raise InvalidTransition(
                f"a {self.status} subscription cannot start a trial",
                code=BillingErrorCode.NOT_TRIALING,
            )
        lines: list[InvoiceLine] = []
        if at < self.period.end and self.settings.proration is not ProrationUnit.NONE:
            share = self._share_left(at)
            unused = Period(at, self.period.end)
            lines += self._prorated_lines(self.plan, self.quantity, unused, share, credit=True)
            lines += self._addon_prorated(unused, share, credit=True)
        if at > self.period.start:
            lines += self._usage_lines(self.plan, Period(self.period.start, at))
        self.pending.extend(lines)
        self.status = SubscriptionStatus.TRIALING
        self.period = Period(at, trial_end)
        self.anchor = trial_end

    def end_trial(self, at: datetime) -> None:
        """End the trial now: the subscription converts and is billed from this instant."""
        self._require_live()
        assert self.period is not None
        if self.status is not SubscriptionStatus.TRIALING:
            raise InvalidTransition(
                "the subscription is not in a trial", code=BillingErrorCode.NOT_TRIALING
            )
        if self.pending_anchor is not None and self.pending_anchor <= at:
            self.pending_anchor = None
        self.period = Period(self.period.start, at)
        self._roll(at)

    # -- payments -----------------------------------------------------------------------------
    def mark_incomplete(self, at: datetime) -> None:
        """The first invoice is waiting for its payment: nothing starts until it is paid, and
        the subscription expires 23 hours after it was created if it never is."""
        if self.status is not SubscriptionStatus.ACTIVE or len(self.invoices) > 1:
            raise InvalidTransition(
                "only a new, active subscription can wait for its first payment",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.INCOMPLETE
        self.incomplete_expires_at = at + INCOMPLETE_WINDOW

    def payment_succeeded(self, at: datetime) -> None:
        """A payment settled the subscription's open invoice: back to (or on to) active."""
        self._require_live()
        if self.status is SubscriptionStatus.INCOMPLETE:
            assert self.incomplete_expires_at is not None
            if at >= self.incomplete_expires_at:
                raise InvalidTransition(
                    "the subscription expired before its first payment",
                    code=BillingErrorCode.PAYMENT_STATE,
                )
            self.incomplete_expires_at = None
            self.status = SubscriptionStatus.ACTIVE
        elif self.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
            self.status = SubscriptionStatus.ACTIVE

    def payment_failed(self, at: datetime) -> None:
        """A renewal payment failed: the subscription is past due while dunning retries."""
        self._require_live()
        if self.status is SubscriptionStatus.INCOMPLETE:
            return  # still waiting for the first payment; the window keeps running
        if self.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            raise InvalidTransition(
                f"a payment failure does not apply to a {self.status} subscription",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.PAST_DUE

    def mark_unpaid(self, at: datetime) -> None:
        """Dunning gave up: invoices keep coming, but access is restricted until paid."""
        self._require_live()
        if self.status is not SubscriptionStatus.PAST_DUE:
            raise InvalidTransition(
                "only a past-due subscription can become unpaid",
                code=BillingErrorCode.PAYMENT_STATE,
            )
        self.status = SubscriptionStatus.UNPAID

    def cancel(
        self, at: datetime, *, timing: Timing = Timing.PERIOD_END, refund: Refund = Refund.NONE
    ) -> None:
        self._require_live()
        assert self.plan is not None and self.period is not None
        if timing is Timing.PERIOD_END:
            self.cancel_at_period_end = True
            return
        was_active = self.status in BILLING
        if refund is not Refund.NONE and was_active and at < self.period.end:
            self._credit_unused(at, refund)
        # a cancellation at the very instant a period starts has no usage of that period to bill
        used = Period(self.period.start, at) if at > self.period.start else None
        lines = self._usage_lines(self.plan, used, through=at) if was_active and used else []
        lines += self._take_pending()
        if lines:
            self._issue(at, used or self.period, lines)
        self.status = SubscriptionStatus.CANCELED
        self.cancel_at_period_end = False

    def _credit_unused(self, at: datetime, refund: Refund) -> None:
        assert self.plan is not None and self.period is not None
        paid = self.period_invoice
        billed = paid is not None and any(
            line.kind in (LineKind.SUBSCRIPTION, LineKind.PRORATION)
            and line.period == self.period
            and line.amount > 0
            for line in paid.lines
        )
        if paid is None or not billed:
            return  # the period's charges were never billed (a trial, a free stub)
        share = self._share_left(
            at,
            self.settings.proration
            if self.settings.proration is not ProrationUnit.NONE
            else ProrationUnit.DAY,
        )
        unused = Period(at, self.period.end)
        # the note's lines are positive amounts of the unused time
        unused_time = "Unused time on"
        lines = self._prorated_lines(
            self.plan, self.quantity, unused, share, credit=False, verb=unused_time
        )
        lines += self._addon_prorated(unused, share, credit=False, verb=unused_time)
        note_lines = tuple(
            CreditNoteLine(
                description=line.description,
                amount=line.amount,
                explanation=line.explanation,
                detail=line.detail,
            )
            for line in lines
        )
        subtotal = sum(line.amount for line in note_lines)
        discount = 0
        if paid.subtotal > 0 and paid.discount > 0:
            discount = min(
                subtotal,
                round_minor(
                    Fraction(subtotal * paid.discount, paid.subtotal), self.settings.rounding
                ),
            )
        rate = self.settings.tax_rate
        tax = compute_tax(
            [line.amount for line in note_lines],
            discount,
            rate,
            self.settings.tax_rounding,
            self.settings.rounding,
        )
        total = subtotal - discount + (0 if rate is None or rate.inclusive else tax)
        if total <= 0:
            return
        # a refund returns money that was collected: never more than the invoice charged (an
        # earlier credit may have paid part of the period); the rest is credited to the balance
        refunded = min(total, max(paid.amount_due, 0)) if refund is Refund.PRORATED_REFUND else 0
        credited = total - refunded
        self.balance -= credited
        self.credit_notes.append(
            CreditNote(
                number=f"CN-{len(self.credit_notes) + 1:06d}",
                issued_at=at,
                invoice=paid.number,
                lines=note_lines,
                subtotal=subtotal,
                discount=discount,
                tax=tax,
                total=total,
                refunded=refunded,
                credited=credited,
            )
        )

    def uncancel(self, at: datetime) -> None:
        self._require_live()
        if not self.cancel_at_period_end:
            raise InvalidTransition(
                "the subscription is not set to cancel", code=BillingErrorCode.NOT_CANCELING
            )
        self.cancel_at_period_end = False

    def pause(self, at: datetime, *, resume_at: datetime | None = None) -> None:
        self._require_settled()
        if self.status is SubscriptionStatus.PAUSED:
            raise InvalidTransition(
                "the subscription is already paused", code=BillingErrorCode.NOT_PAUSED
            )
        if resume_at is not None and resume_at <= at:
            raise ValidationFailed({"resume_at": "must be after the pause"})
        self.status = SubscriptionStatus.PAUSED
        self.resume_at = resume_at
        self.paused_at = at

    def resume(self, at: datetime) -> None:
        self._require_live()
        if self.status is not SubscriptionStatus.PAUSED:
            raise InvalidTransition(
                "the subscription is not paused", code=BillingErrorCode.NOT_PAUSED
            )
        self.status = SubscriptionStatus.ACTIVE
        self.resume_at = None

    # -- time ---------------------------------------------------------------------------------
    def advance_to(self, until: datetime) -> None:
        """Process every renewal, trial end, scheduled change and pause end due at or before ``until``."""
        while self.status is not None and self.status not in ENDED:
            assert self.period is not None
            if self.status is SubscriptionStatus.INCOMPLETE:
                assert self.incomplete_expires_at is not None
                if self.incomplete_expires_at > until:
                    return
                self.status = SubscriptionStatus.INCOMPLETE_EXPIRED
                return
            due = self.period.end
            if (
                self.status is SubscriptionStatus.PAUSED
                and self.resume_at is not None
                and self.resume_at < due
            ):
                if self.resume_at > until:
                    return
                self.resume(self.resume_at)
                continue
            if due > until:
                return
            self._roll(due)

    def _roll(self, at: datetime) -> None:
        """Renew at the end of the current period (or end the subscription there)."""
        assert self.plan is not None and self.period is not None
        ending = self.period
        was_trial = self.status is SubscriptionStatus.TRIALING
        was_paused = self.status is SubscriptionStatus.PAUSED
        # usage is billed for the time the subscription was active: a pause that began inside the
        # ending period still bills that period's usage (recorded before the pause)
        paused_within = was_paused and self.paused_at is not None and self.paused_at > ending.start
        bill_usage = not was_trial and (not was_paused or paused_within)
        if self.cancel_at_period_end:
            lines = self._take_pending()
            lines += self._usage_lines(self.plan, ending) if bill_usage else []
            if lines:
                self._issue(at, ending, lines)
            self.status = SubscriptionStatus.CANCELED
            self.cancel_at_period_end = False
            return
        usage_plan = self.plan
        if self.scheduled is not None and (
            self.scheduled_from is None or at >= self.scheduled_from
        ):
            new_plan, new_quantity = self.scheduled
            self.scheduled = None
            self.scheduled_from = None
            if new_plan.interval != self.plan.interval:
                self.anchor = at
            self.plan, self.quantity = new_plan, new_quantity
        if was_trial:
            self.status = SubscriptionStatus.ACTIVE
            if self.pending_anchor is not None:
                anchor, self.pending_anchor = self.pending_anchor, None
                self.anchor = anchor
                self.period = Period(at, anchor)
                lines = self._take_pending() + self._stub_lines(
                    self.plan, self.quantity, at, anchor
                )
                self.period_invoice = self._issue(at, self.period, lines)
                return
            self.anchor = at
        self.period = Period(at, self._next_end(at))
        if was_paused:
            if bill_usage:  # the usage of the period the pause began in
                usage = self._usage_lines(usage_plan, ending)
                if usage:
                    self._issue(at, ending, usage)
            return
        lines = self._take_pending() + self._renewal_lines(
            usage_plan, ending if bill_usage else None, self.plan, self.quantity, self.period
        )
        self.period_invoice = self._issue(at, self.period, lines)


def aggregate(events: list[UsageEvent], aggregation: Aggregation) -> Fraction:
    match aggregation:
        case Aggregation.SUM:
            return sum((e.value for e in events), Fraction(0))
        case Aggregation.COUNT:
            return Fraction(len(events))
        case Aggregation.MAX:
            return max((e.value for e in events), default=Fraction(0))
        case Aggregation.UNIQUE_COUNT:
            return Fraction(len({e.key for e in events}))
        case Aggregation.LAST:
            return events[-1].value if events else Fraction(0)
    raise AssertionError(aggregation)  # pragma: no cover


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationFailed(
            {"quantity": "must be a whole number of at least 1"}, code=BillingErrorCode.BAD_QUANTITY
        )
