"""The exchange rate use cases with in-memory storage: who may read and add, what is audited,
what bad input writes (nothing), and how a correction for the same date takes over."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.analytics.exchange_rates_admin import (
    ExchangeRateInput,
    add_exchange_rate,
    exchange_rates_page,
)
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied, ValidationFailed
from domain.shared.money import Currency
from domain.staff.model import Role, SignedInStaff
from tests.fakes import InMemoryUnitOfWork

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill", Role.BILLING, "s")
SUPPORT = SignedInStaff("staff-sam", "sam@example.com", "Sam", Role.SUPPORT, "s")
VIEWER = SignedInStaff("staff-vi", "vi@example.com", "Vi", Role.VIEWER, "s")
USD = Currency.of("USD")
TODAY = date(2026, 12, 7)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


async def test_billing_adds_a_rate_audited_and_the_page_shows_it(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    uow.exchange_rates.currencies = {"USD", "EUR", "JPY"}
    rate = await add_exchange_rate(BILLING, ExchangeRateInput("eur", "1,0825", "2026-12-01"),
                                   uow=uow, clock=clock, reporting=USD)  # fmt: skip
    assert (rate.currency, rate.reporting, rate.rate, rate.effective_on) == (
        "EUR",
        "USD",
        Decimal("1.0825"),
        date(2026, 12, 1),
    )
    assert rate.entered_by == "bill@example.com" and rate.entered_at == clock.now()
    [entry] = uow.audit.entries
    assert entry.action == "exchange_rate.added" and entry.object_id == rate.id
    assert entry.after == {"currency": "EUR", "reporting": "USD", "rate": "1.0825",
                           "effective_on": "2026-12-01"} and entry.before == {}  # fmt: skip
    assert uow.commits == 1

    view = await exchange_rates_page(VIEWER, uow=uow, reporting=USD, today=TODAY)
    assert [r.currency for r in view.rows] == ["EUR", "JPY"]  # the reporting currency left out
    assert view.rows[0].today == rate and view.missing == ["JPY"]


async def test_a_correction_for_the_same_date_wins_and_says_what_it_corrects(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    wrong = await add_exchange_rate(BILLING, ExchangeRateInput("EUR", "10.825", "2026-12-01"),
                                    uow=uow, clock=clock, reporting=USD)  # fmt: skip
    clock.advance(seconds=30)
    fixed = await add_exchange_rate(BILLING, ExchangeRateInput("EUR", "1.0825", "2026-12-01"),
                                    uow=uow, clock=clock, reporting=USD)  # fmt: skip
    later = await add_exchange_rate(BILLING, ExchangeRateInput("EUR", "1.2", "2026-12-20"),
                                    uow=uow, clock=clock, reporting=USD)  # fmt: skip
    assert uow.audit.entries[1].before == {"rate": "10.825", "entry": wrong.id}
    assert uow.audit.entries[1].after["corrects"] == wrong.id
    view = await exchange_rates_page(BILLING, uow=uow, reporting=USD, today=TODAY)
    [eur] = view.rows
    assert eur.today == fixed and eur.scheduled == later and eur.corrected == {wrong.id}
    assert [r.id for r in eur.history] == [later.id, fixed.id, wrong.id]
    assert not eur.in_prices and view.missing == []


@pytest.mark.parametrize("who", [SUPPORT, VIEWER])
async def test_support_and_viewers_cannot_add(who: SignedInStaff, clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(PermissionDenied):
        await add_exchange_rate(who, ExchangeRateInput("EUR", "1.1", "2026-12-01"), uow=uow,
                                clock=clock, reporting=USD)  # fmt: skip
    assert not uow.exchange_rates.rates and not uow.audit.entries


async def test_bad_input_names_every_field_and_writes_nothing(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(ValidationFailed) as bad:
        await add_exchange_rate(BILLING, ExchangeRateInput("USD", "-1", "yesterday"), uow=uow,
                                clock=clock, reporting=USD)  # fmt: skip
    assert set(bad.value.field_errors) == {"currency", "rate", "effective_on"}
    assert "reporting currency" in bad.value.field_errors["currency"]
    assert not uow.exchange_rates.rates and not uow.audit.entries and uow.commits == 0


async def test_rates_into_a_former_reporting_currency_are_not_shown(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await add_exchange_rate(BILLING, ExchangeRateInput("EUR", "1.1", "2026-12-01"), uow=uow,
                            clock=clock, reporting=USD)  # fmt: skip
    view = await exchange_rates_page(BILLING, uow=uow, reporting=Currency.of("GBP"), today=TODAY)
    assert view.rows == [] and view.entries == 0
