"""In-memory fakes of the account, staff and audit ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.accounts.model import Account, AuthSession, EmailToken, LinkedIdentity
from domain.audit.model import AuditEntry, AuditFilter
from domain.shared.errors import Conflict
from domain.staff.model import StaffMember, StaffSession, StaffToken


class InMemoryAttemptLog:
    """The attempt log (``AttemptLog``) both in-memory repositories are."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, datetime, bool]] = []

    async def record_attempt(self, key: str, at: datetime, *, succeeded: bool) -> None:
        self.attempts.append((key, at, succeeded))

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        oks = [at for k, at, ok in self.attempts if k == key and ok and at > since]
        start = max([since, *oks])
        return [at for k, at, ok in self.attempts if k == key and not ok and at > start]


class InMemoryAccountRepository(InMemoryAttemptLog):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, Account] = {}
        self.identities: list[LinkedIdentity] = []
        self.sessions: dict[str, AuthSession] = {}
        self.tokens: dict[str, EmailToken] = {}

    async def add(self, account: Account) -> None:
        if any(a.email == account.email for a in self.rows.values()):
            raise ValueError("duplicate e-mail")
        self.rows[account.id] = account

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        return self.rows.get(account_id)

    async def get_by_email(self, email: str) -> Account | None:
        return next((a for a in self.rows.values() if a.email == email), None)

    async def get_by_customer(self, customer_id: str) -> Account | None:
        mine = [a for a in self.rows.values() if a.customer_id == customer_id]
        return min(mine, key=lambda a: a.id) if mine else None

    async def for_customers(self, customer_ids: Sequence[str]) -> dict[str, Account]:
        found = {i: a for i in customer_ids if (a := await self.get_by_customer(i)) is not None}
        return found

    async def update(self, account: Account) -> None:
        self.rows[account.id] = account

    async def add_identity(self, identity: LinkedIdentity) -> None:
        self.identities.append(identity)

    async def find_identity(self, issuer: str, subject: str) -> LinkedIdentity | None:
        return next(
            (i for i in self.identities if (i.issuer, i.subject) == (issuer, subject)), None
        )

    async def identities_of(self, account_id: str) -> list[LinkedIdentity]:
        return [i for i in self.identities if i.account_id == account_id]

    async def add_session(self, session: AuthSession) -> None:
        self.sessions[session.id] = session

    async def get_session(self, session_id: str) -> AuthSession | None:
        return self.sessions.get(session_id)

    async def touch_session(self, session_id: str, at: datetime) -> None:
        self.sessions[session_id] = replace(self.sessions[session_id], last_seen_at=at)

    async def revoke_session(self, session_id: str, at: datetime) -> None:
        s = self.sessions.get(session_id)
        if s is not None and s.revoked_at is None:
            self.sessions[session_id] = replace(s, revoked_at=at)

    async def revoke_sessions_of(
        self, account_id: str, at: datetime, *, keep: str | None = None
    ) -> int:
        ended = 0
        for s in list(self.sessions.values()):
            if s.account_id == account_id and s.id != keep and s.is_live(at):
                self.sessions[s.id] = replace(s, revoked_at=at)
                ended += 1
        return ended

    async def live_sessions_of(self, account_id: str, now: datetime) -> list[AuthSession]:
        return [s for s in self.sessions.values() if s.account_id == account_id and s.is_live(now)]

    async def add_token(self, token: EmailToken) -> None:
        self.tokens[token.id] = token

    async def get_token(self, token_id: str, *, lock: bool = False) -> EmailToken | None:
        return self.tokens.get(token_id)

    async def use_token(self, token_id: str, at: datetime) -> bool:
        t = self.tokens.get(token_id)
        if t is None or t.used_at is not None:
            return False
        self.tokens[token_id] = replace(t, used_at=at)
        return True


class InMemoryStaffRepository(InMemoryAttemptLog):
    def __init__(self) -> None:
        super().__init__()
        self.members: dict[str, StaffMember] = {}
        self.sessions: dict[str, StaffSession] = {}
        self.tokens: dict[str, StaffToken] = {}

    async def add_token(self, token: StaffToken) -> None:
        self.tokens[token.id] = token

    async def get_token(self, token_id: str) -> StaffToken | None:
        return self.tokens.get(token_id)

    async def use_token(self, token_id: str, at: datetime) -> bool:
        token = self.tokens.get(token_id)
        if token is None or token.used_at is not None:
            return False
        self.tokens[token_id] = replace(token, used_at=at)
        return True

    async def add(self, member: StaffMember) -> None:
        if any(m.email == member.email for m in self.members.values()):
            raise Conflict("A staff member with this e-mail exists.", code="staff.exists")
        self.members[member.id] = member

    async def get(self, staff_id: str, *, lock: bool = False) -> StaffMember | None:
        return self.members.get(staff_id)

    async def get_by_email(self, email: str) -> StaffMember | None:
        return next((m for m in self.members.values() if m.email == email), None)

    async def update(self, member: StaffMember) -> None:
        self.members[member.id] = member

    async def all(self) -> list[StaffMember]:
        return list(self.members.values())

    async def add_session(self, session: StaffSession) -> None:
        self.sessions[session.id] = session

    async def get_session(self, session_id: str) -> StaffSession | None:
        return self.sessions.get(session_id)

    async def save_session(self, session: StaffSession) -> None:
        self.sessions[session.id] = session

    async def live_sessions(self, staff_id: str, at: datetime) -> int:
        return sum(1 for s in self.sessions.values() if s.staff_id == staff_id and s.is_live(at))

    async def end_sessions(self, staff_id: str, at: datetime) -> int:
        ended = [s for s in self.sessions.values() if s.staff_id == staff_id and s.is_live(at)]
        for s in ended:
            self.sessions[s.id] = replace(s, revoked_at=at)
        return len(ended)


class InMemoryAuditRepository:
    """Append-only, as the table: add and reads, nothing else."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def _matching(self, f: AuditFilter) -> list[AuditEntry]:
        return sorted(
            (
                e
                for e in self.entries
                if (f.staff_id is None or e.actor.staff_id == f.staff_id)
                and (f.customer_id is None or e.customer_id == f.customer_id)
                and (f.action is None or e.action == f.action)
                and (f.since is None or e.at >= f.since)
                and (f.until is None or e.at < f.until)
                and (f.object_type is None or e.object_type == f.object_type)
                and (f.object_id is None or e.object_id == f.object_id)
            ),
            key=lambda e: (e.at, e.id),
            reverse=True,
        )

    async def add(self, entry: AuditEntry) -> None:
        self.entries.append(entry)

    async def find(self, where: AuditFilter, *, limit: int, offset: int = 0) -> list[AuditEntry]:
        return self._matching(where)[offset : offset + limit]

    async def count(self, where: AuditFilter) -> int:
        return len(self._matching(where))

    async def actions(self) -> list[str]:
        return sorted({e.action for e in self.entries})
