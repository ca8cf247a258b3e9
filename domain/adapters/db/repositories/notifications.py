"""The e-mail outbox on Piccolo. Attachment bytes travel base64-encoded in a JSON column."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from domain.adapters.db.tables import OutboxEmailTable
from domain.notifications.model import (
    Attachment,
    AttachmentRef,
    EmailKind,
    EmailStatus,
    OutboxEmail,
)


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _attachment_json(a: Attachment | AttachmentRef) -> dict[str, str]:
    if isinstance(a, Attachment):
        return {
            "filename": a.filename,
            "content_type": a.content_type,
            "content_b64": base64.b64encode(a.content).decode("ascii"),
        }
    return {
        "filename": a.filename,
        "content_type": a.content_type,
        "ref_kind": a.kind,
        "ref": a.ref,
    }


def _to_attachment(data: dict[str, str]) -> Attachment | AttachmentRef:
    if "content_b64" in data:
        return Attachment(
            data["filename"], data["content_type"], base64.b64decode(data["content_b64"])
        )
    return AttachmentRef(data["ref_kind"], data["ref"], data["filename"], data["content_type"])


def _to_email(row: dict[str, Any]) -> OutboxEmail:
    return OutboxEmail(
        id=row["id"],
        kind=EmailKind(row["kind"]),
        to=row["recipient"],
        subject=row["subject"],
        text_body=row["text_body"],
        html_body=row["html_body"],
        attachments=tuple(_to_attachment(a) for a in _load(row["attachments"]) or ()),
        status=EmailStatus(row["status"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        dedupe_key=row["dedupe_key"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
    )


def _row(email: OutboxEmail) -> OutboxEmailTable:
    return OutboxEmailTable(
        id=email.id,
        kind=email.kind.value,
        recipient=email.to,
        subject=email.subject,
        text_body=email.text_body,
        html_body=email.html_body,
        attachments=json.dumps([_attachment_json(a) for a in email.attachments]),
        status=email.status.value,
        attempts=email.attempts,
        last_error=email.last_error,
        dedupe_key=email.dedupe_key,
        created_at=email.created_at,
        sent_at=email.sent_at,
    )


# rows per multi-row insert: 13 columns each, well under SQLite's limit on bound values
_CHUNK = 500


class PiccoloEmailRepository:
    async def add(self, email: OutboxEmail) -> bool:
        return bool(await self._insert([email]))

    async def add_many(self, emails: Sequence[OutboxEmail]) -> set[str]:
        stored: set[str] = set()
        for start in range(0, len(emails), _CHUNK):
            stored |= await self._insert(emails[start : start + _CHUNK])
        return stored

    async def _insert(self, emails: Sequence[OutboxEmail]) -> set[str]:
        if not emails:
            return set()
        inserted = await (
            OutboxEmailTable.insert(*[_row(e) for e in emails])
            .on_conflict(target=OutboxEmailTable.dedupe_key, action="DO NOTHING")
            .returning(OutboxEmailTable.id)
        )
        return {r["id"] for r in inserted}

    async def existing_dedupe_keys(self, dedupe_keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        keys = list(dict.fromkeys(dedupe_keys))
        for start in range(0, len(keys), _CHUNK):
            rows = await OutboxEmailTable.select(OutboxEmailTable.dedupe_key).where(
                OutboxEmailTable.dedupe_key.is_in(keys[start : start + _CHUNK])
            )
            found |= {r["dedupe_key"] for r in rows}
        return found

    async def get(self, email_id: str) -> OutboxEmail | None:
        row = await OutboxEmailTable.select().where(OutboxEmailTable.id == email_id).first()
        return _to_email(row) if row else None

    async def get_by_dedupe_key(self, dedupe_key: str) -> OutboxEmail | None:
        row = (
            await OutboxEmailTable.select().where(OutboxEmailTable.dedupe_key == dedupe_key).first()
        )
        return _to_email(row) if row else None

    async def save(self, email: OutboxEmail) -> None:
        await OutboxEmailTable.update(
            {
                OutboxEmailTable.status: email.status.value,
                OutboxEmailTable.attempts: email.attempts,
                OutboxEmailTable.last_error: email.last_error,
                OutboxEmailTable.sent_at: email.sent_at,
            }
        ).where(OutboxEmailTable.id == email.id)
