"""Move a trial's end to another day, or end the trial now. Previews run the engine's
``set_trial_end`` or ``end_trial`` on a copy at the instant shown and show the first invoice and
when it is charged; confirming runs the same on the stored subscription at that instant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.billing.issued import BillingReason
from domain.shared.errors import ValidationFailed
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.command_previews import Step, preview_command_in
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.model import Subscription
from domain.subscriptions.trials import trial_end_on
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
from domain.support.actions.inputs import date_field
from domain.support.actions.subscription_target import (
    after_state,
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

TRIALING = frozenset({SubscriptionStatus.TRIALING.value})


def _trial_until(trial_end: datetime) -> Step:
    return lambda engine, at: engine.set_trial_end(at, trial_end)


def _end_trial(engine: SubscriptionEngine, at: datetime) -> None:
    engine.end_trial(at)


async def _trialing(uow: ActionsUnit, customer_id: str, target_id: str) -> Subscription:
    sub = await owned_subscription(uow, customer_id, target_id)
    if sub.status is not SubscriptionStatus.TRIALING:
        raise refuse_state(
            f"This subscription is {sub.status.value.replace('_', ' ')}, not in a trial."
        )
    return sub


class ExtendTrial(StaffAction):
    code = "subscription.trial_extend"
    title = "Change trial end"
    verb = "Change trial end"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    when = TRIALING
    fields = (
        ActionField("trial_end", "Trial ends on", FieldKind.DATE, required=False,
                    help="Empty: one week after the current end. The hour stays the same."),
    )  # fmt: skip

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
        sub = await _trialing(uow, customer_id, target_id)
        now = svc.clock.now()
        if raw.get("trial_end", "").strip():
            on = date_field(raw, "trial_end")
        else:
            on = (sub.period_end + timedelta(days=7)).astimezone(ZoneInfo(sub.timezone)).date()
        try:
            trial_end = trial_end_on(sub, on, now=now)
            cp = await preview_command_in(
                uow, sub.id, _trial_until(trial_end), at=now, config=svc.config, lock=lock
            )
        except ValidationFailed as exc:
            raise only_fields(exc, ("trial_end",)) from None
        name = await plan_name(uow, sub)
        first = cp.next_invoice
        was, now_ends = day(sub.period_end, sub), day(trial_end, sub)
        verb = "Extend" if trial_end > sub.period_end else "Shorten"
        facts: tuple[MoneyLine, ...] = ()
        if first is not None:
            due = Money.of_minor(first.amount_due, sub.currency)
            effect = (f"Nothing is charged now. The first invoice, {due} due, is issued on "
                      f"{day(first.issued_at, sub)} and charged then to the saved card.")  # fmt: skip
            facts = (MoneyLine(f"First invoice ({day(first.issued_at, sub)}), amount due", due),)
        else:
            effect = "Nothing is charged now, and no invoice follows the trial."
        return ActionPreview(
            summary=f"{verb} the trial of {name}: it ends on {now_ends} instead of {was}",
            terms={"trial_end": on.isoformat()},
            lines=invoice_lines(first) if first is not None else (),
            total=None,
            effect=effect,
            notes=(
                "The renewal date moves with it: later invoices come on the same day of "
                "the month as the new trial end.",
                *due_first_note(cp),
            ),
            facts=facts,
            before={**state(sub), "trial_end": sub.period_end.isoformat()},
            after=after_state(cp, trial_end=trial_end.isoformat()),
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
        trial_end = datetime.fromisoformat(str(preview.after["trial_end"]))
        cp, _ = await run_as_previewed(
            uow, svc, target_id, _trial_until(trial_end), preview,
            reason=BillingReason.SUBSCRIPTION_UPDATE,
        )  # fmt: skip
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=said("The trial now ends on %(day)s.", day=day(trial_end, cp.before)),
        )


class EndTrial(StaffAction):
    code = "subscription.trial_end_now"
    title = "End trial now"
    verb = "End trial"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    when = TRIALING

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
        sub = await _trialing(uow, customer_id, target_id)
        if svc.clock.now() <= sub.period_start:
            raise refuse_state("The trial began this very moment; end it a moment later.")
        cp = await preview_command_in(
            uow, sub.id, _end_trial, at=svc.clock.now(), config=svc.config, lock=lock
        )
        name = await plan_name(uow, sub)
        first = next(iter(cp.invoices_now), None)
        total = None
        lines: tuple[MoneyLine, ...] = ()
        effect = "Nothing is invoiced now."
        if first is not None:
            lines = invoice_lines(first)
            total = Money.of_minor(first.amount_due, sub.currency)
            effect = "invoiced now and charged at once to the saved card"
        return ActionPreview(
            summary=f"End the trial of {name} now (it was to end on {day(sub.period_end, sub)})",
            terms={},
            lines=lines,
            total=total,
            effect=effect,
            notes=(
                "The subscription is active from now; it renews every period from today "
                f"(next on {day(cp.period_end, sub)}).",
                "If the charge fails, the invoice stays open and the usual retries and "
                "e-mails follow.",
                *due_first_note(cp),
            ),
            before={**state(sub), "trial_end": sub.period_end.isoformat()},
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
            uow, svc, target_id, _end_trial, preview, reason=BillingReason.SUBSCRIPTION_CYCLE
        )
        numbers = [i.number for i in outcome.invoices]
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=(
                said("Ended the trial: invoice %(number)s.", number=numbers[-1])
                if numbers
                else said("Ended the trial.")
            ),
            after={"invoices": numbers},
        )
