"""The subscriber portal under /account (overview, subscriptions, invoices, payment methods,
profile): signed-in subscribers see and change only their own data (another subscriber's ids
are "not found")."""

from __future__ import annotations

from typing import Any

from domain.accounts.model import SignedIn
from domain.shared.money import Currency, Money


def money_in(currency: str) -> Any:
    """A template helper: ``mon(1234)`` -> Money in the page's currency, for ``|money``."""
    code = Currency.of(currency)

    def mon(minor: int) -> Money:
        return Money(int(minor), code)

    return mon


def portal_context(signed_in: SignedIn, **extra: Any) -> dict[str, Any]:
    return {"subscriber_email": signed_in.email, **extra}
