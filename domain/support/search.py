"""Finding a customer: by e-mail or name (prefix, then contains), customer id, invoice or credit
note number, or a card's last four. The query is checked (characters, length) before any read.
Persian (۱۲۳) and Arabic-Indic (١٢٣) digits, typed on a Persian or Arabic keyboard, are read as
ASCII ones (``domain/shared/digits.py``); a name is also matched as typed, so a name written with
Persian digits is still found."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from domain.shared.digits import ascii_digits
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.engine import SubscriptionStatus
from domain.support.model import CustomerHit, CustomerMatch, MatchKind
from domain.support.ports import CustomerDirectory, SupportUnit

MAX_QUERY = 254  # the longest e-mail address
MAX_LIMIT = 50
CONTAINS_FROM = 3  # shorter text is matched as a prefix only (a trigram index needs 3)

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# a series prefix (domain/billing/numbering.py: capitals, digits, dashes) and its number
_DOCUMENT = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,30}-\d{1,18}$")
_LAST4 = re.compile(r"^\d{4}$")

_STATUS_ORDER = (
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.UNPAID,
    SubscriptionStatus.INCOMPLETE,
    SubscriptionStatus.PAUSED,
    SubscriptionStatus.CANCELED,
    SubscriptionStatus.INCOMPLETE_EXPIRED,
)
_RANK = {kind: n for n, kind in enumerate(MatchKind)}


def check_query(query: str) -> str:
    """The query trimmed; ``ValidationFailed`` (field ``q``) when empty, too long or carrying
    control characters."""
    problem = text_problem(query, max_length=MAX_QUERY)
    if problem:
        raise ValidationFailed({"q": problem}, message=problem)
    query = " ".join(query.split())
    if not query:
        message = (
            "Type a name, e-mail, customer id, invoice or credit note number, or card last four."
        )
        raise ValidationFailed({"q": message}, message=message)
    return query


async def search_customers(
    actor: SignedInStaff, query: str, *, uow: SupportUnit, limit: int = 20
) -> list[CustomerHit]:
    """Customers matching ``query``, the strongest matches first: an exact customer id, invoice
    or credit note number (nothing else when one matches); then e-mails and names starting with
    it, then (from three characters) containing it. A query with ``@`` is an e-mail address
    typed from its start: e-mail prefixes only. Four digits are a card's last four: cards ending
    in them, and e-mails and names starting with them. One hit per customer, saying what
    matched. The acting staff member needs ``customers.read``."""
    require(actor, Permission.CUSTOMERS_READ)
    text = check_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    async with uow:
        matches = await _matches(uow.directory, text, limit)
        statuses = await uow.directory.subscription_statuses([m.customer_id for m in matches])
    return [_hit(m, statuses.get(m.customer_id, [])) for m in matches]


async def _matches(directory: CustomerDirectory, typed: str, limit: int) -> list[CustomerMatch]:
    text = ascii_digits(typed)  # "INV-۰۰۴۲" is INV-0042, "۴۲۴۲" a card's last four
    lower = text.lower()
    found: list[CustomerMatch] = []
    if _UUID.match(lower):
        found += await directory.by_id(lower)
    if _DOCUMENT.match(text.upper()):
        found += await directory.by_invoice_number(text.upper())
        found += await directory.by_credit_note_number(text.upper())
    if found:  # an exact id or number: nothing else is meant
        return _unique(found, limit)
    if "@" in text:  # an e-mail address, typed from its start
        return _unique(await directory.email_prefix(lower, limit=limit), limit)
    last4 = bool(_LAST4.match(text))
    if last4:
        found += await directory.by_card_last4(text, limit=limit)
    found += await directory.email_prefix(lower, limit=limit)
    # a name as typed too when it had other digits ("شرکت ۱۲۳" stored with Persian digits)
    spellings = [lower] + ([typed.lower()] if typed != text else [])
    for spelling in spellings:
        if len(_unique(found, limit)) < limit:
            found += await directory.name_prefix(spelling, limit=limit)
    contains = len(lower) >= CONTAINS_FROM and not last4  # four digits mean a card
    for spelling in spellings:
        if contains and len(_unique(found, limit)) < limit:
            contained = await directory.containing(spelling, limit=limit)
            found += sorted(contained, key=lambda m: (m.name.lower(), m.email))
    return _unique(found, limit)


def _unique(matches: Iterable[CustomerMatch], limit: int) -> list[CustomerMatch]:
    """One match per customer, at most ``limit``, in the order customers were first found (the
    steps run strongest first), each labelled with the strongest kind it matched."""
    best: dict[str, CustomerMatch] = {}
    for match in matches:
        held = best.get(match.customer_id)
        if held is None or _RANK[match.kind] < _RANK[held.kind]:
            best[match.customer_id] = match  # a dict keeps a key's first position
    return list(best.values())[:limit]


def _hit(match: CustomerMatch, statuses: list[str]) -> CustomerHit:
    return CustomerHit(
        customer_id=match.customer_id,
        name=match.name,
        email=match.email,
        country=match.country,
        balance=Money.of_minor(match.balance_minor, match.currency),
        matched=matched_label(match),
        kind=match.kind,
        value=match.matched,
        subscriptions=status_summary(statuses),
    )


def matched_label(match: CustomerMatch) -> str:
    if match.kind is MatchKind.INVOICE:
        return f"Invoice {match.matched}"
    if match.kind is MatchKind.CREDIT_NOTE:
        return f"Credit note {match.matched}"
    if match.kind is MatchKind.CARD:  # ``matched``: "4242 visa"
        last4, _, brand = match.matched.partition(" ")
        return f"Card •••• {last4} ({brand})" if brand else f"Card •••• {last4}"
    return {
        MatchKind.CUSTOMER_ID: "Customer id",
        MatchKind.EMAIL: "E-mail",
        MatchKind.NAME: "Name",
    }[match.kind]


def status_summary(statuses: Iterable[str]) -> str:
    """``"2 active, 1 past due"`` in a fixed order; ``"No subscriptions"``."""
    counts = Counter(SubscriptionStatus(s) for s in statuses)
    parts = [
        f"{counts[status]} {status.value.replace('_', ' ')}"
        for status in _STATUS_ORDER
        if counts[status]
    ]
    return ", ".join(parts) or "No subscriptions"
