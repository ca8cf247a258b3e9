"""A staff member's own display (language, digits, calendar: ``domain.shared.display``), saved
on their staff record; the admin pages use it. Audited (``staff.display_changed``)."""

from __future__ import annotations

from dataclasses import replace

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.display import DisplayPreferences
from domain.shared.errors import NotFound
from domain.staff.model import SignedInStaff
from domain.staff.ports import StaffUnit


async def set_staff_display(
    staff: SignedInStaff, prefs: DisplayPreferences, *, uow: StaffUnit, clock: Clock
) -> None:
    """Save the signed-in staff member's own choice (checked by ``parse_preferences``)."""
    async with uow:
        member = await uow.staff.get(staff.staff_id, lock=True)
        if member is None:
            raise NotFound("No such staff member.")
        before = member.display.to_json()
        await uow.staff.update(replace(member, display=prefs))
        await record(
            uow,
            new_entry(
                at=clock.now(),
                actor=Actor(staff.staff_id, staff.email),
                action="staff.display_changed",
                object_type="staff",
                object_id=staff.staff_id,
                before=before,
                after=prefs.to_json(),
            ),
        )
        await uow.commit()
