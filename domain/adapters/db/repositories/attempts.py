"""The sign-in attempt log on Piccolo (``sign_in_attempt``): one table for every audience's
keys, shared by the account and staff repositories (``AttemptLog``)."""

from __future__ import annotations

from datetime import datetime

from domain.adapters.db.tables import SignInAttemptTable
from domain.shared.ids import new_id


class PiccoloAttemptLog:
    async def record_attempt(self, key: str, at: datetime, *, succeeded: bool) -> None:
        await SignInAttemptTable.insert(
            SignInAttemptTable(id=new_id(), key=key, at=at, succeeded=succeeded)
        )

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        t = SignInAttemptTable
        last_ok = (
            await t.select(t.at)
            .where((t.key == key) & (t.succeeded == True) & (t.at > since))  # noqa: E712
            .order_by(t.at, ascending=False)
            .first()
        )
        start = max(since, last_ok["at"]) if last_ok else since
        rows = await t.select(t.at).where(
            (t.key == key) & (t.succeeded == False) & (t.at > start)  # noqa: E712
        )
        return [r["at"] for r in rows]
