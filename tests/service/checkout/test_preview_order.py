"""The checkout's order summary, priced by the billing engine (amounts computed by hand)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.checkout.service import OrderSummary, check_choice, checkout_plan, preview_order
from domain.pricing.coupons import CouponDuration
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.errors import NotFound, ValidationFailed
from domain.subscriptions.demo import load_demo_coupons
from tests.fakes import InMemoryUnitOfWork
from tests.support.promotions import add_promotion

pytestmark = pytest.mark.service

NOW = datetime(2024, 1, 31, 23, 59, 30, tzinfo=UTC)


@pytest.fixture
async def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    await load_demo_coupons(uow=uow)
    return uow


async def _preview(
    uow: InMemoryUnitOfWork,
    plan_code: str,
    *,
    currency: str = "USD",
    quantity: str = "1",
    addons: dict[str, str] | None = None,
    code: str | None = None,
    country: str | None = "US",
    tax_id: str | None = None,
    config: BillingConfig | None = None,
) -> OrderSummary:
    plan = await checkout_plan(plan_code, uow=uow)
    choice = await check_choice(
        plan, currency=currency, quantity=quantity, addons=addons or {}, uow=uow
    )
    return await preview_order(
        choice,
        promotion_code=code,
        country=country,
        tax_id=tax_id,
        now=NOW,
        uow=uow,
        config=config or BillingConfig(),
    )


def _minor(money: object) -> int:
    return money.minor  # type: ignore[attr-defined,no-any-return]


async def test_five_seats_of_team_annual_with_welcome20(uow: InMemoryUnitOfWork) -> None:
    summary = await _preview(uow, "team-annual", quantity="5", code="welcome20")
    # 5 seats x 120.00 = 600.00; WELCOME20 takes 20% = 120.00; no US tax rate: 480.00 today
    assert _minor(summary.subtotal) == 60000
    assert _minor(summary.discount) == 12000
    assert _minor(summary.tax) == 0
    assert _minor(summary.total_today) == 48000
    assert summary.promotion_code == "WELCOME20" and summary.promotion_error is None
    # the coupon lasts three months: the renewal a year later is the full 600.00
    assert summary.next_billing_at == datetime(2025, 1, 31, 23, 59, 30, tzinfo=UTC)
    assert summary.next_amount is not None and _minor(summary.next_amount) == 60000
    assert summary.interval_label == "year" and not summary.is_trial


async def test_a_trial_is_nothing_today_then_the_price_on_the_trials_end(
    uow: InMemoryUnitOfWork,
) -> None:
    summary = await _preview(uow, "starter-monthly")
    assert summary.is_trial
    assert _minor(summary.total_today) == 0
    assert summary.trial_ends_at == NOW + timedelta(days=14)
    assert summary.next_billing_at == NOW + timedelta(days=14)
    assert summary.next_amount is not None and _minor(summary.next_amount) == 1900


async def test_an_unknown_code_is_a_message_and_the_order_is_priced_without_it(
    uow: InMemoryUnitOfWork,
) -> None:
    summary = await _preview(uow, "team-annual", quantity="5", code="NOPE")
    assert summary.promotion_error == "The code NOPE is not valid."
    assert summary.promotion_code is None
    assert _minor(summary.discount) == 0 and _minor(summary.total_today) == 60000


async def test_an_expired_code_says_so(uow: InMemoryUnitOfWork) -> None:
    await add_promotion(
        uow,
        "SUMMER",
        CouponDuration.ONCE,
        percent_off=Decimal(10),
        expires_at=NOW - timedelta(days=1),
    )
    summary = await _preview(uow, "team-annual", quantity="2", code="summer")
    assert summary.promotion_error == "The code SUMMER has expired."
    assert _minor(summary.total_today) == 24000


async def test_tax_for_an_eu_country(uow: InMemoryUnitOfWork) -> None:
    await uow.tax_rates.add(JurisdictionRate("DE", TaxRate("VAT", Decimal(19), False)))
    summary = await _preview(uow, "team-monthly", currency="EUR", quantity="2", country="DE")
    # 2 x 11.00 = 22.00; VAT 19% = 4.18
    assert (_minor(summary.subtotal), _minor(summary.tax), _minor(summary.total_today)) == (
        2200,
        418,
        2618,
    )
    assert summary.tax_label == "VAT (19%)"


async def test_a_business_in_another_eu_country_is_reverse_charged(
    uow: InMemoryUnitOfWork,
) -> None:
    await uow.tax_rates.add(JurisdictionRate("DE", TaxRate("VAT", Decimal(19), False)))
    summary = await _preview(
        uow,
        "team-monthly",
        currency="EUR",
        quantity="2",
        country="DE",
        tax_id="DE123456789",
        config=BillingConfig(seller_country="IE"),
    )
    assert _minor(summary.tax) == 0 and _minor(summary.total_today) == 2200
    assert summary.tax_note is not None and summary.tax_note.startswith("Reverse charge")


async def test_add_ons_are_priced_with_the_plan(uow: InMemoryUnitOfWork) -> None:
    summary = await _preview(
        uow, "team-monthly", quantity="3", addons={"priority-support": "1", "extra-storage": "2"}
    )
    # 3 x 12.00 + 49.00 + 2 x 5.00
    assert _minor(summary.total_today) == 3600 + 4900 + 1000


async def test_quantity_and_add_ons_are_checked(uow: InMemoryUnitOfWork) -> None:
    plan = await checkout_plan("team-annual", uow=uow)
    with pytest.raises(ValidationFailed) as caught:
        await check_choice(
            plan, currency="USD", quantity="0", addons={"priority-support": "1"}, uow=uow
        )
    assert set(caught.value.field_errors) == {"quantity", "addons"}
    with pytest.raises(ValidationFailed) as caught:
        await check_choice(plan, currency="JPY", quantity="10001", addons={}, uow=uow)
    assert set(caught.value.field_errors) == {"currency", "quantity"}


@pytest.mark.parametrize("code", ["no-such-plan", "priority-support"])
async def test_unknown_plans_and_add_ons_cannot_be_bought(
    uow: InMemoryUnitOfWork, code: str
) -> None:
    with pytest.raises(NotFound):
        await checkout_plan(code, uow=uow)


def _steps(summary: OrderSummary) -> list[tuple[int, str, int, bool]]:
    return [
        (s.amount.minor, s.first_at.date().isoformat(), s.count, s.recurring)
        for s in summary.schedule
    ]


async def test_the_schedule_runs_until_the_coupon_ends(uow: InMemoryUnitOfWork) -> None:
    summary = await _preview(uow, "team-monthly", quantity="3", code="WELCOME20")
    # 3 x 12.00 = 36.00, 20% off for 3 months from Jan 31: today, Feb 29 and Mar 31 are 28.80;
    # Apr 30 is the first invoice after the coupon ends, and the price from then on
    assert _minor(summary.total_today) == 2880
    assert _steps(summary) == [(2880, "2024-02-29", 2, False), (3600, "2024-04-30", 1, True)]
    assert summary.promotion is not None
    assert (
        summary.promotion.percent_label,
        summary.promotion.duration,
        summary.promotion.months,
    ) == (
        "20%",
        CouponDuration.REPEATING,
        3,
    )
    annual = await _preview(uow, "team-annual", quantity="5", code="WELCOME20")
    assert _steps(annual) == [(60000, "2025-01-31", 1, True)]


@pytest.mark.parametrize(
    ("duration", "months", "expected"),
    [
        (CouponDuration.ONCE, None, [(3600, "2024-02-29", 1, True)]),
        (CouponDuration.FOREVER, None, [(3240, "2024-02-29", 1, True)]),
        (CouponDuration.REPEATING, 1, [(3600, "2024-02-29", 1, True)]),
        (
            CouponDuration.REPEATING,
            4,
            [(3240, "2024-02-29", 3, False), (3600, "2024-05-31", 1, True)],
        ),
    ],
)
async def test_the_schedule_follows_each_coupon_duration(
    uow: InMemoryUnitOfWork,
    duration: CouponDuration,
    months: int | None,
    expected: list[tuple[int, str, int, bool]],
) -> None:
    await add_promotion(uow, "TENOFF", duration, percent_off=Decimal(10), duration_in_months=months)
    summary = await _preview(uow, "team-monthly", quantity="3", code="TENOFF")
    assert _minor(summary.total_today) == 3240
    assert _steps(summary) == expected


async def test_a_fixed_amount_larger_than_an_invoice_carries_on(uow: InMemoryUnitOfWork) -> None:
    await add_promotion(uow, "FIFTY", CouponDuration.ONCE, amounts_off={"USD": 5000})
    summary = await _preview(uow, "team-monthly", quantity="3", code="FIFTY")
    # 50.00 off once: 36.00 today is free, the 14.00 left comes off the next invoice
    assert _minor(summary.total_today) == 0
    assert _steps(summary) == [(2200, "2024-02-29", 1, False), (3600, "2024-03-31", 1, True)]
    assert summary.promotion is not None and summary.promotion.amount_off is not None
    assert summary.promotion.amount_off.minor == 5000


async def test_an_inactive_or_used_up_code_says_so_and_prices_without_it(
    uow: InMemoryUnitOfWork,
) -> None:
    await add_promotion(uow, "GONE", CouponDuration.ONCE, percent_off=Decimal(10), active=False)
    await add_promotion(uow, "FULL", CouponDuration.ONCE, percent_off=Decimal(10),
                        coupon_max_redemptions=2)  # fmt: skip
    full = await uow.coupons.get("FULL")
    assert full is not None
    uow.coupons.rows["FULL"] = replace(full, times_redeemed=2)
    gone = await _preview(uow, "team-annual", quantity="2", code="gone")
    assert gone.promotion_error == "The code GONE is no longer active."
    used = await _preview(uow, "team-annual", quantity="2", code="full")
    assert used.promotion_error == "The code FULL has been used up."
    assert _minor(used.total_today) == 24000 and used.promotion_code is None


async def test_a_code_with_a_minimum_needs_an_order_that_big(uow: InMemoryUnitOfWork) -> None:
    await add_promotion(uow, "BIG", CouponDuration.ONCE, percent_off=Decimal(10),
                        minimum_amounts={"USD": 30000})  # fmt: skip
    small = await _preview(uow, "team-annual", quantity="2", code="BIG")
    assert small.promotion_error == (
        "The code BIG needs an order of at least 300.00 USD before discounts."
    )
    assert _minor(small.discount) == 0 and small.promotion_code is None
    big = await _preview(uow, "team-annual", quantity="3", code="BIG")  # 3 x 120.00 = 360.00
    assert big.promotion_error is None and _minor(big.discount) == 3600
    euros = await _preview(uow, "team-annual", currency="EUR", quantity="1", code="BIG")
    assert euros.promotion_error is None  # no minimum set in EUR
