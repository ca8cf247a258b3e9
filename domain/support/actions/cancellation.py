"""Cancel a subscription (at the period's end, or now with no refund, the unused time credited
to the balance or refunded to the card) and undo a cancellation set for the period's end.

The preview runs the engine's own cancel (or uncancel) on a copy at the instant shown
(``subscriptions.command_previews``); confirming runs it on the stored subscription at that
instant: the credit note, the final invoice and the e-mails are the portal's own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.billing.issued import BillingReason
from domain.shared.errors import ValidationFailed
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.command_previews import CommandPreview, Step, preview_command_in
from domain.subscriptions.engine import (
    ENDED,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
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
from domain.support.actions.inputs import choice_field, refuse
from domain.support.actions.subscription_target import (
    after_state,
    check_money_back,
    credit_note_lines,
    day,
    due_first_note,
    invoice_lines,
    only_fields,
    owned_subscription,
    plan_name,
    refuse_state,
    run_as_previewed,
    state,
)
from domain.support.ports import ActionsUnit

NOW = "now"
PERIOD_END = "period_end"
CANCELING = "cancel_at_period_end"  # the menu's flag for a subscription set to cancel
LIVE = frozenset(s.value for s in SubscriptionStatus if s not in ENDED)
REFUNDS = (
    (Refund.NONE.value, "No refund"),
    (Refund.PRORATED_CREDIT.value, "Credit the unused time to the balance"),
    (Refund.PRORATED_REFUND.value, "Refund the unused time to the card"),
)


def _cancel(timing: Timing, refund: Refund) -> Step:
    return lambda engine, at: engine.cancel(at, timing=timing, refund=refund)


class CancelSubscription(StaffAction):
    code = "subscription.cancel"
    title = "Cancel subscription"
    verb = "Cancel subscription"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    moves_money = True  # cancelling now may refund or credit the unused time
    when = LIVE
    fields = (
        ActionField("when", "Cancel", FieldKind.CHOICE,
                    choices=((PERIOD_END, "At the end of the current period"), (NOW, "Now"))),
        ActionField("refund", "Unused time", FieldKind.CHOICE, choices=REFUNDS,
                    help="Only when cancelling now: a paid period's unused part."),
    )  # fmt: skip

    def authorize(self, actor: SignedInStaff, preview: ActionPreview, svc: ActionServices) -> None:
        super().authorize(actor, preview, svc)
        check_money_back(actor, preview.total, svc)

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
        sub = await owned_subscription(uow, customer_id, target_id)
        when = choice_field(raw, "when", (NOW, PERIOD_END), PERIOD_END)
        refund = Refund(choice_field(raw, "refund", (r for r, _ in REFUNDS), Refund.NONE.value))
        if sub.status.value not in LIVE:
            raise refuse_state(f"This subscription is already {sub.status.value}.")
        if when == PERIOD_END and refund is not Refund.NONE:
            raise refuse("refund", "Cancelling at the period's end uses the whole period: "
                                   "nothing to refund or credit. Choose Now, or No refund.")  # fmt: skip
        if when == PERIOD_END and sub.cancel_at_period_end:
            raise refuse_state(f"This subscription already ends on {day(sub.period_end, sub)}. "
                               "To end it sooner, cancel now.")  # fmt: skip
        timing = Timing.IMMEDIATE if when == NOW else Timing.PERIOD_END
        try:
            cp = await preview_command_in(
                uow, sub.id, _cancel(timing, refund), at=svc.clock.now(), config=svc.config,
                lock=lock,
            )  # fmt: skip
        except ValidationFailed as exc:
            raise only_fields(exc, ("when", "refund")) from None
        name = await plan_name(uow, sub)
        terms = {"when": when, "refund": refund.value}
        if timing is Timing.PERIOD_END:
            return _at_period_end(sub_name=name, cp=cp, terms=terms)
        return _now(name, cp, terms, refund)

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
        now = preview.terms["when"] == NOW
        step = _cancel(Timing.IMMEDIATE if now else Timing.PERIOD_END,
                       Refund(preview.terms["refund"]))  # fmt: skip
        cp, outcome = await run_as_previewed(
            uow, svc, target_id, step, preview, reason=BillingReason.SUBSCRIPTION_CANCEL
        )
        notes = [n.note.number for n in outcome.credit_notes]
        invoices = [i.number for i in outcome.invoices]
        if now:
            message = (
                said("Canceled the subscription now: credit note %(number)s.",
                     number=", ".join(notes))
                if notes
                else said("Canceled the subscription now.")
            )  # fmt: skip
        else:
            message = said(
                "The subscription ends on %(day)s.", day=day(cp.before.period_end, cp.before)
            )
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=message,
            after={"credit_notes": notes, "invoices": invoices},
        )


def _at_period_end(*, sub_name: str, cp: CommandPreview, terms: dict[str, str]) -> ActionPreview:
    sub = cp.before
    ends = day(cp.period_end, sub)
    notes = [
        f"Access continues until {ends}; the subscription then ends and is not renewed.",
        "Until then it can be undone (Uncancel). The customer is e-mailed that it will end.",
    ]
    closing = cp.next_invoice
    lines: tuple[MoneyLine, ...] = ()
    if closing is not None and closing.issued_at <= cp.period_end:
        lines = invoice_lines(closing, prefix="Final invoice: ")
        notes.append(f"A final invoice on {ends} bills what is still owed (usage so far shown; "
                     "usage until then is added).")  # fmt: skip
    return ActionPreview(
        summary=f"Cancel {sub_name} at the end of the period, on {ends}",
        terms=terms,
        lines=lines,
        total=None,
        effect=f"Nothing is refunded or charged now. Access ends on {ends}.",
        notes=tuple(notes) + due_first_note(cp),
        before=state(sub),
        after=after_state(cp, access_until=cp.period_end.isoformat()),
    )


def _now(sub_name: str, cp: CommandPreview, terms: dict[str, str], refund: Refund) -> ActionPreview:
    sub = cp.before
    currency = sub.currency
    refunded = Money.of_minor(sum(n.refunded for n in cp.credit_notes), currency)
    credited = Money.of_minor(sum(n.credited for n in cp.credit_notes), currency)
    lines: list[MoneyLine] = []
    for note in cp.credit_notes:
        lines += credit_note_lines(note, currency)
    total = refunded + credited if cp.credit_notes else None
    if refunded.minor and credited.minor:
        effect = f"{refunded} refunded to the card, {credited} credited to the balance"
    elif refunded.minor:
        effect = "refunded to the card that paid the period"
    elif credited.minor:
        effect = "credited to the customer's balance, used by their next invoices"
    else:
        effect = "Nothing is refunded or credited."
    notes = ["The subscription ends now: access stops at once. The customer is e-mailed."]
    if cp.credit_notes:
        notes.append("A credit note for the unused time is issued and e-mailed to the customer.")
    elif refund is not Refund.NONE:
        notes.append("No paid time is left unused (a trial, a pause or a period not billed): "
                     "nothing to give back.")  # fmt: skip
    if refunded.minor and credited.minor:
        notes.append("Part of the period was paid from credit: that part goes back to the "
                     "balance, only what the card paid is refunded to it.")  # fmt: skip
    summary = f"Cancel {sub_name} now"
    final = [i for i in cp.invoices_now if i.total]
    if final:
        billed = Money.of_minor(sum(i.total for i in final), currency)
        due = Money.of_minor(sum(i.amount_due for i in final), currency)
        summary += f"; final invoice of {billed} for what is still owed ({due} to pay)"
        notes.append("The final invoice bills the usage so far and any pending charges; the "
                     "account's credit pays it first, the rest is charged to the card.")  # fmt: skip
    facts = tuple(
        line for invoice in final for line in invoice_lines(invoice, prefix="Final invoice: ")
    )
    balance = Money.of_minor(cp.balance_after_minor, currency)
    facts += (MoneyLine("Balance afterwards (negative: credit)", balance),)
    return ActionPreview(
        summary=summary,
        terms=terms,
        lines=tuple(lines),
        total=total,
        effect=effect,
        notes=tuple(notes) + due_first_note(cp),
        facts=facts,
        before=state(sub),
        after=after_state(
            cp, access_until=cp.at.isoformat(), refunded=str(refunded), credited=str(credited)
        ),
    )


class UncancelSubscription(StaffAction):
    code = "subscription.uncancel"
    title = "Don't cancel (keep renewing)"
    verb = "Keep renewing"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    when = frozenset({CANCELING})

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
        sub = await owned_subscription(uow, customer_id, target_id)
        if not sub.cancel_at_period_end or sub.status.value not in LIVE:
            raise refuse_state("This subscription is not set to cancel at the period's end.")
        cp = await preview_command_in(
            uow, sub.id, _uncancel, at=svc.clock.now(), config=svc.config, lock=lock
        )
        name = await plan_name(uow, sub)
        renews = day(cp.period_end, sub)
        nxt = cp.next_invoice
        lines = invoice_lines(nxt) if nxt is not None else ()
        facts: tuple[MoneyLine, ...] = ()
        if nxt is not None:
            due = Money.of_minor(nxt.amount_due, sub.currency)
            facts = (MoneyLine(f"Next invoice ({day(nxt.issued_at, sub)}), amount due", due),)
        effect = (
            f"Nothing is charged now. The next invoice, {Money.of_minor(nxt.amount_due, sub.currency)}"
            f" due, is issued on {day(nxt.issued_at, sub)} and charged to the saved card."
            if nxt is not None
            else "Nothing is charged now."
        )
        return ActionPreview(
            summary=f"Keep {name} renewing: it no longer ends on {renews}",
            terms={},
            lines=lines,
            total=None,
            effect=effect,
            notes=(
                "The customer is e-mailed that the cancellation is undone.",
                *due_first_note(cp),
            ),
            facts=facts,
            before=state(sub),
            after=after_state(cp),
        )

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
        _, outcome = await run_as_previewed(
            uow, svc, target_id, _uncancel, preview, reason=BillingReason.SUBSCRIPTION_UPDATE
        )
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=said("The subscription keeps renewing; its cancellation is undone."),
            after={"invoices": [i.number for i in outcome.invoices]},
        )


def _uncancel(engine: SubscriptionEngine, at: datetime) -> None:
    engine.uncancel(at)
