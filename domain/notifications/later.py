"""Asking for a notice from inside another context's transaction (see ``notices.py``)."""

from __future__ import annotations

from domain.jobs.model import JsonValue
from domain.notifications.model import EmailKind
from domain.notifications.ports import NotificationsUnit

NOTIFY_JOB = "notifications.notify"


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
