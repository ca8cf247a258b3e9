"""The order summary the buyer saw travels signed in the checkout form (as the portal's quotes
do): paying is refused unless the order would charge exactly what that summary said (the
comparison is the domain's, ``domain/checkout/agreement.py``; this module signs the summary into
the page and reads the signed one back).

The token is the summary's ``agreement()`` (plan version, quantities, promotion code, today's
total and every amount after it) with an HMAC under ``APP_SECRET_KEY``, so a form cannot claim a
summary the server never showed. It needs no expiry: the order is priced again when it is
placed, and any difference (a new price, a code that ran out, a seat count changed without the
summary following) shows the new summary instead of charging.
"""

from __future__ import annotations

from typing import Any

from domain.checkout.summary import OrderSummary
from web.signing import sign, unsign

_PURPOSE = "checkout-summary"


def sign_summary(summary: OrderSummary, secret: str) -> str:
    return sign(summary.agreement(), secret, purpose=_PURPOSE)


def shown_agreement(token: str | None, secret: str) -> dict[str, Any] | None:
    """The agreement of a summary this server signed, or None (missing, altered, garbage)."""
    return unsign(token, secret, purpose=_PURPOSE)
