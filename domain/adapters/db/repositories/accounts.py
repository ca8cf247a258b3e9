"""Accounts, identities, sessions and e-mail tokens on Piccolo; sign-in attempts from
``PiccoloAttemptLog``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.accounts.model import (
    Account,
    AuthSession,
    EmailToken,
    LinkedIdentity,
    SignInMethod,
    TokenPurpose,
)
from domain.adapters.db.repositories.attempts import PiccoloAttemptLog
from domain.adapters.db.repositories.subscriptions import _json, _load, _locked
from domain.adapters.db.tables import (
    AccountIdentityTable,
    AccountTable,
    AuthSessionTable,
    EmailTokenTable,
)
from domain.adapters.db.unique import conflict_on_duplicate
from domain.shared.display import DisplayPreferences


def _account(row: dict[str, Any]) -> Account:
    prefs = _load(row["email_preferences"])
    return Account(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        password_hash=row["password_hash"],
        customer_id=row["customer"],
        email_verified=bool(row["email_verified"]),
        created_at=row["created_at"],
        password_changed_at=row["password_changed_at"],
        email_preferences=dict(prefs or {}),
        display=DisplayPreferences.from_json(_load(row["display_preferences"])),
    )


def _account_values(a: Account) -> dict[Any, Any]:
    t = AccountTable
    return {
        t.email: a.email,
        t.name: a.name,
        t.password_hash: a.password_hash,
        t.customer: a.customer_id,
        t.email_verified: a.email_verified,
        t.email_preferences: _json(a.email_preferences),
        t.display_preferences: _json(a.display.to_json()),
        t.password_changed_at: a.password_changed_at,
    }


def _identity(row: dict[str, Any]) -> LinkedIdentity:
    return LinkedIdentity(
        id=row["id"],
        account_id=row["account"],
        issuer=row["issuer"],
        subject=row["subject"],
        email=row["email"],
        created_at=row["created_at"],
    )


def _session(row: dict[str, Any]) -> AuthSession:
    return AuthSession(
        id=row["id"],
        account_id=row["account"],
        method=SignInMethod(row["method"]),
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
        user_agent=row["user_agent"],
        ip=row["ip"],
        revoked_at=row["revoked_at"],
    )


def _token(row: dict[str, Any]) -> EmailToken:
    return EmailToken(
        id=row["id"],
        account_id=row["account"],
        purpose=TokenPurpose(row["purpose"]),
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        new_email=row["new_email"],
    )


class PiccoloAccountRepository(PiccoloAttemptLog):
    async def add(self, account: Account) -> None:
        """``Conflict`` when another account has the e-mail (committed meanwhile)."""
        async with conflict_on_duplicate(
            "An account with this e-mail exists.", code="account.email_taken"
        ):
            await self._insert(account)

    async def _insert(self, account: Account) -> None:
        await AccountTable.insert(
            AccountTable(
                id=account.id,
                email=account.email,
                name=account.name,
                password_hash=account.password_hash,
                customer=account.customer_id,
                email_verified=account.email_verified,
                email_preferences=_json(account.email_preferences),
                display_preferences=_json(account.display.to_json()),
                created_at=account.created_at,
                password_changed_at=account.password_changed_at,
            )
        )

    async def get(self, account_id: str, *, lock: bool = False) -> Account | None:
        query = AccountTable.select().where(AccountTable.id == account_id)
        rows = await (_locked(query, AccountTable) if lock else query)
        return _account(rows[0]) if rows else None

    async def get_by_email(self, email: str) -> Account | None:
        row = await AccountTable.select().where(AccountTable.email == email).first()
        return _account(row) if row else None

    async def get_by_customer(self, customer_id: str) -> Account | None:
        row = (
            await AccountTable.select()
            .where(AccountTable.customer == customer_id)
            .order_by(AccountTable.id)
            .first()
        )
        return _account(row) if row else None

    async def for_customers(self, customer_ids: Sequence[str]) -> dict[str, Account]:
        if not customer_ids:
            return {}
        rows = (
            await AccountTable.select()
            .where(AccountTable.customer.is_in(list(dict.fromkeys(customer_ids))))
            .order_by(AccountTable.id)
        )
        found: dict[str, Account] = {}
        for row in rows:  # the first by id, as ``get_by_customer``
            found.setdefault(row["customer"], _account(row))
        return found

    async def update(self, account: Account) -> None:
        await AccountTable.update(_account_values(account)).where(AccountTable.id == account.id)

    # identities
    async def add_identity(self, identity: LinkedIdentity) -> None:
        await AccountIdentityTable.insert(
            AccountIdentityTable(
                id=identity.id,
                account=identity.account_id,
                key=f"{identity.issuer}|{identity.subject}",
                issuer=identity.issuer,
                subject=identity.subject,
                email=identity.email,
                created_at=identity.created_at,
            )
        )

    async def find_identity(self, issuer: str, subject: str) -> LinkedIdentity | None:
        row = (
            await AccountIdentityTable.select()
            .where(AccountIdentityTable.key == f"{issuer}|{subject}")
            .first()
        )
        return _identity(row) if row else None

    async def identities_of(self, account_id: str) -> list[LinkedIdentity]:
        rows = (
            await AccountIdentityTable.select()
            .where(AccountIdentityTable.account == account_id)
            .order_by(AccountIdentityTable.created_at)
        )
        return [_identity(r) for r in rows]

    # sessions
    async def add_session(self, session: AuthSession) -> None:
        await AuthSessionTable.insert(
            AuthSessionTable(
                id=session.id,
                account=session.account_id,
                method=session.method.value,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
                user_agent=session.user_agent,
                ip=session.ip,
            )
        )

    async def get_session(self, session_id: str) -> AuthSession | None:
        row = await AuthSessionTable.select().where(AuthSessionTable.id == session_id).first()
        return _session(row) if row else None

    async def touch_session(self, session_id: str, at: datetime) -> None:
        await AuthSessionTable.update({AuthSessionTable.last_seen_at: at}).where(
            AuthSessionTable.id == session_id
        )

    async def revoke_session(self, session_id: str, at: datetime) -> None:
        await AuthSessionTable.update({AuthSessionTable.revoked_at: at}).where(
            (AuthSessionTable.id == session_id) & AuthSessionTable.revoked_at.is_null()
        )

    async def revoke_sessions_of(
        self, account_id: str, at: datetime, *, keep: str | None = None
    ) -> int:
        t = AuthSessionTable
        where = (t.account == account_id) & t.revoked_at.is_null() & (t.expires_at > at)
        if keep is not None:
            where = where & (t.id != keep)
        live = await t.select(t.id).where(where)
        if live:
            await t.update({t.revoked_at: at}).where(t.id.is_in([r["id"] for r in live]))
        return len(live)

    async def live_sessions_of(self, account_id: str, now: datetime) -> list[AuthSession]:
        t = AuthSessionTable
        rows = (
            await t.select()
            .where((t.account == account_id) & t.revoked_at.is_null() & (t.expires_at > now))
            .order_by(t.last_seen_at, ascending=False)
        )
        return [_session(r) for r in rows]

    # e-mail tokens
    async def add_token(self, token: EmailToken) -> None:
        await EmailTokenTable.insert(
            EmailTokenTable(
                id=token.id,
                account=token.account_id,
                purpose=token.purpose.value,
                new_email=token.new_email,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def get_token(self, token_id: str, *, lock: bool = False) -> EmailToken | None:
        query = EmailTokenTable.select().where(EmailTokenTable.id == token_id)
        rows = await (_locked(query, EmailTokenTable) if lock else query)
        return _token(rows[0]) if rows else None

    async def use_token(self, token_id: str, at: datetime) -> bool:
        t = EmailTokenTable
        updated = (
            await t.update({t.used_at: at})
            .where((t.id == token_id) & t.used_at.is_null())
            .returning(t.id)
        )
        return bool(updated)
