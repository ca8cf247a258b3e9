"""The admin's dunning policy: read it (``OPERATIONS_READ``), preview a change and make it
(``OPERATIONS_ACT``, audited ``dunning_policy.changed`` with the policy before and after).

The preview says what the policy does: "a renewal payment that fails on <date> is retried on
<dates>, then the subscription is <action> and the invoice <action>", and what happens to the
cases open now. The rule for those (``after_failure`` in ``dunning.py``; Zuora documents the
same rule for its configurable retries, Stripe's documentation does not say): an open
case keeps the attempt it has scheduled; when that attempt fails, its next retry comes from the
new days, still counted from its first failure (never before the moment of that failure); a case
that has used as many retries as the new policy has (or more) ends with the new policy's final
actions at its next failed attempt. Nothing is rescheduled when the policy is saved.

The change is made exactly as previewed: the web layer signs the previewed policy and the one
it replaces; ``change_dunning_policy`` refuses (``Conflict``) when the stored policy is no longer
the one the preview was made against, and the page previews again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from domain.audit.model import Actor, new_entry
from domain.audit.ports import AuditUnit
from domain.audit.service import record
from domain.payments.dunning import (
    MAX_RETRIES,
    MAX_RETRY_DAY,
    DunningPolicy,
    FinalInvoiceAction,
    FinalSubscriptionAction,
)
from domain.payments.ports import DunningRepository
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

BAD_POLICY = "dunning.bad_policy"
CHANGED_SINCE = "dunning.changed_since_preview"

SUBSCRIPTION_ACTIONS: dict[FinalSubscriptionAction, str] = {
    FinalSubscriptionAction.CANCEL: "canceled",
    FinalSubscriptionAction.UNPAID: "marked unpaid (access stops, invoices continue)",
    FinalSubscriptionAction.PAST_DUE: "left past due (access continues)",
}
INVOICE_ACTIONS: dict[FinalInvoiceAction, str] = {
    FinalInvoiceAction.UNCOLLECTIBLE: "marked uncollectible",
    FinalInvoiceAction.OPEN: "left open",
}


class DunningPolicyUnit(AuditUnit, Protocol):
    @property
    def dunning(self) -> DunningRepository: ...


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """The policy as typed: ``retry_days`` like ``1, 3, 5, 7``."""

    retry_days: str
    final_subscription_action: str
    final_invoice_action: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the policy does to a renewal payment that fails at ``failed_at``."""

    policy: DunningPolicy
    failed_at: datetime
    retries: tuple[datetime, ...]

    @property
    def subscription_action(self) -> str:
        return SUBSCRIPTION_ACTIONS[self.policy.final_subscription_action]

    @property
    def invoice_action(self) -> str:
        return INVOICE_ACTIONS[self.policy.final_invoice_action]

    @property
    def gives_up_at(self) -> datetime:
        return self.retries[-1] if self.retries else self.failed_at


@dataclass(frozen=True, slots=True)
class OpenCases:
    total: int
    ending: int  # will take the final actions at their next failed attempt (under the policy)

    @property
    def continuing(self) -> int:
        return self.total - self.ending


@dataclass(frozen=True, slots=True)
class DunningPage:
    current: Timeline
    open_cases: OpenCases


@dataclass(frozen=True, slots=True)
class DunningPreview:
    current: DunningPolicy
    proposed: Timeline
    open_cases: OpenCases  # under the proposed policy

    @property
    def changes_anything(self) -> bool:
        return self.current != self.proposed.policy


def timeline(policy: DunningPolicy, failed_at: datetime) -> Timeline:
    return Timeline(
        policy, failed_at, tuple(failed_at + timedelta(days=d) for d in policy.retry_days)
    )


def open_cases(by_failures: dict[int, int], policy: DunningPolicy) -> OpenCases:
    """A case with ``failures`` failed collections has its retry number ``failures`` scheduled;
    when it fails, it ends if the policy has no further retry (``after_failure``)."""
    total = sum(by_failures.values())
    ending = sum(n for failures, n in by_failures.items() if failures >= len(policy.retry_days))
    return OpenCases(total, ending)


