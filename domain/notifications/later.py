"""Asking for a notice from inside another context's transaction (see ``notices.py``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from domain.jobs.model import JsonValue
from domain.notifications.model import EmailKind
from domain.notifications.ports import NotificationsUnit

NOTIFY_JOB = "notifications.notify"
NOTIFY_MANY_JOB = "notifications.notify_many"


def notify_later(
    uow: NotificationsUnit,
    kind: EmailKind,
    *,
    customer_id: str,
    key: str,
    invoice_id: str | None = None,
    subscription_id: str | None = None,
    credit_note_id: str | None = None,
    **extra: JsonValue,
) -> None:
    """Enqueue a notice in the caller's transaction (``key`` dedupes it)."""
    uow.jobs.enqueue(
        NOTIFY_JOB,
        unique_key=f"notify:{key}",
        kind=kind.value,
        customer_id=customer_id,
        key=key,
        invoice_id=invoice_id,
        subscription_id=subscription_id,
        credit_note_id=credit_note_id,
        extra=dict(extra),
    )


def notify_many_later(
    uow: NotificationsUnit, kind: EmailKind, items: Sequence[tuple[str, str, str]]
) -> None:
    """Enqueue one job for many notices about invoices, in the caller's transaction: ``items``
    are ``(customer id, invoice id, dedupe key)``, each notice still deduped by its own key
    (``domain.notices.batch``). The job's unique key is derived from the notices' keys, so the
    same list is queued once."""
    if not items:
        return
    digest = hashlib.sha256("\n".join(sorted(k for _, _, k in items)).encode()).hexdigest()
    uow.jobs.enqueue(
        NOTIFY_MANY_JOB,
        unique_key=f"notify_many:{kind.value}:{digest[:40]}",
        kind=kind.value,
        items=[
            {"customer_id": customer_id, "invoice_id": invoice_id, "key": key}
            for customer_id, invoice_id, key in items
        ],
    )
