"""What staff need from storage."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from domain.accounts.attempts import AttemptLog
from domain.audit.ports import AuditUnit
from domain.staff.model import StaffMember, StaffSession, StaffToken


@runtime_checkable  # a named dependency: Litestar checks what it injects
class SecretBox(Protocol):
    """Encrypts a secret the app must read back (the TOTP secret) under a key from the settings
    (``domain/adapters/secret_box_fernet.py``)."""

    def seal(self, plain: str) -> str: ...

    def open(self, sealed: str) -> str | None:
        """The secret, or None when this key did not seal it (or it was altered)."""
        ...


class StaffRepository(AttemptLog, Protocol):
    """Staff members, their sessions and one-time links; the attempt log (``staff-ip:`` keys)."""

    async def add(self, member: StaffMember) -> None: ...

    async def get(self, staff_id: str, *, lock: bool = False) -> StaffMember | None: ...

    async def get_by_email(self, email: str) -> StaffMember | None: ...

    async def update(self, member: StaffMember) -> None: ...

    async def all(self) -> list[StaffMember]: ...

    async def add_session(self, session: StaffSession) -> None: ...

    async def get_session(self, session_id: str) -> StaffSession | None: ...

    async def save_session(self, session: StaffSession) -> None: ...

    async def live_sessions(self, staff_id: str, at: datetime) -> int:
        """How many of the member's sessions (at any stage) are live at ``at``."""
        ...

    async def end_sessions(self, staff_id: str, at: datetime) -> int:
        """Revoke every live session of the member at ``at``; how many were live."""
        ...

    async def add_token(self, token: StaffToken) -> None: ...

    async def get_token(self, token_id: str) -> StaffToken | None: ...

    async def use_token(self, token_id: str, at: datetime) -> bool:
        """Mark the token used; False when it was used already (a concurrent redeem lost)."""
        ...


class StaffUnit(AuditUnit, Protocol):
    """Staff use cases read and write staff, and record what they did in the audit log."""

    @property
    def staff(self) -> StaffRepository: ...