def parse_policy(typed: PolicyInput) -> DunningPolicy:
    """The policy, or ``ValidationFailed`` with a message per field: 1 to 8 retries, each a whole
    number of days after the first failure from 1 to 60, increasing; one of the final actions."""
    errors: dict[str, str] = {}
    days: list[int] = []
    parts = [p for p in typed.retry_days.replace(",", " ").replace(";", " ").split() if p]
    if not parts:
        errors["retry_days"] = "List at least one retry day, e.g. 1, 3, 5, 7."
    elif not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
        errors["retry_days"] = "Use whole numbers of days separated by commas, e.g. 1, 3, 5, 7."
    else:
        days = [int(p) for p in parts]
        if len(days) > MAX_RETRIES:
            errors["retry_days"] = f"Use at most {MAX_RETRIES} retries."
        elif any(d < 1 or d > MAX_RETRY_DAY for d in days):
            errors["retry_days"] = (
                f"Each retry is 1 to {MAX_RETRY_DAY} days after the first failure."
            )
        elif days != sorted(set(days)):
            errors["retry_days"] = "List the days in increasing order, each once."
    try:
        subscription = FinalSubscriptionAction(typed.final_subscription_action)
    except ValueError:
        errors["final_subscription_action"] = "Choose what happens to the subscription."
    try:
        invoice = FinalInvoiceAction(typed.final_invoice_action)
    except ValueError:
        errors["final_invoice_action"] = "Choose what happens to the invoice."
    if errors:
        raise ValidationFailed(errors, code=BAD_POLICY)
    return DunningPolicy(tuple(days), subscription, invoice)


def policy_values(policy: DunningPolicy) -> dict[str, Any]:
    """The policy as plain values: the audit entry's before and after, the signed preview."""
    return {
        "retry_days": list(policy.retry_days),
        "final_subscription_action": policy.final_subscription_action.value,
        "final_invoice_action": policy.final_invoice_action.value,
    }


def policy_from_values(values: Any) -> DunningPolicy | None:
    """``policy_values`` read back (from a signed preview), or None if it is not one."""
    try:
        days = values["retry_days"]
        if not isinstance(days, list) or not all(type(d) is int for d in days):
            return None
        return DunningPolicy(
            tuple(days),
            FinalSubscriptionAction(values["final_subscription_action"]),
            FinalInvoiceAction(values["final_invoice_action"]),
        )
    except (KeyError, TypeError, ValueError, ValidationFailed):
        return None


async def dunning_page(
    actor: SignedInStaff, *, uow: DunningPolicyUnit, clock: Clock
) -> DunningPage:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        policy = await uow.dunning.policy()
        by_failures = await uow.dunning.open_by_failures()
    return DunningPage(timeline(policy, clock.now()), open_cases(by_failures, policy))


async def preview_dunning_policy(
    actor: SignedInStaff, typed: PolicyInput, *, uow: DunningPolicyUnit, clock: Clock
) -> DunningPreview:
    """What the typed policy would do; nothing is written."""
    require(actor, Permission.OPERATIONS_ACT)
    proposed = parse_policy(typed)
    async with uow:
        current = await uow.dunning.policy()
        by_failures = await uow.dunning.open_by_failures()
    return DunningPreview(
        current, timeline(proposed, clock.now()), open_cases(by_failures, proposed)
    )


async def change_dunning_policy(
    actor: SignedInStaff,
    proposed: DunningPolicy,
    *,
    previewed_against: DunningPolicy,
    uow: DunningPolicyUnit,
    clock: Clock,
) -> DunningPolicy:
    """Store ``proposed`` if the stored policy is still ``previewed_against`` (else
    ``Conflict``: preview again); one audit entry with both."""
    require(actor, Permission.OPERATIONS_ACT)
    now = clock.now()
    async with uow:
        current = await uow.dunning.policy()
        if current != previewed_against:
            raise Conflict(
                "The dunning policy was changed since this preview. Check the new preview.",
                code=CHANGED_SINCE,
            )
        if proposed == current:
            unchanged = "This is the policy as it is: change something first."
            raise ValidationFailed({"retry_days": unchanged}, message=unchanged, code=BAD_POLICY)
        await uow.dunning.save_policy(proposed)
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email), action="dunning_policy.changed",
            object_type="dunning_policy", object_id="default",
            before=policy_values(current), after=policy_values(proposed),
        ))  # fmt: skip
        await uow.commit()
    return proposed
