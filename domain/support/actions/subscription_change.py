"""Change a subscription's plan or seats, now or at the end of its period, priced by the engine.

The preview is the engine's quote (``plan_changes.quote_change_in``): the invoice the change
issues now (charged to the default card after the commit, as the portal's change is: the
``payments.collect_invoice`` job queued with it) or the proration lines that wait for the next
invoice, or for a change at the period's end the renewal invoice on the new plan. The quote's
instant travels with the preview (a hidden term), so confirming makes the change at that instant
(``confirm_change_in``, within the hour, as the portal confirms its quote) and bills exactly the
lines shown.

Staff choose any current public base plan sold in the subscription's currency (the portal's
list), and, unlike the portal, when the change applies and how it is prorated: the default is
the plan pair's rule, as the portal applies it (as Stripe's Dashboard lets staff pick the
proration and the timing that the customer portal fixes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.billing.model import Invoice
from domain.catalog.model import Plan
from domain.shared.errors import InvalidTransition
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.change_options import choices_in, renewal_after_change_in
from domain.subscriptions.engine import ProrationBehavior, SubscriptionStatus, Timing
from domain.subscriptions.model import Subscription
from domain.subscriptions.plan_changes import (
    QUOTE_VALIDITY,
    confirm_change_in,
    quote_change_in,
)
from domain.subscriptions.plan_facts import has_seats
from domain.subscriptions.quotes import ChangeQuote
from domain.subscriptions.reads import subscription_in
from domain.support.actions.base import (
    ActionField,
    ActionPreview,
    ActionServices,
    Executed,
    FieldKind,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.inputs import choice_field, int_field, refuse
from domain.support.actions.invoice_lines import amount_due, bill_lines, invoice_lines
from domain.support.ports import ActionsUnit

POLICY = "policy"
TIMINGS = (
    (POLICY, "As the plan pair's rule says (as in the portal)"),
    (Timing.IMMEDIATE.value, "Now"),
    (Timing.PERIOD_END.value, "At the end of the current period"),
)
PRORATIONS = (
    (POLICY, "As the plan pair's rule says (as in the portal)"),
    (ProrationBehavior.INVOICE_NOW.value, "Invoice the difference now"),
    (ProrationBehavior.NEXT_INVOICE.value, "Add the difference to the next invoice"),
    (ProrationBehavior.NONE.value, "Do not prorate"),
)
MAX_SEATS_TYPED = 1_000_000  # the plan's own limit (check_seats) says the real one
CHANGEABLE = frozenset(
    s.value
    for s in (
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
    )
)


def _day(at: datetime, tz: str) -> str:
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%b} {local.day}, {local.year}"


def _named(plan: Plan, quantity: int, currency: str) -> str:
    return f"{plan.name} × {quantity}" if has_seats(plan, currency) else plan.name


def _instant(raw: Mapping[str, str], now: datetime) -> datetime:
    """The quote's instant carried back by the confirm form (``at``), else now. Refused when it
    is not one this server could have shown within the hour."""
    text = raw.get("at", "").strip()
    if not text:
        return now
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise refuse("", "This preview could not be read; preview the change again.") from None
    if at.tzinfo is None or at > now or now - at > QUOTE_VALIDITY:
        raise refuse("", "This preview was shown over an hour ago; preview the change again.")
    return at


class ChangeSubscription(StaffAction):
    code = "subscription.change"
    title = "Change plan or seats"
    verb = "Change"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.MONEY_ACT  # it charges the card (or credits) the difference
    moves_money = True
    when = CHANGEABLE
    fields = (
        ActionField("plan", "Plan", FieldKind.CHOICE,
                    help="Any current plan sold in the subscription's currency."),
        ActionField("quantity", "Seats", FieldKind.INTEGER, required=False, max_length=9,
                    help="For plans billed by the seat; leave empty to keep the seats."),
        ActionField("timing", "When", FieldKind.CHOICE, choices=TIMINGS),
        ActionField("proration", "Proration", FieldKind.CHOICE, choices=PRORATIONS,
                    help="For a change made now: how the rest of the period is billed."),
        ActionField("at", "Quoted at", FieldKind.HIDDEN, required=False, max_length=40),
    )  # fmt: skip

    async def form_fields(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str
    ) -> tuple[ActionField, ...]:
        sub = await subscription_in(uow, SubscriptionId(target_id), CustomerId(customer_id))
        choices = await choices_in(uow, sub)
        plans = tuple(
            (c.code, f"{c.name} ({c.interval}ly)" + (" — current" if c.current else ""))
            for c in choices
        )
        current = next((c.code for c in choices if c.current), "")
        return tuple(
            replace(f, choices=plans, default=current) if f.name == "plan" else f
            for f in self.fields
        )

    async def preview(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        customer_id: str,
        target_id: str,
        raw: Mapping[str, str],
        lock: bool,
    ) -> ActionPreview:
        sub = await subscription_in(uow, SubscriptionId(target_id), CustomerId(customer_id))
        if sub.status.value not in CHANGEABLE:
            raise InvalidTransition(
                f"A {sub.status.value.replace('_', ' ')} subscription cannot change plan; it "
                "must be active, trialing, past due or unpaid.", code="support.not_changeable",
            )  # fmt: skip
        old = await uow.plans.get(sub.plan_id)
        assert old is not None
        choices = {c.code: c for c in await choices_in(uow, sub)}
        plan_code = choice_field(raw, "plan", choices, old.code)
        new = old if plan_code == old.code else await uow.plans.get_by_code(plan_code)
        assert new is not None
        seats = has_seats(new, sub.currency)
        quantity = sub.quantity
        if seats and raw.get("quantity", "").strip():
            quantity = int_field(raw, "quantity", low=1, high=MAX_SEATS_TYPED)
        if plan_code == old.code and quantity == sub.quantity:
            raise refuse("plan", "Choose another plan or another number of seats.",
                         code="support.nothing_to_change")  # fmt: skip
        timing = choice_field(raw, "timing", (v for v, _ in TIMINGS), POLICY)
        proration = choice_field(raw, "proration", (v for v, _ in PRORATIONS), POLICY)
        at = _instant(raw, svc.clock.now())
        quote = await quote_change_in(
            uow,
            sub.id,
            plan_code=plan_code if plan_code != old.code else None,
            quantity=quantity if seats else None,
            timing=None if timing == POLICY else Timing(timing),
            proration=None if proration == POLICY else ProrationBehavior(proration),
            now=at,
            config=svc.config,
            as_customer=CustomerId(customer_id),
        )
        return await self._shown(uow, svc, sub, old, new, quote)

    async def _shown(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        sub: Subscription,
        old: Plan,
        new: Plan,
        quote: ChangeQuote,
    ) -> ActionPreview:
        cur = sub.currency
        tz = sub.timezone
        now = quote.timing is Timing.IMMEDIATE
        before = _named(old, sub.quantity, cur)
        after = _named(new, quote.quantity, cur)
        when = "now" if now else f"on {_day(sub.period_end, tz)}, when the period ends"
        invoice = quote.invoice
        lines: list[MoneyLine] = []
        notes: list[str] = []
        facts: list[MoneyLine] = []
        total: Money | None = None
        effect = ""
        if now and invoice is not None:
            lines = invoice_lines(invoice)
            total = amount_due(invoice)
            effect = await self._charge_effect(uow, sub, invoice)
            if invoice.total < 0:
                notes.append(f"The unused time leaves {Money.of_minor(-invoice.total, cur)} "
                             "of credit on the customer's balance for their next invoices.")  # fmt: skip
        elif now:
            lines = bill_lines(quote.pending_lines, cur)
            effect = ("Nothing is charged now: the difference is added to the next invoice."
                      if lines else "Nothing is charged now and nothing is prorated.")  # fmt: skip
        elif invoice is not None:
            lines = invoice_lines(invoice, prefix=f"{_day(invoice.issued_at, tz)}: ")
            effect = (f"Nothing is charged now; the renewal on {_day(invoice.issued_at, tz)} "
                      f"bills {amount_due(invoice)} on the new plan.")  # fmt: skip
        if now:
            renewal = await renewal_after_change_in(uow, sub, quote, config=svc.config)
            if renewal is not None:
                facts.append(
                    MoneyLine(f"Next renewal on {_day(renewal.issued_at, tz)}", amount_due(renewal))
                )
        if sub.status is SubscriptionStatus.TRIALING and now:
            notes.append("The subscription is in its trial: the new plan applies at once and "
                         "nothing is billed until the trial ends.")  # fmt: skip
        if sub.scheduled_plan_id is not None:
            notes.append("This replaces the change already scheduled for the period's end.")
        notes.append("The customer sees the change in their portal; any invoice is e-mailed "
                     "as for a change they make themselves.")  # fmt: skip
        return ActionPreview(
            summary=f"Change {before} to {after} {when}",
            terms={
                "plan": new.code,
                "quantity": str(quote.quantity),
                "timing": quote.timing.value,
                "proration": quote.proration.value,
                "at": quote.at.isoformat(),
                "quote": quote.version,
            },
            lines=tuple(lines),
            total=total,
            effect=effect,
            notes=tuple(notes),
            facts=tuple(facts),
            before={"plan": old.code, "quantity": sub.quantity},
            after={
                "plan": new.code,
                "quantity": quote.quantity,
                "timing": quote.timing.value,
                "proration": quote.proration.value,
            },
        )

    async def _charge_effect(self, uow: ActionsUnit, sub: Subscription, invoice: Invoice) -> str:
        if invoice.amount_due <= 0:
            return "Due now (nothing to charge)"
        methods = await uow.payment_methods.for_customer(sub.customer_id)
        card = next((m for m in methods if m.is_default), None)
        if card is None:
            return "Due now (no card on file: the invoice stays open)"
        return f"Charged now to {card.brand.title()} •••• {card.last4}"

    async def execute(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        actor: SignedInStaff,
        customer_id: str,
        target_id: str,
        preview: ActionPreview,
        reason: str,
    ) -> Executed:
        terms = preview.terms
        quote = ChangeQuote(
            at=datetime.fromisoformat(terms["at"]),
            plan_code=terms["plan"],
            quantity=int(terms["quantity"]),
            timing=Timing(terms["timing"]),
            proration=ProrationBehavior(terms["proration"]),
            version=terms["quote"],
            invoice=None,
            pending_lines=(),
        )
        outcome = await confirm_change_in(
            uow, SubscriptionId(target_id), quote, now=svc.clock.now(), config=svc.config,
            as_customer=CustomerId(customer_id),
        )  # fmt: skip
        issued = [i for i in outcome.invoices if i.invoice.total != 0 or i.invoice.lines]
        if not issued:
            message = said("%(change)s.", change=preview.summary)
        elif issued[0].invoice.amount_due > 0:
            message = said("%(change)s. Invoice %(number)s issued, charged to the card on file.",
                           change=preview.summary, number=issued[0].number)  # fmt: skip
        else:
            message = said("%(change)s. Invoice %(number)s issued.", change=preview.summary,
                           number=issued[0].number)  # fmt: skip
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=message,
            after={"invoice": issued[0].number} if issued else {},
        )
