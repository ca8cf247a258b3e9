"""Quotes show exactly what a change will bill; a stale quote is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.catalog.model import Plan, PlanPrice
from domain.pricing.model import Charge, ChargeModel
from domain.shared.errors import Conflict
from domain.shared.ids import PlanId
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit
from domain.subscriptions.engine import (
    BillingSettings,
    ProrationBehavior,
    SubscriptionEngine,
    Timing,
)
from domain.subscriptions.quotes import confirm_change, quote_change

pytestmark = pytest.mark.unit
USD = Currency.of("USD")


def _plan(code: str, flat: int, seat: int) -> Plan:
    charges = (
        Charge(ChargeModel.FLAT, amount_minor=flat),
        Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(seat)),
    )
    return Plan(
        PlanId(code),
        code,
        code.title(),
        "",
        Interval(IntervalUnit.MONTH),
        (PlanPrice(USD, charges),),
    )


BASIC, PRO = _plan("basic", 1000, 500), _plan("pro", 3000, 1000)


def _engine() -> SubscriptionEngine:
    engine = SubscriptionEngine(BillingSettings(USD, ZoneInfo("UTC")), {"basic": BASIC, "pro": PRO})
    engine.subscribe(datetime(2024, 1, 31, tzinfo=UTC), BASIC, quantity=2)
    return engine


def test_confirming_a_quote_bills_exactly_the_quoted_invoice() -> None:
    engine = _engine()
    at = datetime(2024, 2, 15, 12, tzinfo=UTC)
    quote = quote_change(engine, at, plan=PRO, quantity=3)
    assert len(engine.invoices) == 1, "quoting changes nothing"
    assert quote.invoice is not None
    assert [line.amount for line in quote.invoice.lines] == [
        -483,
        -483,
        1448,
        1448,
    ]  # 14/29 of 10, 10, 30, 30
    invoice = confirm_change(engine, quote, plan=PRO)
    assert invoice == quote.invoice
    assert engine.plan is PRO
    assert engine.quantity == 3


def test_a_quote_is_refused_after_the_subscription_changed() -> None:
    engine = _engine()
    quote = quote_change(engine, datetime(2024, 2, 15, tzinfo=UTC), quantity=5)
    engine.change(datetime(2024, 2, 10, tzinfo=UTC), quantity=4, proration=ProrationBehavior.NONE)
    with pytest.raises(Conflict) as info:
        confirm_change(engine, quote, plan=None)
    assert info.value.code == "billing.quote_stale"
    assert engine.quantity == 4


def test_a_quote_is_refused_when_a_renewal_came_first() -> None:
    engine = _engine()
    quote = quote_change(
        engine, datetime(2024, 3, 5, tzinfo=UTC), quantity=5
    )  # after the Feb 29 renewal
    with pytest.raises(Conflict):
        confirm_change(engine, quote, plan=None)


def test_period_end_quote_shows_the_renewal_invoice() -> None:
    engine = _engine()
    quote = quote_change(
        engine, datetime(2024, 2, 15, tzinfo=UTC), plan=PRO, quantity=1, timing=Timing.PERIOD_END
    )
    assert quote.invoice is not None
    assert quote.invoice.issued_at == datetime(2024, 2, 29, tzinfo=UTC)
    assert quote.invoice.total == 3000 + 1000
    assert confirm_change(engine, quote, plan=PRO) is None  # nothing billed now
    engine.advance_to(datetime(2024, 2, 29, tzinfo=UTC))
    assert engine.invoices[-1].total == quote.invoice.total


def test_next_invoice_quote_lists_the_pending_lines() -> None:
    engine = _engine()
    quote = quote_change(
        engine,
        datetime(2024, 2, 15, tzinfo=UTC),
        quantity=1,
        proration=ProrationBehavior.NEXT_INVOICE,
    )
    assert quote.invoice is None
    assert len(quote.pending_lines) == 4
    # each line rounds once: 14/29 of 2 seats (-4.83) back, 14/29 of 1 seat (+2.41), flat -4.83 +4.83
    assert sum(line.amount for line in quote.pending_lines) == -242
