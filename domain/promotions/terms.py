"""What a billing user types for a new coupon or promotion code, checked into its terms.

Every problem is a message on the field it belongs to (``ValidationFailed.field_errors``), all
of them at once, so the form shows them together. Amounts are typed in major units ("10.00")
per currency; dates are days (``YYYY-MM-DD``) and a limit ends when that day ends (UTC).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from domain.pricing.coupons import CouponDuration
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money

MAX_NAME = 100
MIN_CODE, MAX_CODE_TYPED = 3, 40
MAX_MONTHS = 36
MAX_REDEMPTIONS = 1_000_000
CODE_PATTERN = re.compile(r"[A-Z0-9]+")
# no 0/O or 1/I: a generated code is read aloud and copied by hand
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 8


@dataclass(frozen=True, slots=True)
class CouponTerms:
    name: str
    duration: CouponDuration
    percent_off: Decimal | None
    amounts_off: dict[str, int]
    duration_in_months: int | None
    plan_codes: frozenset[str]
    redeem_by: datetime | None
    max_redemptions: int | None


@dataclass(frozen=True, slots=True)
class CodeLimits:
    code: str  # empty: generate one
    expires_at: datetime | None
    max_redemptions: int | None
    first_subscription_only: bool
    minimum_amounts: dict[str, int]


def generated_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(GENERATED_LENGTH))


def _end_of_day(typed: str, field: str, errors: dict[str, str], now: datetime) -> datetime | None:
    if not typed.strip():
        return None
    try:
        day = date.fromisoformat(typed.strip())
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return None
    ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    if ends <= now:
        errors[field] = "Choose a day that has not passed."
        return None
    return ends


def _count(typed: str, field: str, errors: dict[str, str], *, most: int, label: str) -> int | None:
    if not typed.strip():
        return None
    if not typed.strip().isdigit() or not 1 <= int(typed.strip()) <= most:
        errors[field] = f"Enter {label} as a whole number from 1 to {most:,}."
        return None
    return int(typed.strip())


def _amounts(
    typed: Mapping[str, str], currencies: tuple[str, ...], prefix: str, errors: dict[str, str]
) -> dict[str, int]:
    amounts: dict[str, int] = {}
    for currency in currencies:
        value = typed.get(f"{prefix}{currency}", "").strip()
        if not value:
            continue
        try:
            money = Money.parse(value, currency)
        except ValidationFailed:
            errors[f"{prefix}{currency}"] = f"Enter an amount in {currency}, like 10.00."
            continue
        if money.minor <= 0:
            errors[f"{prefix}{currency}"] = "Enter an amount above zero."
            continue
        amounts[currency] = money.minor
    return amounts


def coupon_terms(
    typed: Mapping[str, str],
    plans: list[str],
    *,
    plan_codes: frozenset[str],
    currencies: tuple[str, ...],
    now: datetime,
) -> CouponTerms:
    """The coupon form's values (``kind`` percent or amount, ``percent_off``, ``amount_off-<currency>``
    per currency, ``duration``, ``duration_in_months``, ``redeem_by``, ``max_redemptions``) and
    the plans ticked (``plans``, among ``plan_codes``; none: every plan)."""
    errors: dict[str, str] = {}
    name = typed.get("name", "").strip()
    if not name:
        errors["name"] = "Enter a name customers and colleagues will recognise."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Keep the name to {MAX_NAME} characters."
    percent: Decimal | None = None
    amounts: dict[str, int] = {}
    kind = typed.get("kind", "")
    if kind == "percent":
        try:
            percent = Decimal(typed.get("percent_off", "").strip())
        except InvalidOperation:
            percent = None
        if (
            percent is None
            or not percent.is_finite()
            or not Decimal(0) < percent <= Decimal(100)
            or percent.as_tuple().exponent < -2  # type: ignore[operator]
        ):
            errors["percent_off"] = "Enter a percentage above 0 and at most 100, like 20 or 12.5."
            percent = None
        else:
            percent = (
                percent.normalize() if percent != percent.to_integral() else Decimal(int(percent))
            )
    elif kind == "amount":
        amounts = _amounts(typed, currencies, "amount_off-", errors)
        if not amounts and not any(k.startswith("amount_off-") for k in errors):
            errors["amount_off"] = "Enter the amount off in at least one currency."
    else:
        errors["kind"] = "Choose a percentage or an amount off."
    months: int | None = None
    try:
        duration = CouponDuration(typed.get("duration", ""))
    except ValueError:
        errors["duration"] = "Choose how long the discount lasts."
        duration = CouponDuration.ONCE
    if duration is CouponDuration.REPEATING:
        months = _count(typed.get("duration_in_months", ""), "duration_in_months", errors,
                        most=MAX_MONTHS, label="the months")  # fmt: skip
        if months is None and "duration_in_months" not in errors:
            errors["duration_in_months"] = "Enter for how many months the discount repeats."
    unknown = sorted(set(plans) - plan_codes)
    if unknown:
        errors["plans"] = "Choose plans from the catalog."
    redeem_by = _end_of_day(typed.get("redeem_by", ""), "redeem_by", errors, now)
    most = _count(typed.get("max_redemptions", ""), "max_redemptions", errors,
                  most=MAX_REDEMPTIONS, label="the maximum")  # fmt: skip
    if errors:
        raise ValidationFailed(errors, code="coupon.invalid")
    return CouponTerms(
        name=name,
        duration=duration,
        percent_off=percent,
        amounts_off=amounts,
        duration_in_months=months,
        plan_codes=frozenset(plans),
        redeem_by=redeem_by,
        max_redemptions=most,
    )


def code_limits(
    typed: Mapping[str, str], *, first_only: bool, currencies: tuple[str, ...], now: datetime
) -> CodeLimits:
    """The promotion code form's values: ``code`` (blank: generated), ``expires_at``,
    ``max_redemptions``, ``minimum-<currency>`` per currency, and the first-subscription box."""
    errors: dict[str, str] = {}
    code = typed.get("code", "").strip().upper()
    if code and not (MIN_CODE <= len(code) <= MAX_CODE_TYPED and CODE_PATTERN.fullmatch(code)):
        errors["code"] = (
            f"Use {MIN_CODE} to {MAX_CODE_TYPED} letters A-Z and digits, or leave it blank "
            "to generate one."
        )
    expires_at = _end_of_day(typed.get("expires_at", ""), "expires_at", errors, now)
    most = _count(typed.get("max_redemptions", ""), "max_redemptions", errors,
                  most=MAX_REDEMPTIONS, label="the maximum")  # fmt: skip
    minimums = _amounts(typed, currencies, "minimum-", errors)
    if errors:
        raise ValidationFailed(errors, code="promotion_code.invalid")
    return CodeLimits(code, expires_at, most, first_only, minimums)
