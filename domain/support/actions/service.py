"""The two use cases every staff action goes through: show its form with the preview of what it
will do, and confirm exactly that preview with a reason (audited in the same transaction)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from domain.shared.ids import CustomerId
from domain.shared.message import Message
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.support.actions.base import ActionField, ActionPreview, ActionServices, StaffAction
from domain.support.actions.inputs import check_reason
from domain.support.actions.registry import action_named
from domain.support.ports import ActionsUnit


class ActionErrorCode:
    STALE = "support.preview_stale"


@dataclass(frozen=True, slots=True)
class ActionPage:
    """An action's form: the action, what was typed, and the preview (None until the inputs
    make one) or the messages that stop it."""

    action: StaffAction
    customer_id: str
    target_id: str
    values: Mapping[str, str]
    preview: ActionPreview | None
    errors: Mapping[str, str]
    customer_name: str = ""  # the breadcrumb's (name, else e-mail)
    fields: tuple[ActionField, ...] = ()  # the form's fields for this target (choices filled)

    @property
    def agreement(self) -> dict[str, Any] | None:
        if self.preview is None:
            return None
        return self.preview.agreement(self.action.code, self.target_id)


@dataclass(frozen=True, slots=True)
class ActionDone:
    message: Message  # what was done, rendered in the staff member's language by web/
    amount: Money | None
    object_type: str
    object_id: str


class PreviewChanged(Conflict):
    """What confirming would do is no longer what was shown: ``page`` shows the new preview."""

    def __init__(self, page: ActionPage) -> None:
        super().__init__(
            "Something changed since this preview was shown (a payment, a renewal or another "
            "staff action). Check the new preview and confirm again.",
            code=ActionErrorCode.STALE,
        )
        self.page = page


async def action_page(
    actor: SignedInStaff,
    code: str,
    *,
    customer_id: str,
    target_id: str,
    raw: Mapping[str, str],
    svc: ActionServices,
) -> ActionPage:
    """The form of action ``code`` on ``target_id`` (one of the customer's), previewed from
    ``raw`` when it has the inputs; a bad input is a message on the page, not an error."""
    action = _allowed(actor, code)
    async with svc.uow() as uow:
        name = await _customer_name(uow, customer_id)
        blank = ActionPage(action, customer_id, target_id, dict(raw), None, {}, name)
        try:
            preview = await action.preview(
                uow, svc, customer_id=customer_id, target_id=target_id, raw=raw, lock=False
            )
        except ValidationFailed as exc:  # nothing typed yet: no messages, only the form
            errors, preview = (_messages(exc) if any(raw.values()) else {}), None
        except InvalidTransition as exc:  # not possible in the target's state: say why
            errors, preview = {"": exc.message}, None
        else:
            errors = {}
        fields = await action.form_fields(uow, svc, customer_id=customer_id, target_id=target_id)
    if preview is not None:
        try:
            action.authorize(actor, preview, svc)
        except PermissionDenied as exc:  # a refund above the support limit: say so on the page
            errors = {"": exc.message}
    return replace(blank, preview=preview, errors=errors, fields=fields)


async def confirm_action(
    actor: SignedInStaff,
    code: str,
    *,
    customer_id: str,
    target_id: str,
    raw: Mapping[str, str],
    shown: Mapping[str, Any] | None,
    reason: str,
    svc: ActionServices,
) -> ActionDone:
    """Do what the preview ``shown`` said, or refuse: ``PreviewChanged`` when it would now
    differ, ``ValidationFailed`` for a missing reason or bad input, ``PermissionDenied``."""
    action = _allowed(actor, code)
    reason = check_reason(reason)
    async with svc.uow() as uow:
        preview = await action.preview(
            uow, svc, customer_id=customer_id, target_id=target_id, raw=raw, lock=True
        )
        action.authorize(actor, preview, svc)
        if shown != preview.agreement(code, target_id):
            name = await _customer_name(uow, customer_id)
            fields = await action.form_fields(
                uow, svc, customer_id=customer_id, target_id=target_id
            )
            raise PreviewChanged(
                ActionPage(action, customer_id, target_id, dict(raw), preview, {}, name, fields)
            )
        done = await action.execute(
            uow,
            svc,
            actor=actor,
            customer_id=customer_id,
            target_id=target_id,
            preview=preview,
            reason=reason,
        )
        after = {**preview.after, **done.after}
        if preview.total is not None:
            after.setdefault("amount", str(preview.total))
        await record(
            uow,
            new_entry(
                at=svc.clock.now(),
                actor=Actor(staff_id=actor.staff_id, email=actor.email),
                action=code,
                object_type=done.object_type,
                object_id=done.object_id,
                customer_id=customer_id,
                reason=reason,
                before=dict(preview.before),
                after=after,
            ),
        )
        await uow.commit()
    if done.after_commit is not None:
        await done.after_commit()
    return ActionDone(done.message, preview.total, done.object_type, done.object_id)


def _allowed(actor: SignedInStaff, code: str) -> StaffAction:
    require(actor, Permission.CUSTOMERS_READ)
    action = action_named(code)
    if action is None:
        raise NotFound("There is no such action.", code="support.no_such_action")
    require(actor, action.permission)
    return action


async def _customer_name(uow: ActionsUnit, customer_id: str) -> str:
    customer = await uow.customers.get(CustomerId(customer_id))
    if customer is None:
        raise NotFound("There is no customer with this id.", code="support.no_such_customer")
    return customer.name or customer.email


def _messages(exc: ValidationFailed) -> dict[str, str]:
    return dict(exc.field_errors) or {"": exc.message}
