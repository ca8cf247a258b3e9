"""Exchange rates on the real database (SQLite and PostgreSQL): an added rate reads back exactly
(the decimal, the date, the instant), appended with its audit entry in one transaction; a
correction for the same date wins; the plan prices' currencies are listed; nothing is written
when the input is bad."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.adapters.db.tables import JobTable
from domain.adapters.db.tables_analytics import ExchangeRateTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.exchange_rates import ExchangeRates
from domain.analytics.exchange_rates_admin import (
    ExchangeRateInput,
    add_exchange_rate,
    exchange_rates_page,
)
from domain.shared.clock import FrozenClock
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from domain.staff.model import Role, SignedInStaff
from tests.support.database import TestDatabase
from tests.unit.billing._builders import make_plan
from web.jobs import build_registry

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill Billing", Role.BILLING, "s")
USD = Currency.of("USD")


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def test_rates_read_back_exactly_and_a_correction_wins(
    db: TestDatabase, clock: FrozenClock
) -> None:
    async with _uow(db, clock) as uow:
        await uow.plans.add(make_plan("team", currency=Currency.of("EUR")))
        await uow.plans.add(make_plan("yen", currency=Currency.of("JPY")))
        await uow.commit()

    async def add(currency: str, rate: str, day: str) -> None:
        await add_exchange_rate(BILLING, ExchangeRateInput(currency, rate, day),
                                uow=_uow(db, clock), clock=clock, reporting=USD)  # fmt: skip
        clock.advance(seconds=1)

    await add("EUR", "1.5", "2024-01-01")  # a typo, corrected below
    await add("EUR", "1.082512345", "2024-01-01")
    await add("JPY", "0.0000066", "2024-02-01")
    async with _uow(db, clock) as uow:
        stored = await uow.exchange_rates.all()
        currencies = await uow.exchange_rates.price_currencies()
    assert currencies == ["EUR", "JPY"]
    assert sorted(r.rate for r in stored) == [Decimal("0.0000066"), Decimal("1.082512345"),
                                             Decimal("1.5")]  # fmt: skip
    assert {r.effective_on for r in stored} == {date(2024, 1, 1), date(2024, 2, 1)}
    assert all(r.entered_at.tzinfo is not None and r.entered_by == BILLING.email for r in stored)
    rates = ExchangeRates(USD, stored)
    assert rates.rate_on("EUR", date(2024, 3, 1)) == Decimal("1.082512345")
    # 1,000,000.00 EUR -> 1,082,512.345 USD -> half up
    assert rates.convert(Money.of_minor(100_000_000, "EUR"), date(2024, 3, 1)).minor == 108_251_235

    view = await exchange_rates_page(BILLING, uow=_uow(db, clock), reporting=USD,
                                     today=date(2024, 1, 15))  # fmt: skip
    assert view.missing == ["JPY"]  # its rate starts in February
    assert len(view.rows[0].corrected) == 1
    audit = await AuditEntryTable.select().where(AuditEntryTable.action == "exchange_rate.added")
    assert len(audit) == 3
    # each rate enqueues the analytics refresh (a rate may apply to earlier movements)
    assert await JobTable.count().where(JobTable.name == "analytics.refresh") == 3


async def test_bad_input_writes_nothing(db: TestDatabase, clock: FrozenClock) -> None:
    with pytest.raises(ValidationFailed):
        await add_exchange_rate(BILLING, ExchangeRateInput("EUR", "1e3", "2024-01-01"),
                                uow=_uow(db, clock), clock=clock, reporting=USD)  # fmt: skip
    assert await ExchangeRateTable.count() == 0
    assert await AuditEntryTable.count() == 0
