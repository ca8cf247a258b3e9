"""Exchange rates into the reporting currency: what a rate is, which one applies on a day, and
converting an amount with it (docs/analytics.md, "Exchange rates").

A rate says how many units of the reporting currency one unit of another currency is worth
(``EUR -> USD 1.0825``: one euro is 1.0825 dollars), from its effective date on, until a later
rate takes over. Staff enter rates by hand (no feed); a rate is an exact ``Decimal`` of at most
``MAX_SIGNIFICANT`` significant digits, never a float. A rate is never edited or deleted: a
correction is a new entry for the same date, and of several entries for one currency and date the
one entered last wins (earlier ones stay in the history).

``ExchangeRates.convert`` multiplies the exact amount in minor units by the rate and the ratio of
the two currencies' minor units, and rounds once with ``round_minor`` (the billing
configuration's rounding), so a JPY amount becomes USD cents and back without an intermediate
rounding. Pure: the repository (``ports.py``) loads the rates, these functions choose and apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

from domain.shared.errors import DomainError, ValidationFailed
from domain.shared.money import Currency, Money, Rounding, round_minor

MAX_SIGNIFICANT = 10  # digits of a rate, as a spreadsheet or a central bank publishes them
MAX_DECIMALS = 12  # 1 VND = 0.0000393 USD needs 7; 12 leaves room for any such currency
MAX_RATE = Decimal(10) ** 9  # 1 unit of a currency worth a billion reporting units: a typo
MAX_RATE_TEXT = 32  # the form field and the stored column
BAD_RATE = "exchange_rate.invalid"


class NoExchangeRate(DomainError):
    """There is no rate for a currency effective on or before the day asked for."""

    default_code = "exchange_rate.missing"

    def __init__(self, currency: str, reporting: str, day: date) -> None:
        super().__init__(
            f"No exchange rate from {currency} to {reporting} is effective on {day.isoformat()}: "
            f"add one dated on or before it under Admin > Exchange rates."
        )
        self.currency = currency
        self.reporting = reporting
        self.day = day


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """One staff entry: one unit of ``currency`` is worth ``rate`` units of ``reporting`` from
    ``effective_on`` (a calendar day, UTC) on."""

    id: str
    currency: str  # the ISO code converted from
    reporting: str  # the reporting currency converted to
    rate: Decimal
    effective_on: date
    entered_by: str  # the staff member's e-mail
    entered_at: datetime

    @property
    def rate_text(self) -> str:
        return format_rate(self.rate)

    @property
    def inverse_text(self) -> str:
        """One reporting unit in this currency, to 6 significant digits (shown, never used)."""
        with localcontext() as ctx:
            ctx.prec = 6
            return format((Decimal(1) / self.rate).normalize(), "f")


def entry_order(rate: ExchangeRate) -> tuple[date, datetime, str]:
    """Oldest effective date first; for one date, the entry made last comes last (it wins)."""
    return (rate.effective_on, rate.entered_at, rate.id)


def format_rate(value: Decimal) -> str:
    """``1.0825``, ``0.0000393``, ``150``: exact, no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def parse_rate(text: str) -> Decimal | str:
    """The rate as an exact decimal, or why it is refused: digits with one optional point (a
    comma is read as one), above zero, at most ``MAX_SIGNIFICANT`` significant digits and
    ``MAX_DECIMALS`` decimals, below ``MAX_RATE``."""
    raw = text.strip().replace(",", ".")
    if not raw:
        return "Enter the rate, e.g. 1.0825."
    whole, _, decimals = raw.partition(".")
    if not raw.isascii() or not (whole or decimals) or not (whole + decimals).isdigit():
        return "Enter a number such as 1.0825 or 0.0066 (digits and one point, no signs)."
    try:
        value = Decimal(f"{whole or 0}.{decimals or 0}")
    except InvalidOperation:  # pragma: no cover - the characters are checked above
        return "Enter a number such as 1.0825."
    if value <= 0:
        return "A rate is above zero."
    if value >= MAX_RATE:
        return "This rate is too large: check the direction (one unit of the currency in the " \
               "reporting currency)."  # fmt: skip
    if len(decimals.rstrip("0")) > MAX_DECIMALS:
        return f"Use at most {MAX_DECIMALS} decimals."
    if len(value.normalize().as_tuple().digits) > MAX_SIGNIFICANT:
        return f"Use at most {MAX_SIGNIFICANT} significant digits."
    return value.normalize()


