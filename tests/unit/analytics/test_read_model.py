"""The read model (aggregate.fold) and the metrics (metrics.series) on random ledgers made by the
ledger's own classifier: every slice adds up to the unfiltered figures, the unfiltered kinds are
the ledger's customer kinds, the counts are the customers and subscriptions paying at the end,
and a currency without a rate is left out whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.analytics.aggregate import ALL, fold
from domain.analytics.exchange_rates import ExchangeRate, ExchangeRates
from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading
from domain.analytics.metrics import Bucket, Totals, buckets, series

START = datetime(2024, 1, 1, tzinfo=UTC)
PLANS = ("a", "b", "c")
RATES = ExchangeRates("USD", [ExchangeRate("r", "EUR", "USD", Decimal("1.1"), date(2020, 1, 1),
                                           "x@example.com", START)])  # fmt: skip

# a step: (day, customer, subscription of that customer, plan, MRR after: 0 is a churn)
steps = st.lists(
    st.tuples(
        st.integers(0, 90),
        st.integers(0, 4),
        st.integers(0, 1),
        st.sampled_from(PLANS),
        st.sampled_from((0, 0, 1000, 2500, 4000)),
    ),
    max_size=40,
)


def _ledger(raw: list[tuple[int, int, int, str, int]]) -> list[LedgerMovement]:
    states: dict[int, CustomerLedger] = {}
    rows: list[LedgerMovement] = []
    for day, customer, sub, plan, mrr in sorted(raw, key=lambda s: s[0]):
        state = states.setdefault(customer, CustomerLedger())
        currency, country = (
            ("EUR", "DE") if customer == 4 else ("USD", "US" if customer % 2 else "GB")
        )
        made = state.record([Reading(START + timedelta(days=day), mrr, plan)],
                            subscription_id=f"s{customer}-{sub}", customer_id=f"c{customer}",
                            currency=currency, country=country, version=1)  # fmt: skip
        rows += [replace(row, id=len(rows) + n) for n, row in enumerate(made, start=1)]
    return rows


@settings(max_examples=60, deadline=None)
@given(steps)
def test_slices_add_up_and_match_the_ledger(raw: list[tuple[int, int, int, str, int]]) -> None:
    rows = _ledger(raw)
    folded = fold(rows, RATES)
    assert folded.missing == []
    everything = [d for d in folded.days if (d.plan_code, d.currency, d.country) == (ALL,) * 3]
    # unfiltered: the ledger's customer kinds, converted at the day's rate
    for kind in ("new", "expansion", "contraction", "churn", "reactivation"):
        expected = sum(folded.reporting_amounts[r.id or 0] or 0 for r in rows
                       if r.customer_kind.value == kind)  # fmt: skip
        assert sum(getattr(d, kind) for d in everything) == expected
    total = sum(d.net for d in everything)
    # each grouping set adds up to the unfiltered MRR, whatever moved between slices
    for mask in ((True, False, False), (False, True, False), (False, False, True)):
        sliced = [d for d in folded.days
                  if all((v != ALL) == m for v, m in zip((d.plan_code, d.currency, d.country), mask,
                                                         strict=True))]  # fmt: skip
        assert sum(d.net for d in sliced) == total
    # counts: customers and subscriptions paying at the end
    end: dict[str, int] = {}
    for r in rows:
        end[r.subscription_id] = r.mrr_minor
    paying_subs = [s for s, v in end.items() if v > 0]
    assert sum(d.subscribers for d in everything) == len(paying_subs)
    assert sum(d.customers for d in everything) == len({s.split("-")[0] for s in paying_subs})


def test_a_currency_without_a_rate_is_left_out_whole() -> None:
    rows = _ledger([(1, 1, 0, "a", 1000), (2, 4, 0, "a", 4000), (3, 4, 0, "a", 0)])
    folded = fold(rows, ExchangeRates("USD"))
    assert [(m.currency, m.first_day, m.movements) for m in folded.missing] == [
        ("EUR", date(2024, 1, 3), 2)
    ]
    assert folded.movements == 1
    assert [folded.reporting_amounts[r.id or 0] for r in rows] == [1000, None, None]


def test_weeks_run_monday_to_sunday_and_months_are_clipped() -> None:
    assert buckets(date(2024, 6, 1), date(2024, 6, 16), Bucket.WEEK) == [
        (date(2024, 6, 1), date(2024, 6, 2)), (date(2024, 6, 3), date(2024, 6, 9)),
        (date(2024, 6, 10), date(2024, 6, 16))]  # fmt: skip
    assert buckets(date(2024, 11, 15), date(2025, 1, 10), Bucket.MONTH) == [
        (date(2024, 11, 15), date(2024, 11, 30)), (date(2024, 12, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 1, 10))]  # fmt: skip


def test_rates_over_a_zero_start_are_no_figure_and_ltv_needs_churn() -> None:
    empty = series(date(2024, 1, 1), date(2024, 3, 31), Bucket.MONTH, Totals(), [])
    assert empty.headline.revenue_churn is None and empty.headline.logo_churn is None
    assert empty.ltv is None
    steady = series(date(2024, 1, 1), date(2024, 3, 31), Bucket.MONTH, Totals(9000, 3, 3), [])
    assert steady.monthly.revenue_churn == 0 and steady.ltv is None
    assert steady.headline.arpu == Fraction(3000) and steady.headline.nrr == 1
