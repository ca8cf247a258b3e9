"""Changing plan or seats as the portal offers it: the plans one may change to (priced at the
chosen seats), the engine's quote explained in words, the renewal after an immediate change,
and the change page's read model (``change_view``) composed from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.model import Invoice, InvoiceLine
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Money
from domain.shared.periods import Period
from domain.subscriptions._engine_store import load_customer, load_engine, load_subscription
from domain.subscriptions.addons import AddonOffer, AddonQuote, addon_offers_in
from domain.subscriptions.engine import Timing
from domain.subscriptions.model import Subscription
from domain.subscriptions.plan_changes import plan_for_quote, quote_change_in
from domain.subscriptions.plan_facts import has_seats, is_metered, recurring_minor
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.quotes import ChangeQuote
from domain.subscriptions.subscription_views import SubscriptionView, view_in
from domain.subscriptions.usage import UsageSoFar, usage_in


@dataclass(frozen=True, slots=True)
class PlanChoice:
    code: str
    name: str
    interval: str
    price_minor: int  # one period at the chosen quantity, before usage and tax
    seats: bool
    current: bool
    metered: bool = False  # usage is billed on top, in arrears


async def choices_in(
    uow: SubscriptionsUnit, sub: Subscription, quantity: int | None = None
) -> list[PlanChoice]:
    """The public base plans sold in the subscription's currency (its own plan included), each
    priced at ``quantity`` seats (default: the subscription's), in catalog order."""
    current = await uow.plans.get(sub.plan_id)
    assert current is not None
    choices = []
    for plan in [p for p in await uow.plans.list_public() if p.code != current.code] + [current]:
        price = recurring_minor(plan, quantity or sub.quantity, sub.currency)
        if price is None:
            continue
        choices.append(
            PlanChoice(
                plan.code,
                plan.name,
                str(plan.interval),
                price,
                has_seats(plan, sub.currency),
                plan.code == current.code,
                is_metered(plan, sub.currency),
            )
        )
    order = {p.code: p.sort_order for p in await uow.plans.list_public()}
    return sorted(choices, key=lambda c: (order.get(c.code, 0), c.code))


# -- quotes explained -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ExplainedLine:
    text: str  # the engine's words: "Unused time on 3 x Team seats after Nov 13, 2026"
    detail: str  # its arithmetic in days: "18 of 30 days x 3 x 12.00"
    amount: int
    period: Period | None = None  # the invoice line's, for its dates in the reader's language

    @property
    def description(self) -> str:
        return self.text

    @property
    def shown_detail(self) -> str:
        return self.detail


def explain_line(line: InvoiceLine) -> ExplainedLine:
    """An invoice line as a quote shows it: the engine's description, which is already in words,
    and the arithmetic in days (not seconds) as a quiet second line."""
    return ExplainedLine(line.description, line.shown_detail, line.amount, line.period)


@dataclass(frozen=True, slots=True)
class ExplainedQuote:
    quote: ChangeQuote | AddonQuote
    lines: tuple[ExplainedLine, ...]
    due_now_minor: int  # charged at confirmation (0 when the change waits for the renewal)
    effective_at: datetime
    immediate: bool
    next_invoice: Invoice | None  # the first invoice after the change (for a scheduled one: it)

    def _shown(self, minor: int) -> Money:
        assert self.next_invoice is not None
        return Money.of_minor(minor, self.next_invoice.currency)

    @property
    def discount(self) -> Money | None:
        """The next invoice's discount as the quote shows it (taken off: negative)."""
        invoice = self.next_invoice
        return self._shown(-invoice.discount) if invoice and invoice.discount else None

    @property
    def tax(self) -> Money | None:
        invoice = self.next_invoice
        return self._shown(invoice.tax) if invoice and invoice.tax else None

    @property
    def credit_applied(self) -> Money | None:
        """The credit the next invoice uses, as the quote shows it (taken off: negative)."""
        invoice = self.next_invoice
        return self._shown(-invoice.credit_applied) if invoice and invoice.credit_applied else None

    @property
    def credit_kept(self) -> Money | None:
        """The unused time kept as credit (a next invoice below zero), when there is some."""
        invoice = self.next_invoice
        return self._shown(-invoice.total) if invoice and invoice.total < 0 else None


def explain_quote(quote: ChangeQuote | AddonQuote, *, period_end: datetime) -> ExplainedQuote:
    immediate = quote.timing is Timing.IMMEDIATE
    invoice = quote.invoice
    lines = [*(invoice.lines if invoice else ()), *quote.pending_lines]
    due = invoice.amount_due if invoice is not None and immediate else 0
    return ExplainedQuote(
        quote=quote,
        # a free component (a 0.00 platform fee) explains nothing; keep the lines that bill
        lines=tuple(explain_line(line) for line in lines if line.amount != 0),
        due_now_minor=due,
        effective_at=quote.at if immediate else period_end,
        immediate=immediate,
        next_invoice=invoice,
    )


async def renewal_after_change_in(
    uow: SubscriptionsUnit, sub: Subscription, quote: ChangeQuote, *, config: BillingConfig
) -> Invoice | None:
    """The first invoice after the one the quoted change issues now: for an immediate change,
    the next renewal on the new plan (what the subscriber pays from then on)."""
    customer = await load_customer(uow, sub.customer_id)
    plan = await plan_for_quote(uow, sub, quote)
    engine = await load_engine(uow, sub, customer, config, extra_plans=(plan,) if plan else ())
    engine.advance_to(quote.at)
    engine.change(
        quote.at, plan=plan, quantity=quote.quantity, timing=quote.timing,
        proration=quote.proration,
    )  # fmt: skip
    issued = len(engine.invoices)
    assert engine.period is not None
    engine.advance_to(engine.period.end)
    later = engine.invoices[issued:]
    return later[0] if later else None


# -- the change page ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ChangeView:
    """The plan form priced at the chosen seats, the engine's quote (``change``: its terms, to
    sign; ``quote``: explained), the renewal after an immediate change, add-ons and usage."""

    sub: SubscriptionView
    choices: tuple[PlanChoice, ...]
    seats: bool  # the chosen plan bills by the seat: the form has a seat field
    hint_quantity: int  # the seats the plans are priced at
    plan: str  # the form as sent (or the subscription's own)
    quantity: str
    errors: dict[str, str]
    change: ChangeQuote | None
    quote: ExplainedQuote | None
    renewal: Invoice | None
    unchanged: bool
    addons: tuple[AddonOffer, ...]
    usage: UsageSoFar | None


def _seats_asked(raw: str) -> int:
    """The seats typed: a whole number (anything else is 0, which the quote refuses)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0


async def change_view(
    subscription_id: SubscriptionId,
    *,
    plan: str | None,
    quantity: str | None,
    uow: SubscriptionsUnit,
    clock: Clock,
    config: BillingConfig,
    as_customer: CustomerId | None,
) -> ChangeView:
    """The change page for the plan and seats asked (``None``: the subscription's own). The seat
    field exists only for a plan that bills by the seat; a flat plan ignores any ``quantity``;
    the quote judges the seats against the plan's limit (``check_seats``)."""
    now = clock.now()
    async with uow:
        sub = await load_subscription(uow, subscription_id, as_customer)
        view = await view_in(uow, sub, now=now, config=config)
        plan_code = plan or view.plan_code
        errors: dict[str, str] = {}
        raw_qty = (quantity or "").strip()
        qty: int | None = _seats_asked(raw_qty) if raw_qty else view.quantity
        choices = await choices_in(uow, sub, qty or view.quantity)
        chosen = next((c for c in choices if c.code == plan_code), None)
        if chosen is None:
            errors["plan"] = "Choose one of the plans listed."
        seats = chosen.seats if chosen is not None else view.seats
        same_seats = not seats or qty == view.quantity
        unchanged = not errors and plan_code == view.plan_code and same_seats
        change, explained, renewal = None, None, None
        if not errors and not unchanged:
            moved = plan_code != view.plan_code
            try:
                change = await quote_change_in(
                    uow,
                    sub.id,
                    plan_code=plan_code if moved else None,
                    quantity=qty if seats and (qty != view.quantity or moved) else None,
                    now=now,
                    config=config,
                    as_customer=as_customer,
                )
            except ValidationFailed as refused:
                errors.update(refused.field_errors)
                qty = None
            else:
                explained = explain_quote(change, period_end=view.period_end)
                if explained.immediate:
                    renewal = await renewal_after_change_in(uow, sub, change, config=config)
        addons = await addon_offers_in(uow, sub)
        usage = await usage_in(uow, sub, now=now, config=config)
    return ChangeView(
        sub=view,
        choices=tuple(choices),
        seats=seats,
        hint_quantity=qty or view.quantity,
        plan=plan_code,
        quantity=raw_qty or str(view.quantity),
        errors=errors,
        change=change,
        quote=explained,
        renewal=renewal,
        unchanged=unchanged,
        addons=addons,
        usage=usage,
    )
