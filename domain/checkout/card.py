"""The card of a checkout, tokenised through the ``PaymentGateway`` port: the number goes to the
gateway and no further (never stored, logged or shown back)."""

from __future__ import annotations

from domain.checkout.form import CardEntry
from domain.payments.ports import PaymentGateway
from domain.shared.errors import ValidationFailed

CARD_MISSING = {
    "card_number": "Enter your card number.",
    "exp_month": "Enter the month (MM).",
    "exp_year": "Enter the year (YY).",
    "cvc": "Enter the security code.",
}


async def tokenise_card(card: CardEntry, *, gateway: PaymentGateway) -> str:
    """The gateway's single-use token for ``card``. ``ValidationFailed`` for a field left empty
    (then the gateway is not asked) or a card the gateway refuses to tokenise (a bad number, an
    expiry in the past), with the gateway's message beside its field."""
    typed = {
        "card_number": card.number,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "cvc": card.cvc,
    }
    missing = {k: m for k, m in CARD_MISSING.items() if not typed[k].strip()}
    if missing:
        raise ValidationFailed(missing)
    return await gateway.tokenize_card(
        number=card.number,
        exp_month=_int(card.exp_month),
        exp_year=_expiry_year(card.exp_year),
        cvc=card.cvc.strip(),
    )


def _int(value: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        return 0


def _expiry_year(value: str) -> int:
    """Two-digit years as printed on cards (``34`` is 2034)."""
    year = _int(value)
    return 2000 + year if 0 <= year < 100 and value.strip() else year
