"""MRR movements (domain/analytics/movements.py): the five kinds, one movement per instant, and the
simulator's movements on random histories (Hypothesis): they sum to the final MRR, none is zero."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from domain.analytics.movements import MovementKind, classify, movements
from domain.analytics.mrr import mrr
from domain.shared.periods import utc
from domain.simulate.run import simulate
from domain.simulate.scenario import InvalidScenario, parse

pytestmark = pytest.mark.unit

T1, T2, T3, T4 = (utc(2024, 1, d) for d in (1, 2, 3, 4))


@pytest.mark.parametrize(
    ("before", "after", "churned", "kind"),
    [
        (0, 100, False, MovementKind.NEW),
        (0, 100, True, MovementKind.REACTIVATION),
        (100, 150, False, MovementKind.EXPANSION),
        (100, 50, True, MovementKind.CONTRACTION),
        (100, 0, False, MovementKind.CHURN),
        (100, 100, False, None),
        (0, 0, True, None),
    ],
)
def test_classify(before: int, after: int, churned: bool, kind: MovementKind | None) -> None:
    assert classify(before, after, churned_before=churned) is kind


def test_changes_at_one_instant_net_and_zero_nets_are_no_movement() -> None:
    found = movements([(T1, 100), (T1, 300), (T2, 0), (T2, 300), (T3, 0), (T4, 200)])
    assert [(m.at, m.kind, m.amount, m.mrr) for m in found] == [
        (T1, MovementKind.NEW, 300, 300),
        (T3, MovementKind.CHURN, -300, 0),
        (T4, MovementKind.REACTIVATION, 200, 200),
    ]


def test_observations_out_of_time_order_are_refused() -> None:
    with pytest.raises(ValueError, match="time order"):
        movements([(T2, 1), (T1, 2)])


# -- the property, on random simulator histories --------------------------------------------------
PLANS = [
    {
        "code": "monthly",
        "interval": "month",
        "charges": [
            {"model": "flat", "amount": "19.99"},
            {"model": "per_unit", "unit_amount": "7.33"},
        ],
    },
    {
        "code": "yearly",
        "interval": "year",
        "charges": [{"model": "per_unit", "unit_amount": "100.01"}],
    },
    {
        "code": "weekly",
        "interval": "week",
        "interval_count": 2,
        "trial_days": 3,
        "charges": [{"model": "flat", "amount": "4.99"}],
    },
    {
        "code": "daily",
        "interval": "day",
        "interval_count": 3,
        "charges": [
            {
                "model": "volume",
                "tiers": [
                    {"up_to": 3, "unit_amount": "0.70"},
                    {"up_to": None, "unit_amount": "0.55"},
                ],
            },
            {"model": "per_unit", "unit_amount": "0.01", "usage": {"meter": "calls"}},
        ],
    },
]
COUPONS = [
    {"code": "P15", "percent_off": "15", "duration": "forever"},
    {"code": "R2", "percent_off": "33.3", "duration": "repeating", "duration_in_months": 2},
    {"code": "F5", "amount_off": "5.00", "duration": "forever"},
    {"code": "FR", "amount_off": "250.00", "duration": "repeating", "duration_in_months": 1},
    {"code": "ONCE", "amount_off": "3.00", "duration": "once"},
]
PLAN_CODES = [p["code"] for p in PLANS]
COUPON_CODES = [c["code"] for c in COUPONS]
START = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)


def _at(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    t = START
    events: list[dict[str, Any]] = [
        {
            "at": _at(t),
            "type": "subscribe",
            "plan": draw(st.sampled_from(PLAN_CODES)),
            "quantity": draw(st.integers(1, 6)),
            **({"coupon": c} if (c := draw(st.none() | st.sampled_from(COUPON_CODES))) else {}),
        }
    ]
    paused = False
    for _ in range(draw(st.integers(0, 8))):
        # several events may share an instant (a gap of zero)
        t += timedelta(hours=draw(st.sampled_from([0, 0, 12, 24 * 3, 24 * 17, 24 * 40, 24 * 200])))
        kind = draw(st.sampled_from(["quantity", "plan", "coupon", "pause", "cancel_end", "usage"]))
        if paused:
            events.append({"at": _at(t), "type": "resume"})
            paused = False
        elif kind == "quantity":
            events.append(
                {
                    "at": _at(t),
                    "type": "change_quantity",
                    "quantity": draw(st.integers(1, 9)),
                    "timing": draw(st.sampled_from(["immediate", "period_end"])),
                }
            )
        elif kind == "plan":
            events.append(
                {
                    "at": _at(t),
                    "type": "change_plan",
                    "plan": draw(st.sampled_from(PLAN_CODES)),
                    "timing": draw(st.sampled_from(["immediate", "period_end"])),
                    "proration": draw(st.sampled_from(["invoice_now", "next_invoice", "none"])),
                }
            )
        elif kind == "coupon":
            events.append(
                {
                    "at": _at(t),
                    "type": "apply_coupon",
                    "coupon": draw(st.sampled_from(COUPON_CODES)),
                }
            )
        elif kind == "pause":
            if draw(st.booleans()):
                events.append({"at": _at(t), "type": "pause"})
                paused = True
            else:
                back = t + timedelta(days=draw(st.integers(1, 60)))
                events.append({"at": _at(t), "type": "pause", "resume_at": _at(back)})
                t = max(t, back)
        elif kind == "cancel_end":
            events.append({"at": _at(t), "type": "cancel"})
            if draw(st.booleans()):
                events.append({"at": _at(t), "type": "uncancel"})
        else:
            events.append({"at": _at(t), "type": "usage", "meter": "calls", "value": "100"})
    if draw(st.booleans()):
        events.append({"at": _at(t), "type": "cancel", "timing": "immediate"})
    until = t + timedelta(days=draw(st.integers(0, 400)))
    return {
        "currency": "USD",
        "settings": {"rounding": draw(st.sampled_from(["half_up", "half_even"]))},
        "catalog": {
            "plans": PLANS,
            "coupons": COUPONS,
            "tax_rates": [{"code": "INC", "percentage": "19", "inclusive": True}],
        },
        "customer": {"tax_rate": draw(st.sampled_from([None, "INC"]))},
        "events": events,
        "until": _at(until),
    }


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(history=histories())
def test_movements_sum_to_the_final_mrr_and_none_is_zero(history: dict[str, Any]) -> None:
    try:
        result = simulate(parse(json.dumps(history)))
    except InvalidScenario:
        reject()  # a change the engine refuses (one after a period-end cancellation took effect)
    found = result.mrr_movements
    assert sum(m.amount for m in found) == result.mrr
    assert all(m.amount != 0 for m in found)
    assert result.mrr == mrr(result.engine).minor  # the value at until
    value, churned = 0, False
    for previous, movement in zip((None, *found), found, strict=False):
        assert previous is None or previous.at < movement.at  # one movement per instant
        assert movement.mrr == value + movement.amount >= 0
        assert movement.kind is classify(value, movement.mrr, churned_before=churned)
        churned = churned or movement.kind is MovementKind.CHURN
        value = movement.mrr
