"""A usage event as a caller sends it (the API's ``POST /api/v1/usage``), checked field by field
before anything reads the database: the idempotency key, meter and ids (lengths, no control
characters), exactly one of subscription or customer, the value (a number from 0 to a trillion,
at most 9 decimal places) and the timestamp (with its offset, at most five minutes ahead of the
clock). What needs the subscription (the meter on its plan, a closed period) is checked by
``usage_ingest``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from domain.shared.text import has_control_characters, text_problem

MAX_BATCH = 1_000
MAX_VALUE = Decimal(10) ** 12
MAX_DECIMALS = 9
FUTURE_TOLERANCE = timedelta(minutes=5)  # clocks drift: an event a little ahead is accepted
KEY_LENGTH = 200  # the column's
METER_LENGTH = 100
ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class UsageEventIn:
    """One event as sent: ``value`` as typed (a JSON number's text, or a string)."""

    idempotency_key: str
    meter: str
    value: str | int | Decimal
    timestamp: datetime | None = None  # None: now
    subscription_id: str | None = None
    customer_id: str | None = None
    key: str | None = None  # the distinct key a unique-count meter counts


class CheckedEvent(NamedTuple):  # a tuple: a batch makes a thousand
    position: int  # in the batch
    idempotency_key: str
    meter: str
    value: Decimal
    at: datetime
    subscription_id: str | None
    customer_id: str | None
    key: str | None


def parse_value(raw: str | int | Decimal) -> Decimal | str:
    """The exact value, or why it is refused."""
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        return "Send a number, such as 12 or 0.5."
    if not value.is_finite():
        return "Send a number, such as 12 or 0.5."
    if value < 0:
        return "A usage value is at least 0."
    if value > MAX_VALUE:
        return "A usage value is at most 1,000,000,000,000."
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MAX_DECIMALS and value != value.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        return f"Use at most {MAX_DECIMALS} decimal places."
    return value


_TEXTS = (
    ("idempotency_key", KEY_LENGTH),
    ("meter", METER_LENGTH),
    ("subscription_id", ID_LENGTH),
    ("customer_id", ID_LENGTH),
    ("key", KEY_LENGTH),
)


def _text_errors(values: tuple[str | None, ...]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for (name, limit), value in zip(_TEXTS, values, strict=True):
        if value is None:
            continue
        problem = text_problem(value, max_length=limit)
        if problem is None and not value.strip():
            problem = "This field cannot be empty."
        if problem is not None:
            errors[name] = problem
    return errors


def check_event(
    event: UsageEventIn, index: int, *, now: datetime, latest: datetime | None = None
) -> CheckedEvent | dict[str, str]:
    """The event checked (field -> message when refused; field names without a prefix);
    ``latest``: ``now`` plus the tolerance, when the caller checks many."""
    texts = (event.idempotency_key, event.meter, event.subscription_id, event.customer_id,
             event.key)  # fmt: skip
    present = [t for t in texts if t is not None]
    # the common case first: one look for a control character over every text at once
    if (
        has_control_characters("".join(present))
        or len(event.idempotency_key) > KEY_LENGTH
        or len(event.meter) > METER_LENGTH
        or any(len(t) > ID_LENGTH or not t.strip() for t in present)
    ):
        errors = _text_errors(texts)
    else:
        errors = {}
    if (event.subscription_id is None) == (event.customer_id is None):
        errors["subscription_id"] = "Send either subscription_id or customer_id (one of them)."
    value = parse_value(event.value)
    if isinstance(value, str):
        errors["value"] = value
    at = event.timestamp if event.timestamp is not None else now
    if at.tzinfo is None or at.utcoffset() is None:
        errors["timestamp"] = (
            "Give the time zone: an RFC 3339 instant such as 2026-12-07T10:00:00Z."
        )
    elif at > (latest or now + FUTURE_TOLERANCE):
        errors["timestamp"] = "This instant is in the future (at most 5 minutes ahead is accepted)."
    if errors or isinstance(value, str):
        return errors
    return CheckedEvent(index, event.idempotency_key, event.meter, value, at,
                        event.subscription_id, event.customer_id, event.key)  # fmt: skip


def plain(value: Decimal) -> str:
    """The value as stored: plain digits, never an exponent (``1E+3`` is ``1000``)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
