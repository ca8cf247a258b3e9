"""Pause a subscription (for 1 to 3 billing periods or until a date: the portal's rule,
``subscriptions.pause``) and resume a paused one now. Previews run the engine's pause or
resume on a copy at the instant shown; confirming runs it on the stored subscription then."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from domain.billing.issued import BillingReason
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.command_previews import Step, preview_command_in
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus
from domain.subscriptions.pause import MAX_PAUSE_PERIODS, may_pause, resume_at_for
from domain.subscriptions.subscription_views import view_in
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
from domain.support.actions.inputs import choice_field, date_field
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

UNTIL = "until"
PERIODS = (
    *(
        (str(n), f"{n} billing period{'s' if n > 1 else ''}")
        for n in range(1, MAX_PAUSE_PERIODS + 1)
    ),
    (UNTIL, "Until a date"),
)


def _pause(resume_at: datetime) -> Step:
    return lambda engine, at: engine.pause(at, resume_at=resume_at)


def _resume(engine: SubscriptionEngine, at: datetime) -> None:
    engine.resume(at)


class PauseSubscription(StaffAction):
    code = "subscription.pause"
    title = "Pause subscription"
    verb = "Pause"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    when = frozenset({SubscriptionStatus.ACTIVE.value, SubscriptionStatus.TRIALING.value})
    fields = (
        ActionField("periods", "Pause for", FieldKind.CHOICE, choices=PERIODS,
                    help="The renewals in the pause are skipped."),
        ActionField("until", "Resume on", FieldKind.DATE, required=False,
                    help="With \u201cUntil a date\u201d: within a year."),
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
        sub = await owned_subscription(uow, customer_id, target_id)
        choice = choice_field(raw, "periods", (v for v, _ in PERIODS), "1")
        until = None
        if choice == UNTIL:
            day_ = date_field(raw, "until")
            until = datetime.combine(day_, time(0), tzinfo=UTC)  # as the portal's form
        now = svc.clock.now()
        view = await view_in(uow, sub, now=now, config=svc.config, upcoming=[])
        if not may_pause(view):
            if not view.pausable:
                raise refuse_state(f"{view.plan_name} cannot be paused (the catalog says so).")
            if view.scheduled is not None:
                raise refuse_state("A plan change is scheduled: cancel it before pausing.")
            raise refuse_state(f"A {sub.status.value.replace('_', ' ')} subscription cannot be "
                               "paused; only an active or trialing one.")  # fmt: skip
        plan = await uow.plans.get(sub.plan_id)
        assert plan is not None
        try:
            resume_at = resume_at_for(
                sub, plan, now=now, periods=None if until else int(choice), until=until
            )
            cp = await preview_command_in(
                uow, sub.id, _pause(resume_at), at=now, config=svc.config, lock=lock
            )
        except ValidationFailed as exc:
            raise only_fields(exc, ("periods", "until")) from None
        resumes = day(resume_at, sub)
        billed = cp.next_billed
        lines = invoice_lines(billed) if billed is not None else ()
        facts = (
            (MoneyLine(f"First invoice after the pause ({day(billed.issued_at, sub)}), amount due",
                       Money.of_minor(billed.amount_due, sub.currency)),)
            if billed is not None else ()
        )  # fmt: skip
        return ActionPreview(
            summary=f"Pause {view.plan_name} until {resumes}",
            terms={"periods": choice, "until": until.date().isoformat() if until else ""},
            lines=lines,
            total=None,
            effect=f"Nothing is billed while paused; it resumes by itself on {resumes}.",
            notes=(
                "Access stops now, until the subscription resumes. The customer is e-mailed.",
                "Staff can resume it sooner (Resume subscription).",
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
        resume_at = datetime.fromisoformat(str(preview.after["resume_at"]))
        cp, _ = await run_as_previewed(
            uow, svc, target_id, _pause(resume_at), preview,
            reason=BillingReason.SUBSCRIPTION_UPDATE,
        )  # fmt: skip
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=said("Paused the subscription until %(day)s.", day=day(resume_at, cp.before)),
        )


class ResumeSubscription(StaffAction):
    code = "subscription.resume"
    title = "Resume subscription"
    verb = "Resume now"
    target = TargetKind.SUBSCRIPTION
    permission = Permission.CUSTOMERS_ACT
    when = frozenset({SubscriptionStatus.PAUSED.value})

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
        if sub.status is not SubscriptionStatus.PAUSED:
            raise refuse_state("This subscription is not paused.")
        now = svc.clock.now()
        try:
            cp = await preview_command_in(
                uow, sub.id, _resume, at=now, config=svc.config, lock=lock
            )
        except InvalidTransition:  # its pause ended by itself (not yet run by the scheduler)
            raise refuse_state("This subscription is no longer paused: its pause ended.") from None
        name = await plan_name(uow, sub)
        billed_now = [i for i in cp.invoices_now if i.total]
        nxt = cp.next_billed
        total = None
        if billed_now:
            lines = tuple(line for i in billed_now for line in invoice_lines(i))
            total = Money.of_minor(sum(i.amount_due for i in billed_now), sub.currency)
            effect = "invoiced now and charged to the saved card"
        elif nxt is not None:
            lines = invoice_lines(nxt)
            effect = (f"Nothing is invoiced now. The next invoice, "
                      f"{Money.of_minor(nxt.amount_due, sub.currency)} due, is issued on "
                      f"{day(nxt.issued_at, sub)}.")  # fmt: skip
        else:
            lines, effect = (), "Nothing is invoiced now."
        notes = [
            f"Access is back now. Nothing more is charged for the current period (until "
            f"{day(cp.period_end, sub)}); billing restarts with the renewal then.",
            "The customer is e-mailed that the subscription resumed.",
        ]
        if sub.resume_at is not None:
            notes.append(f"It was set to resume by itself on {day(sub.resume_at, sub)}.")
        return ActionPreview(
            summary=f"Resume {name} now",
            terms={},
            lines=lines,
            total=total,
            effect=effect,
            notes=tuple(notes) + due_first_note(cp),
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
            uow, svc, target_id, _resume, preview, reason=BillingReason.SUBSCRIPTION_UPDATE
        )
        return Executed(
            object_type="subscription",
            object_id=target_id,
            message=said("Resumed the subscription."),
            after={"invoices": [i.number for i in outcome.invoices]},
        )
