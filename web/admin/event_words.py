"""The outbound webhook events' descriptions (``domain/outbound/events.py``
``EVENT_DESCRIPTIONS``), marked for extraction so the Persian catalog has them: the webhook
endpoint form lists the event catalogue with each description through ``translated()``, in the
staff member's language. Nothing here is called; ``tests/unit/web/test_event_words.py`` keeps
this list and the domain's in step. The event type codes (``invoice.paid``) are codes and stay
as they are.
"""

from __future__ import annotations

from domain.adapters.i18n import N_

EVENT_DESCRIPTIONS = (
    N_("A customer was created (checkout, staff, the command line)."),
    N_("A customer's billing details changed."),
    N_("A subscription was created."),
    N_("A subscription changed (plan, quantity, period, status, a scheduled end)."),
    N_("A trial ends in three days."),
    N_("A subscription ended."),
    N_("A subscription was paused."),
    N_("A paused subscription was resumed."),
    N_("An invoice was finalized and numbered."),
    N_("An invoice was paid (card, credit, offline)."),
    N_("A payment attempt of an invoice failed."),
    N_("An invoice was voided."),
    N_("A credit note was issued."),
    N_("A refund to the card was made."),
    N_("A customer's entitlements changed (features, limits, access)."),
)
