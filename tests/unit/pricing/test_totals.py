"""Unit tests for invoice totals (domain.pricing.totals) and coupons (domain.pricing.coupons).

Amounts are integer minor units (USD cents), every expectation computed by hand.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.pricing.coupons import (
    AppliedCoupon,
    Coupon,
    CouponDuration,
    DiscountResult,
    discount_for,
)
from domain.pricing.totals import (
    TaxRate,
    TaxRounding,
    Totals,
    allocate_to_last,
    compute_totals,
)
from domain.shared.money import Rounding
from domain.shared.periods import utc

pytestmark = pytest.mark.unit

UTC_TZ = ZoneInfo("UTC")
VAT20 = TaxRate("VAT20", Decimal(20), inclusive=False)
VAT20_INCL = TaxRate("VAT20", Decimal(20), inclusive=True)
TAX10 = TaxRate("T10", Decimal(10), inclusive=False)

HALF_UP = Rounding.HALF_UP
HALF_EVEN = Rounding.HALF_EVEN
PER_LINE = TaxRounding.PER_LINE
PER_INVOICE = TaxRounding.PER_INVOICE


def totals(
    lines: list[int],
    *,
    discount: int = 0,
    rate: TaxRate | None = None,
    tax_rounding: TaxRounding = PER_INVOICE,
    rounding: Rounding = HALF_UP,
    balance: int = 0,
) -> Totals:
    return compute_totals(
        lines,
        discount=discount,
        rate=rate,
        tax_rounding=tax_rounding,
        rounding=rounding,
        balance=balance,
    )


def discount(
    subtotal: int,
    applied: AppliedCoupon | None,
    *,
    carry: int = 0,
    at: datetime | None = None,
    rounding: Rounding = HALF_UP,
) -> DiscountResult:
    return discount_for(
        subtotal,
        applied=applied,
        carry=carry,
        issued_at=at or utc(2024, 1, 31),
        tz=UTC_TZ,
        rounding=rounding,
    )


def percent(
    value: str, duration: CouponDuration = CouponDuration.FOREVER, months: int | None = None
) -> Coupon:
    return Coupon("P", duration, percent_off=Decimal(value), duration_in_months=months)


def fixed(
    minor: int, duration: CouponDuration = CouponDuration.ONCE, months: int | None = None
) -> Coupon:
    return Coupon("F", duration, amount_off_minor=minor, duration_in_months=months)


# -- compute_totals -----------------------------------------------------------------------------
def test_simulation_example_percent_coupon_and_exclusive_vat() -> None:
    # SIMULATION.md: 30.00, SAVE20 (20% off), VAT 20% exclusive
    applied = AppliedCoupon(percent("20", CouponDuration.REPEATING, 3), utc(2024, 1, 31))
    d = discount(3000, applied)
    assert d.discount == 600
    t = totals([3000], discount=d.discount, rate=VAT20)
    assert (t.subtotal, t.discount, t.tax, t.total) == (3000, 600, 480, 2880)
    assert (t.credit_applied, t.amount_due, t.balance_after) == (0, 2880, 0)


def test_no_tax_rate_means_no_tax() -> None:
    t = totals([1000, 500], discount=300)
    assert (t.subtotal, t.discount, t.tax, t.total, t.amount_due) == (1500, 300, 0, 1200, 1200)


def test_discount_is_capped_at_the_subtotal() -> None:
    t = totals([1000], discount=5000, rate=VAT20)
    assert (t.discount, t.tax, t.total, t.amount_due) == (1000, 0, 0, 0)


def test_discount_never_applies_to_a_negative_subtotal() -> None:
    t = totals([-500], discount=200)
    assert (t.discount, t.total) == (0, -500)


def test_per_line_and_per_invoice_round_differently() -> None:
    # two lines of 1.05 at 10%: 0.105 each -> 0.11 + 0.11 per line, 0.21 on the invoice
    assert totals([105, 105], rate=TAX10, tax_rounding=PER_LINE).tax == 22
    assert totals([105, 105], rate=TAX10, tax_rounding=PER_INVOICE).tax == 21
    # three lines of 0.05 at 10%: 0.005 each -> 0.01 x 3 per line, 0.015 -> 0.02 on the invoice
    assert totals([5, 5, 5], rate=TAX10, tax_rounding=PER_LINE).tax == 3
    assert totals([5, 5, 5], rate=TAX10, tax_rounding=PER_INVOICE).tax == 2


def test_per_line_allocates_the_discount_before_taxing_each_line() -> None:
    # discount 10 over [15, 15]: 5 + 5 (last takes the rest); lines 10 and 10 at 25% -> 2.5 each
    rate = TaxRate("T25", Decimal(25), inclusive=False)
    per_line = totals([15, 15], discount=10, rate=rate, tax_rounding=PER_LINE)
    assert per_line.tax == 3 + 3  # each 2.5 rounds up
    per_invoice = totals([15, 15], discount=10, rate=rate, tax_rounding=PER_INVOICE)
    assert per_invoice.tax == 5  # 20 x 25%
    assert per_line.total == 30 - 10 + 6
    assert per_invoice.total == 30 - 10 + 5


def test_inclusive_tax_is_part_of_the_total() -> None:
    t = totals([1200], rate=VAT20_INCL)
    assert (t.subtotal, t.discount, t.tax, t.total, t.amount_due) == (1200, 0, 200, 1200, 1200)


def test_inclusive_tax_after_discount() -> None:
    t = totals([1200], discount=200, rate=VAT20_INCL)
    # total 10.00 contains 10.00 x 20/120 = 1.666.. -> 1.67 of tax
    assert (t.total, t.tax) == (1000, 167)


def test_inclusive_tax_per_line() -> None:
    t = totals([600, 600], discount=120, rate=VAT20_INCL, tax_rounding=PER_LINE)
    # discount 60 + 60; each line 540 contains 90 of tax
    assert (t.total, t.tax) == (1080, 180)


def test_negative_total_owes_nothing_and_credits_the_balance() -> None:
    t = totals([-1448, -2414, 1448, 483])
    assert (t.subtotal, t.total, t.amount_due, t.credit_applied) == (-1931, -1931, 0, 0)
    assert t.balance_after == -1931


def test_negative_total_with_exclusive_tax_credits_the_tax_too() -> None:
    t = totals([-1000], rate=VAT20)
    assert (t.tax, t.total, t.amount_due, t.balance_after) == (-200, -1200, 0, -1200)


def test_negative_total_adds_to_an_existing_credit() -> None:
    t = totals([-500], balance=-300)
    assert (t.amount_due, t.credit_applied, t.balance_after) == (0, 0, -800)


def test_balance_credit_is_applied_up_to_the_total() -> None:
    t = totals([4000], balance=-1931)
    assert (t.total, t.credit_applied, t.amount_due, t.balance_after) == (4000, 1931, 2069, 0)


def test_balance_credit_larger_than_the_total_leaves_a_remainder() -> None:
    t = totals([4000], balance=-5000)
    assert (t.credit_applied, t.amount_due, t.balance_after) == (4000, 0, -1000)


def test_balance_credit_is_applied_to_the_taxed_total() -> None:
    t = totals([1000], rate=VAT20, balance=-1100)
    assert (t.total, t.credit_applied, t.amount_due, t.balance_after) == (1200, 1100, 100, 0)


def test_zero_total_takes_no_credit() -> None:
    t = totals([0], balance=-500)
    assert (t.credit_applied, t.amount_due, t.balance_after) == (0, 0, -500)


@pytest.mark.parametrize(
    ("amount", "half_up", "half_even"),
    [
        (125, 13, 12),  # 12.5: half-up away from zero, half-even to 12
        (135, 14, 14),  # 13.5: both to 14
        (124, 12, 12),  # 12.4: no tie
    ],
)
def test_half_up_and_half_even_differ_only_on_a_tie(
    amount: int, half_up: int, half_even: int
) -> None:
    assert totals([amount], rate=TAX10, rounding=HALF_UP).tax == half_up
    assert totals([amount], rate=TAX10, rounding=HALF_EVEN).tax == half_even


def test_half_up_rounds_a_negative_tie_away_from_zero() -> None:
    assert totals([-125], rate=TAX10, rounding=HALF_UP).tax == -13
    assert totals([-125], rate=TAX10, rounding=HALF_EVEN).tax == -12


# -- allocate_to_last ---------------------------------------------------------------------------
def test_allocate_to_last_gives_the_remainder_to_the_last_line() -> None:
    assert allocate_to_last(100, [1, 1, 1]) == [33, 33, 34]
    assert allocate_to_last(1001, [1000, 3000]) == [250, 751]


def test_allocate_to_last_each_share_is_rounded_once_with_the_mode() -> None:
    # 5 over [1, 1]: 2.5 for the first, the rest for the last
    assert allocate_to_last(5, [1, 1], HALF_UP) == [3, 2]
    assert allocate_to_last(5, [1, 1], HALF_EVEN) == [2, 3]


def test_allocate_to_last_gives_nothing_to_zero_or_negative_lines() -> None:
    assert allocate_to_last(600, [3000, -1000]) == [600, 0]
    assert allocate_to_last(600, [1000, 2000, 0]) == [200, 400, 0]
    assert allocate_to_last(600, [-100, 3000, -1000]) == [0, 600, 0]


def test_allocate_to_last_with_no_positive_weight() -> None:
    assert allocate_to_last(0, [0, -5]) == [0, 0]
    assert allocate_to_last(0, []) == []


@pytest.mark.parametrize(
    ("total", "weights"),
    [(7, [3, 3, 3]), (999, [1, 2, 3, 4]), (1, [5, 5]), (600, [4000, -1931, 5000])],
)
def test_allocate_to_last_parts_sum_to_the_total(total: int, weights: list[int]) -> None:
    for mode in (HALF_UP, HALF_EVEN):
        assert sum(allocate_to_last(total, weights, mode)) == total


# -- discount_for -------------------------------------------------------------------------------
def test_percent_coupon_discounts_the_subtotal() -> None:
    applied = AppliedCoupon(percent("20"), utc(2024, 1, 31))
    d = discount(9931, applied)
    assert (d.discount, d.carry) == (1986, 0)  # 19.862 -> 19.86
    assert applied.invoices_discounted == 1


def test_percent_discount_rounds_with_the_invoice_rounding() -> None:
    applied = AppliedCoupon(percent("10"), utc(2024, 1, 31))
    assert discount(1025, applied, rounding=HALF_UP).discount == 103  # 102.5
    assert discount(1025, applied, rounding=HALF_EVEN).discount == 102


def test_percent_coupon_gives_nothing_on_a_negative_subtotal() -> None:
    applied = AppliedCoupon(percent("20"), utc(2024, 1, 31))
    assert discount(-1931, applied).discount == 0


def test_hundred_percent_coupon_discounts_everything() -> None:
    applied = AppliedCoupon(percent("100"), utc(2024, 1, 31))
    assert discount(4321, applied).discount == 4321


def test_fixed_coupon_larger_than_the_subtotal_carries_the_remainder() -> None:
    applied = AppliedCoupon(fixed(5000), utc(2024, 1, 31))
    first = discount(3000, applied)
    assert (first.discount, first.carry) == (3000, 2000)
    # "once" is used up, but the remainder keeps discounting until it is gone
    second = discount(1500, applied, carry=first.carry, at=utc(2024, 2, 29))
    assert (second.discount, second.carry) == (1500, 500)
    third = discount(4000, applied, carry=second.carry, at=utc(2024, 3, 31))
    assert (third.discount, third.carry) == (500, 0)
    fourth = discount(4000, applied, carry=third.carry, at=utc(2024, 4, 30))
    assert (fourth.discount, fourth.carry) == (0, 0)


def test_fixed_coupon_remainder_survives_a_negative_invoice() -> None:
    applied = AppliedCoupon(fixed(1000), utc(2024, 1, 31))
    d = discount(-500, applied)
    assert (d.discount, d.carry) == (0, 1000)


def test_once_coupon_is_consumed_by_the_first_invoice() -> None:
    applied = AppliedCoupon(percent("20", CouponDuration.ONCE), utc(2024, 1, 31))
    assert discount(3000, applied).discount == 600
    assert discount(3000, applied, at=utc(2024, 2, 29)).discount == 0
    assert applied.invoices_discounted == 1


def test_forever_coupon_discounts_every_invoice() -> None:
    applied = AppliedCoupon(percent("20", CouponDuration.FOREVER), utc(2024, 1, 31))
    for at in (utc(2024, 1, 31), utc(2030, 1, 31)):
        assert discount(3000, applied, at=at).discount == 600


def test_repeating_coupon_window_is_calendar_months_with_month_end_clamp() -> None:
    # applied Jan 31 for 3 months: the window ends Apr 30 (clamped), not May 1 or Apr 28
    applied = AppliedCoupon(percent("20", CouponDuration.REPEATING, 3), utc(2024, 1, 31))
    discounted = [
        discount(3000, applied, at=at).discount
        for at in (
            utc(2024, 1, 31),
            utc(2024, 2, 29),
            utc(2024, 3, 31),
            utc(2024, 4, 29, 23, 59, 59),
            utc(2024, 4, 30),
            utc(2024, 5, 31),
        )
    ]
    assert discounted == [600, 600, 600, 600, 0, 0]


def test_repeating_one_month_from_jan_31_ends_on_feb_29_in_a_leap_year() -> None:
    applied = AppliedCoupon(percent("20", CouponDuration.REPEATING, 1), utc(2024, 1, 31))
    assert discount(3000, applied, at=utc(2024, 2, 28, 23)).discount == 600
    assert discount(3000, applied, at=utc(2024, 2, 29)).discount == 0


def test_repeating_window_counts_from_application_not_from_the_first_invoice() -> None:
    applied = AppliedCoupon(percent("50", CouponDuration.REPEATING, 2), utc(2024, 3, 15, 12))
    assert discount(1000, applied, at=utc(2024, 5, 15, 11, 59, 59)).discount == 500
    assert discount(1000, applied, at=utc(2024, 5, 15, 12)).discount == 0


def test_repeating_window_uses_the_given_time_zone() -> None:
    # applied at 23:30 UTC on Mar 30 = Mar 31 00:30 in Berlin. One month later is Apr 30 00:30
    # in Berlin (= Apr 29 22:30 UTC, summer time), but Apr 30 23:30 counted in UTC.
    berlin = ZoneInfo("Europe/Berlin")
    at = utc(2024, 4, 30)

    def applied() -> AppliedCoupon:
        return AppliedCoupon(percent("20", CouponDuration.REPEATING, 1), utc(2024, 3, 30, 23, 30))

    in_berlin = discount_for(
        3000, applied=applied(), carry=0, issued_at=at, tz=berlin, rounding=HALF_UP
    )
    assert in_berlin.discount == 0
    assert discount(3000, applied(), at=at).discount == 600


def test_fixed_carry_persists_after_the_repeating_window() -> None:
    applied = AppliedCoupon(fixed(5000, CouponDuration.REPEATING, 1), utc(2024, 1, 1))
    first = discount(1000, applied, at=utc(2024, 1, 1))
    assert (first.discount, first.carry) == (1000, 4000)
    # Feb 1 is outside the 1-month window: no new 50.00, but the 40.00 left keeps going
    later = discount(1000, applied, carry=first.carry, at=utc(2024, 2, 1))
    assert (later.discount, later.carry) == (1000, 3000)
    assert applied.invoices_discounted == 1


def test_repeating_fixed_coupon_offers_its_amount_on_each_eligible_invoice() -> None:
    applied = AppliedCoupon(fixed(1000, CouponDuration.REPEATING, 2), utc(2024, 1, 1))
    first = discount(600, applied, at=utc(2024, 1, 1))
    assert (first.discount, first.carry) == (600, 400)
    second = discount(3000, applied, carry=first.carry, at=utc(2024, 2, 1))
    assert (second.discount, second.carry) == (1400, 0)  # this month's 10.00 + last month's 4.00


def test_percent_and_carry_together_never_exceed_the_subtotal() -> None:
    applied = AppliedCoupon(percent("50"), utc(2024, 1, 1))
    d = discount(1000, applied, carry=800)
    assert (d.discount, d.carry) == (1000, 300)


def test_no_coupon_only_the_carry() -> None:
    d = discount(1000, None, carry=250)
    assert (d.discount, d.carry) == (250, 0)
