"""The admin's exchange rates: read them (``CATALOG_READ``, every role) and add a dated rate
(``CATALOG_MANAGE``, billing and owner), audited as ``exchange_rate.added`` in the same
transaction. A rate is never edited: a correction is a new entry for the same date, which wins
over the earlier entries of that date (``exchange_rates.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.analytics.exchange_rates import (
    BAD_RATE,
    ExchangeRate,
    ExchangeRates,
    check_currency,
    check_effective_on,
    format_rate,
    parse_rate,
)
from domain.analytics.ports import ExchangeRatesUnit
from domain.analytics.refresh import REFRESH_JOB
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import new_id
from domain.shared.money import Currency
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require


@dataclass(frozen=True, slots=True)
class CurrencyRow:
    """One currency on the page: its rate today (None: missing), its latest entry (may be
    effective later) and its whole history, newest first."""

    currency: str
    in_prices: bool  # some plan price is in this currency
    today: ExchangeRate | None
    latest: ExchangeRate | None
    history: list[ExchangeRate]

    @property
    def corrected(self) -> set[str]:
        """Entries a later entry for the same date replaced (kept, never used)."""
        seen: set[date] = set()
        out: set[str] = set()
        for entry in self.history:  # the winner of a date comes first
            if entry.effective_on in seen:
                out.add(entry.id)
            seen.add(entry.effective_on)
        return out

    @property
    def scheduled(self) -> ExchangeRate | None:
        """An entry effective after today, when there is one."""
        if self.latest is not None and self.latest is not self.today:
            return self.latest
        return None


@dataclass(frozen=True, slots=True)
class ExchangeRatesView:
    reporting: Currency
    today: date
    rows: list[CurrencyRow]  # price currencies first (alphabetical), then the others

    @property
    def missing(self) -> list[str]:
        """Price currencies without a rate effective today: their amounts cannot be reported."""
        return [r.currency for r in self.rows if r.in_prices and r.today is None]

    @property
    def entries(self) -> int:
        return sum(len(r.history) for r in self.rows)


@dataclass(frozen=True, slots=True)
class ExchangeRateInput:
    """A new rate as typed in the admin's form (every value text)."""

    currency: str
    rate: str
    effective_on: str


async def exchange_rates_page(
    actor: SignedInStaff, *, uow: ExchangeRatesUnit, reporting: Currency, today: date
) -> ExchangeRatesView:
    require(actor, Permission.CATALOG_READ)
    async with uow:
        stored = await uow.exchange_rates.all()
        in_prices = set(await uow.exchange_rates.price_currencies()) - {reporting.code}
    rates = ExchangeRates(reporting, stored)
    codes = sorted(in_prices) + sorted(set(rates.currencies()) - in_prices)
    rows = [
        CurrencyRow(code, code in in_prices, rates.entry_on(code, today), rates.latest(code),
                    rates.history(code))
        for code in codes
    ]  # fmt: skip
    return ExchangeRatesView(reporting, today, rows)


def check_input(typed: ExchangeRateInput, reporting: Currency, today: date) -> tuple[
    Currency, str, date
]:  # fmt: skip
    """The checked currency, rate (exact, as text) and date, or every problem at once."""
    errors: dict[str, str] = {}
    currency = check_currency(typed.currency, reporting)
    rate = parse_rate(typed.rate)
    day = check_effective_on(typed.effective_on, today)
    if isinstance(currency, str):
        errors["currency"] = currency
    if isinstance(rate, str):
        errors["rate"] = rate
    if isinstance(day, str):
        errors["effective_on"] = day
    if errors or isinstance(currency, str) or isinstance(rate, str) or isinstance(day, str):
        raise ValidationFailed(errors, code=BAD_RATE)
    return currency, format_rate(rate), day


async def add_exchange_rate(
    actor: SignedInStaff,
    typed: ExchangeRateInput,
    *,
    uow: ExchangeRatesUnit,
    clock: Clock,
    reporting: Currency,
) -> ExchangeRate:
    """Append a rate for ``typed.currency`` into ``reporting`` from ``typed.effective_on``;
    an entry for a date that has one already corrects it (the audit entry says which)."""
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    currency, rate_text, day = check_input(typed, reporting, now.date())
    rate = ExchangeRate(
        id=new_id(), currency=currency.code, reporting=reporting.code, rate=Decimal(rate_text),
        effective_on=day, entered_by=actor.email, entered_at=now,
    )  # fmt: skip
    async with uow:
        rates = ExchangeRates(reporting, await uow.exchange_rates.all())
        same_day = [r for r in rates.history(currency.code) if r.effective_on == day]
        await uow.exchange_rates.add(rate)
        # the figures follow the new rate (it may apply to earlier movements of its currency)
        uow.jobs.enqueue(REFRESH_JOB, unique_key=f"{REFRESH_JOB}:rate:{rate.id}")
        after = {
            "currency": rate.currency, "reporting": rate.reporting, "rate": rate.rate_text,
            "effective_on": day.isoformat(),
        }  # fmt: skip
        before = {"rate": same_day[0].rate_text, "entry": same_day[0].id} if same_day else None
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email), action="exchange_rate.added",
            object_type="exchange_rate", object_id=rate.id, before=before,
            after=after | ({"corrects": same_day[0].id} if same_day else {}),
        ))  # fmt: skip
        await uow.commit()
    return rate
