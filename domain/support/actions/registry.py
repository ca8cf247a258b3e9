"""Every staff action by its code, and which of them a staff member may take on a target."""

from __future__ import annotations

from domain.staff.model import SignedInStaff
from domain.support.actions.balance import GrantCredit, RemoveCredit
from domain.support.actions.base import StaffAction, TargetKind
from domain.support.actions.cancellation import CancelSubscription, UncancelSubscription
from domain.support.actions.collect import ResendInvoice, RetryPayment
from domain.support.actions.coupons import ApplyCoupon, RemoveCoupon
from domain.support.actions.credit_note import IssueCreditNote
from domain.support.actions.invoice_status import (
    MarkUncollectible,
    RecordOfflinePayment,
    VoidInvoice,
)
from domain.support.actions.one_off import CreateOneOffInvoice
from domain.support.actions.pausing import PauseSubscription, ResumeSubscription
from domain.support.actions.refund import RefundInvoice
from domain.support.actions.subscription_change import ChangeSubscription
from domain.support.actions.trials import EndTrial, ExtendTrial

ACTIONS: dict[str, StaffAction] = {
    action.code: action
    for action in (
        # invoices
        RetryPayment(),
        ResendInvoice(),
        RefundInvoice(),
        IssueCreditNote(),
        RecordOfflinePayment(),
        MarkUncollectible(),
        VoidInvoice(),
        # subscriptions
        ChangeSubscription(),
        ApplyCoupon(),
        RemoveCoupon(),
        UncancelSubscription(),
        ResumeSubscription(),
        ExtendTrial(),
        EndTrial(),
        PauseSubscription(),
        CancelSubscription(),
        # the customer
        CreateOneOffInvoice(),
        GrantCredit(),
        RemoveCredit(),
    )
}


def action_named(code: str) -> StaffAction | None:
    return ACTIONS.get(code)


def actions_for(
    actor: SignedInStaff,
    target: TargetKind,
    status: str | None = None,
    flags: frozenset[str] = frozenset(),
) -> list[StaffAction]:
    """The actions on a ``target`` (in ``status``, with ``flags`` such as
    "cancel_at_period_end") the actor's role may take, in menu order."""
    return [
        a
        for a in ACTIONS.values()
        if a.target is target and a.allowed(actor) and (status is None or a.offered(status, flags))
    ]
