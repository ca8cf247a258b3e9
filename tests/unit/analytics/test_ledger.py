"""The ledger's rows: one transaction's readings net per instant into subscription movements, and
each is classified again on the customer's total (ChartMogul's customer-level kinds)."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading, same_rows
from domain.analytics.movements import MovementKind as K
from domain.shared.periods import utc

JAN, FEB, MAR, APR = utc(2026, 1, 1), utc(2026, 2, 1), utc(2026, 3, 1), utc(2026, 4, 1)


def _record(
    state: CustomerLedger, sub: str, *readings: tuple[datetime, int], plan: str = "team"
) -> list[tuple[datetime, K, K, int, int]]:
    rows = state.record(
        [Reading(at, value, plan) for at, value in readings],
        subscription_id=sub,
        customer_id="cus",
        currency="USD",
        country="DE",
        version=1,
    )
    return [(r.at, r.kind, r.customer_kind, r.amount_minor, r.mrr_minor) for r in rows]


def test_readings_at_one_instant_net_into_one_movement_and_no_change_is_none() -> None:
    state = CustomerLedger()
    assert _record(state, "a", (JAN, 1000), (JAN, 3000)) == [(JAN, K.NEW, K.NEW, 3000, 3000)]
    assert _record(state, "a", (FEB, 3000)) == []
    assert _record(state, "a", (MAR, 2000), (APR, 2000)) == [
        (MAR, K.CONTRACTION, K.CONTRACTION, -1000, 2000)
    ]


def test_a_second_subscription_is_new_for_itself_and_an_expansion_for_the_customer() -> None:
    state = CustomerLedger()
    _record(state, "a", (JAN, 1000))
    assert _record(state, "b", (FEB, 500)) == [(FEB, K.NEW, K.EXPANSION, 500, 500)]
    # cancelling one of two: a churn of that subscription, a contraction of the customer
    assert _record(state, "a", (MAR, 0)) == [(MAR, K.CHURN, K.CONTRACTION, -1000, 0)]
    assert _record(state, "b", (APR, 0)) == [(APR, K.CHURN, K.CHURN, -500, 0)]
    # back after a churn: a reactivation of the customer even on a new subscription
    assert _record(state, "c", (utc(2026, 5, 1), 700)) == [
        (utc(2026, 5, 1), K.NEW, K.REACTIVATION, 700, 700)
    ]
    assert state.total == 700 and state.customer_churned


def test_the_state_read_back_from_rows_continues_where_it_stopped() -> None:
    live = CustomerLedger()
    rows: list[LedgerMovement] = []
    for sub, at, value in [("a", JAN, 1000), ("a", FEB, 0), ("b", MAR, 400)]:
        rows += live.record(
            [Reading(at, value, "team")],
            subscription_id=sub, customer_id="cus", currency="USD", country=None, version=1,
        )  # fmt: skip
    again = CustomerLedger.of(rows)
    assert (again.mrr, again.churned, again.customer_churned) == (
        live.mrr, live.churned, live.customer_churned
    )  # fmt: skip
    assert _record(again, "a", (APR, 1000)) == [(APR, K.REACTIVATION, K.EXPANSION, 1000, 1000)]
    assert same_rows(rows, rows) and not same_rows(rows, rows[:-1])


def test_readings_out_of_time_order_are_a_bug() -> None:
    with pytest.raises(ValueError, match="time order"):
        _record(CustomerLedger(), "a", (FEB, 1000), (JAN, 2000))
