"""Every staff action by its code, and which of them a staff member may take on a target."""

from __future__ import annotations

from domain.staff.model import SignedInStaff
from domain.support.actions.balance import GrantCredit, RemoveCredit
from domain.support.actions.base import StaffAction, TargetKind
from domain.support.actions.coupons import ApplyCoupon, RemoveCoupon
from domain.support.actions.refund import RefundInvoice
from domain.support.actions.subscription_change import ChangeSubscription

ACTIONS: dict[str, StaffAction] = {
    action.code: action
    for action in (
        RefundInvoice(),
        ChangeSubscription(),
        ApplyCoupon(),
        RemoveCoupon(),
        GrantCredit(),
        RemoveCredit(),
    )
}


def action_named(code: str) -> StaffAction | None:
    return ACTIONS.get(code)


def actions_for(
    actor: SignedInStaff, target: TargetKind, status: str | None = None
) -> list[StaffAction]:
    """The actions on a ``target`` (in ``status``) the actor's role may take, in menu order."""
    return [
        a
        for a in ACTIONS.values()
        if a.target is target and a.allowed(actor) and (status is None or a.offered(status))
    ]
