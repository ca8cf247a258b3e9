"""Staff notes on a customer: written by staff with ``customers.act``, read on the customer
record (its notes panel and timeline), each one audited (``customer.note_added``). A note is
never shown to the subscriber: nothing in the portal reads ``uow.notes``."""

from __future__ import annotations

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, new_id
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.reads import customer_in
from domain.support.ports import SupportUnit
from domain.support.record_model import StaffNote

MAX_NOTE = 2_000  # characters
NOTE_ADDED = "customer.note_added"


def note_problem(body: str) -> str | None:
    """Why a note's text is refused, or None (line breaks are fine; control characters not)."""
    if not body.strip():
        return "Write the note first."
    return text_problem(body, max_length=MAX_NOTE, multiline=True)


async def add_note(
    actor: SignedInStaff, customer_id: str, body: str, *, uow: SupportUnit, clock: Clock
) -> StaffNote:
    """Write a note on a customer (``ValidationFailed`` under field ``body``; ``NotFound`` for
    an unknown customer); audited in the same transaction."""
    require(actor, Permission.CUSTOMERS_ACT)
    body = body.strip().replace("\r\n", "\n")
    problem = note_problem(body)
    if problem:
        raise ValidationFailed({"body": problem}, message=problem)
    now = clock.now()
    async with uow:
        customer = await customer_in(uow, CustomerId(customer_id))
        note = StaffNote(
            id=new_id(),
            customer_id=customer.id,
            staff_id=actor.staff_id,
            staff_email=actor.email,
            staff_name=actor.name,
            body=body,
            created_at=now,
        )
        await uow.notes.add(note)
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(actor.staff_id, actor.email),
                action=NOTE_ADDED,
                object_type="customer_note",
                object_id=note.id,
                customer_id=customer.id,
                after={"body": body},
            ),
        )
        await uow.commit()
    return note
