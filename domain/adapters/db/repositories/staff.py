"""Staff members, their sessions and one-time links on Piccolo; sign-in attempts (the
``staff-ip:`` keys) from ``PiccoloAttemptLog``, in the subscribers' ``sign_in_attempt`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.accounts.model import SignInMethod
from domain.adapters.db.repositories.attempts import PiccoloAttemptLog
from domain.adapters.db.repositories.subscriptions import _json, _load, _locked
from domain.adapters.db.tables_staff import (
    StaffMemberTable,
    StaffSessionTable,
    StaffTokenTable,
)
from domain.adapters.db.unique import conflict_on_duplicate
from domain.shared.display import DisplayPreferences
from domain.staff.model import Role, SessionStage, StaffMember, StaffSession, StaffToken


def _member(row: dict[str, Any]) -> StaffMember:
    return StaffMember(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        totp_secret=row["totp_secret"],
        totp_pending_secret=row["totp_pending_secret"],
        recovery_code_hashes=tuple(_load(row["recovery_code_hashes"]) or ()),
        totp_last_step=row["totp_last_step"],
        failed_attempts=int(row["failed_attempts"]),
        locked_until=row["locked_until"],
        disabled_at=row["disabled_at"],
        display=DisplayPreferences.from_json(_load(row["display_preferences"])),
    )


def _member_values(m: StaffMember) -> dict[Any, Any]:
    t = StaffMemberTable
    return {
        t.email: m.email,
        t.name: m.name,
        t.role: m.role.value,
        t.password_hash: m.password_hash,
        t.totp_secret: m.totp_secret,
        t.totp_pending_secret: m.totp_pending_secret,
        t.recovery_code_hashes: _json(list(m.recovery_code_hashes)),
        t.totp_last_step: m.totp_last_step,
        t.failed_attempts: m.failed_attempts,
        t.locked_until: m.locked_until,
        t.disabled_at: m.disabled_at,
        t.display_preferences: _json(m.display.to_json()),
    }


def _session(row: dict[str, Any]) -> StaffSession:
    return StaffSession(
        id=row["id"],
        staff_id=row["staff"],
        stage=SessionStage(row["stage"]),
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        ip=row["ip"],
        user_agent=row["user_agent"],
        revoked_at=row["revoked_at"],
        method=SignInMethod(row["method"]),
    )


class PiccoloStaffRepository(PiccoloAttemptLog):
    async def add(self, member: StaffMember) -> None:
        row = StaffMemberTable(id=member.id, created_at=member.created_at)
        for column, value in _member_values(member).items():
            setattr(row, column._meta.name, value)
        async with conflict_on_duplicate(
            "A staff member with this e-mail exists.", code="staff.exists"
        ):
            await StaffMemberTable.insert(row)

    async def get(self, staff_id: str, *, lock: bool = False) -> StaffMember | None:
        query = StaffMemberTable.select().where(StaffMemberTable.id == staff_id)
        row = await (_locked(query, StaffMemberTable) if lock else query).first()
        return _member(row) if row else None

    async def get_by_email(self, email: str) -> StaffMember | None:
        row = await StaffMemberTable.select().where(StaffMemberTable.email == email).first()
        return _member(row) if row else None

    async def update(self, member: StaffMember) -> None:
        await StaffMemberTable.update(_member_values(member)).where(
            StaffMemberTable.id == member.id
        )

    async def all(self) -> list[StaffMember]:
        rows = await StaffMemberTable.select().order_by(StaffMemberTable.created_at)
        return [_member(r) for r in rows]

    async def add_session(self, session: StaffSession) -> None:
        await StaffSessionTable.insert(
            StaffSessionTable(
                id=session.id,
                staff=session.staff_id,
                stage=session.stage.value,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                ip=session.ip,
                user_agent=session.user_agent,
                method=session.method.value,
            )
        )

    async def get_session(self, session_id: str) -> StaffSession | None:
        row = await StaffSessionTable.select().where(StaffSessionTable.id == session_id).first()
        return _session(row) if row else None

    async def save_session(self, session: StaffSession) -> None:
        t = StaffSessionTable
        await t.update(
            {
                t.stage: session.stage.value,
                t.last_seen_at: session.last_seen_at,
                t.expires_at: session.expires_at,
                t.revoked_at: session.revoked_at,
            }
        ).where(t.id == session.id)

    async def live_sessions(self, staff_id: str, at: datetime) -> int:
        t = StaffSessionTable
        return int(
            await t.count().where(
                (t.staff == staff_id) & t.revoked_at.is_null() & (t.expires_at > at)
            )
        )

    async def end_sessions(self, staff_id: str, at: datetime) -> int:
        t = StaffSessionTable
        ended = (
            await t.update({t.revoked_at: at})
            .where((t.staff == staff_id) & t.revoked_at.is_null() & (t.expires_at > at))
            .returning(t.id)
        )
        return len(ended)

    async def add_token(self, token: StaffToken) -> None:
        await StaffTokenTable.insert(
            StaffTokenTable(
                id=token.id,
                staff=token.staff_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def get_token(self, token_id: str) -> StaffToken | None:
        row = await StaffTokenTable.select().where(StaffTokenTable.id == token_id).first()
        if row is None:
            return None
        return StaffToken(
            id=row["id"],
            staff_id=row["staff"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def use_token(self, token_id: str, at: datetime) -> bool:
        t = StaffTokenTable
        done = (
            await t.update({t.used_at: at})
            .where((t.id == token_id) & t.used_at.is_null())
            .returning(t.id)
        )
        return bool(done)
