"""Reading an action's form values: amounts in a currency, choices, whole numbers, dates and the
reason. Each refusal names its field, so the form shows it beside the input."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from domain.shared.text import text_problem

MIN_REASON = 3
MAX_REASON = 1_000
MAX_MINOR = 10**12  # no single staff action moves more than this (in minor units)


def refuse(field: str, message: str, code: str = "support.bad_input") -> ValidationFailed:
    return ValidationFailed({field: message}, code=code)


def money_field(
    raw: Mapping[str, str], name: str, currency: Currency | str, *, required: bool = True
) -> Money | None:
    """A positive amount written in major units ("12.50", "12"), in ``currency``'s decimals."""
    text = raw.get(name, "").strip().replace(",", "")
    if not text:
        if required:
            raise refuse(name, "Enter an amount.")
        return None
    if len(text) > 20 or not all(c.isdigit() or c == "." for c in text) or not text.isascii():
        raise refuse(name, "Enter an amount such as 12.50.")
    try:
        amount = Money.parse(text, currency)
    except (ValidationFailed, ValueError, ArithmeticError):
        cur = currency if isinstance(currency, Currency) else Currency.of(currency)
        raise refuse(name, f"Enter an amount with at most {cur.exponent} decimals.") from None
    if amount.minor <= 0:
        raise refuse(name, "Enter an amount more than zero.")
    if amount.minor > MAX_MINOR:
        raise refuse(name, "This amount is too large.")
    return amount


def choice_field(raw: Mapping[str, str], name: str, allowed: Iterable[str], default: str) -> str:
    value = raw.get(name, "").strip() or default
    if value not in set(allowed):
        raise refuse(name, "Choose one of the options.")
    return value


def int_field(raw: Mapping[str, str], name: str, *, low: int, high: int) -> int:
    text = raw.get(name, "").strip()
    if not text.isdigit() or not text.isascii():
        raise refuse(name, f"Enter a whole number from {low} to {high}.")
    value = int(text)
    if not low <= value <= high:
        raise refuse(name, f"Enter a whole number from {low} to {high}.")
    return value


def date_field(raw: Mapping[str, str], name: str) -> date:
    text = raw.get(name, "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise refuse(name, "Enter a date as YYYY-MM-DD.") from None


def text_field(raw: Mapping[str, str], name: str, *, max_length: int, required: bool) -> str:
    text = raw.get(name, "").strip()
    if not text and required:
        raise refuse(name, "Fill this in.")
    problem = text_problem(text, max_length=max_length)
    if problem:
        raise refuse(name, problem)
    return text


def check_reason(reason: str) -> str:
    """The reason every action needs: a sentence for the audit log (and the customer's
    timeline), not a blank or a single letter."""
    text = reason.strip()
    if len(text) < MIN_REASON:
        raise refuse("reason", "Say why (at least a few words); it goes in the audit log.",
                     code="support.reason_required")  # fmt: skip
    problem = text_problem(text, max_length=MAX_REASON, multiline=True)
    if problem:
        raise refuse("reason", problem, code="support.reason_required")
    return text
