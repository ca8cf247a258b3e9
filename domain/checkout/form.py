"""The checkout form as the domain reads it: ``OrderForm`` is every field the buyer posts (the
web layer has only checked that each is text of a sane length), and the few facts of the
request that placing an order records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.checkout.service import BillingDetails


@dataclass(frozen=True, slots=True)
class CardEntry:
    """The card as typed. It goes to the payment gateway to be tokenised and no further: it is
    never stored, logged or shown back (the number and the code are left out of ``repr``)."""

    number: str = field(default="", repr=False)
    exp_month: str = ""
    exp_year: str = ""
    cvc: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class OrderForm:
    """A checkout form for plan ``plan_code``, as typed.

    ``shown`` is the agreement (``OrderSummary.agreement()``) of the summary the buyer was
    shown, read from the signed summary in the form (None when it is missing or was not signed
    by this server): an order is placed only if it charges exactly that. ``refused`` holds the
    fields the form refused as typed, each with its message (their values are empty here).
    ``apply_only`` is the promotion code's "Apply" without JavaScript: the page again, priced
    with the code, and nothing placed. ``default_currency`` is the shop's, for a page whose
    form names none; ``ip`` and ``user_agent`` go on the session of an account the order
    creates."""

    plan_code: str
    currency: str = ""
    quantity: str = ""
    addons: Mapping[str, str] = field(default_factory=dict)  # {add-on code: quantity as typed}
    promotion_code: str = ""
    details: BillingDetails = field(default_factory=BillingDetails)
    card: CardEntry = field(default_factory=CardEntry)
    checkout_token: str = ""
    shown: Mapping[str, Any] | None = None
    refused: Mapping[str, str] = field(default_factory=dict)
    apply_only: bool = False
    default_currency: str = ""
    ip: str = ""
    user_agent: str = ""