class ExchangeRates:
    """Every rate into one reporting currency; ``rate_on`` and ``convert`` choose and apply."""

    def __init__(
        self, reporting: Currency | str, rates: Iterable[ExchangeRate] = ()
    ) -> None:  # fmt: skip
        self.reporting = reporting if isinstance(reporting, Currency) else Currency.of(reporting)
        by_currency: dict[str, list[ExchangeRate]] = {}
        for rate in sorted(rates, key=entry_order):
            if rate.reporting == self.reporting.code:  # rates into another currency: not ours
                by_currency.setdefault(rate.currency, []).append(rate)
        self._by_currency = by_currency

    def history(self, currency: str) -> list[ExchangeRate]:
        """Every entry for ``currency``, newest effective date first, the winning entry of a
        date before those it corrected."""
        return list(reversed(self._by_currency.get(currency, [])))

    def currencies(self) -> list[str]:
        return sorted(self._by_currency)

    def entry_on(self, currency: str, day: date) -> ExchangeRate | None:
        """The entry that applies on ``day``: the latest effective on or before it."""
        applying = None
        for rate in self._by_currency.get(currency, []):
            if rate.effective_on > day:
                break
            applying = rate
        return applying

    def latest(self, currency: str) -> ExchangeRate | None:
        entries = self._by_currency.get(currency)
        return entries[-1] if entries else None

    def rate_on(self, currency: Currency | str, day: date) -> Decimal:
        """How many reporting units one unit of ``currency`` is worth on ``day`` (1 for the
        reporting currency itself); ``NoExchangeRate`` when none is effective yet."""
        code = currency.code if isinstance(currency, Currency) else Currency.of(currency).code
        if code == self.reporting.code:
            return Decimal(1)
        entry = self.entry_on(code, day)
        if entry is None:
            raise NoExchangeRate(code, self.reporting.code, day)
        return entry.rate

    def convert(
        self, money: Money, day: date, rounding: Rounding = Rounding.HALF_UP
    ) -> Money:  # fmt: skip
        """``money`` in the reporting currency at ``day``'s rate, rounded once."""
        return convert(money, self.rate_on(money.currency, day), self.reporting, rounding)


def convert(
    money: Money, rate: Decimal, to: Currency, rounding: Rounding = Rounding.HALF_UP
) -> Money:
    """``money`` times ``rate`` in ``to``'s minor units, exactly, then ``round_minor`` once."""
    if money.currency == to:
        if rate != 1:
            raise ValueError("a currency converts to itself at 1")
        return money
    exact = (
        Fraction(money.minor)
        * Fraction(rate)
        * Fraction(to.minor_per_major, money.currency.minor_per_major)
    )
    return Money(round_minor(exact, rounding), to)


def check_effective_on(text: str, today: date) -> date | str:
    """An ISO date (YYYY-MM-DD) from 2000 to a year after ``today``, or why it is refused."""
    raw = text.strip()
    if not raw:
        return "Enter the date the rate applies from."
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else None
    except ValueError:
        day = None
    if day is None:
        return "Enter a date as YYYY-MM-DD, e.g. 2026-12-01."
    if day.year < 2000:
        return "Use a date from 2000 on."
    if day > today + timedelta(days=366):
        return "Use a date at most a year ahead."
    return day


def check_currency(text: str, reporting: Currency) -> Currency | str:
    raw = text.strip().upper()
    if not raw:
        return "Choose a currency."
    try:
        currency = Currency.of(raw) if len(raw) == 3 and raw.isascii() else None
    except ValidationFailed:
        currency = None
    if currency is None:
        return "Choose an ISO 4217 currency."
    if currency == reporting:
        return f"{reporting.code} is the reporting currency: it converts to itself at 1."
    return currency
