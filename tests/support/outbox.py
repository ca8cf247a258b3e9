"""Reading the e-mail outbox in tests without a staff sign-in (the outbox pages are the admin's,
/admin/emails): from the app's unit of work, or, for browser tests serving from a SQLite file,
straight from the database."""

from __future__ import annotations

import asyncio
import sqlite3

from litestar import Litestar

from domain.notifications.model import EmailKind, OutboxEmail
from domain.operations.model import EmailFilter


async def outbox_emails(
    app: Litestar, *, kind: EmailKind | None = None, to: str | None = None
) -> list[OutboxEmail]:
    """Every e-mail (of ``kind``, to an address containing ``to``), newest first, in full."""
    async with app.state.runtime.uow() as uow:
        rows = await uow.outbox.find(EmailFilter(kind=kind, recipient=to), limit=1000, offset=0)
        emails = [await uow.emails.get(r.id) for r in rows]
    return [e for e in emails if e is not None]


async def newest_email_html(db: str, *, kind: str, to: str, tries: int = 100) -> str:
    """The HTML of the newest ``kind`` e-mail to ``to`` in the SQLite file ``db``, waiting up to
    ten seconds for the app's jobs to queue it (browser tests open it with ``set_content``)."""
    for _ in range(tries):
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT html_body FROM outbox_email WHERE kind = ? AND recipient = ? "
                "ORDER BY rowid DESC LIMIT 1",
                (kind, to),
            ).fetchone()
        if row:
            return str(row[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} e-mail to {to}")
