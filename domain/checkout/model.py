"""A checkout session: one buyer's order, keyed by the random token in the checkout form.

Its state makes placing the order idempotent: only the request that moves it from ``open`` (or
``declined``, for a retry with another card) to ``processing`` does any work; a double click, a
refresh or a back-button resubmit finds it ``processing`` or done and is shown the outcome.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CheckoutState(StrEnum):
    OPEN = "open"
    PROCESSING = "processing"
    AWAITING_ACTION = "awaiting_action"  # the card asked for the customer's check (3-D Secure)
    DECLINED = "declined"  # the order exists; the buyer may retry with another card
    COMPLETE = "complete"


# the states a new request may move to ``processing`` (anything else is someone else's work)
CLAIMABLE = (CheckoutState.OPEN, CheckoutState.DECLINED)


def new_checkout_token() -> str:
    """A fresh checkout token (each opening of the checkout page gets one; the form posts it)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    token: str
    plan_code: str
    state: CheckoutState
    created_at: datetime
    updated_at: datetime
    customer_id: str | None = None
    account_id: str | None = None
    subscription_id: str | None = None
    invoice_id: str | None = None
    payment_ref: str | None = None  # the payment waiting for the customer's action
    message: str = ""  # the gateway's customer-safe message after a decline
    account_created: bool = False  # the account was made by this checkout's order
