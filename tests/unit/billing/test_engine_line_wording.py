"""How proration lines read: words in the description, the arithmetic in the explanation, the
same arithmetic in days in the detail, and no zero lines.

The plan is 30.00 flat + 10.00 per seat, monthly from Jan 31 2024; a change on Feb 15 leaves 14
of the 29 days of [Jan 31, Feb 29).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from domain.billing.model import LineKind
from domain.shared.periods import utc
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing
from tests.unit.billing._builders import (
    flat,
    lines_of,
    make_engine,
    make_plan,
    make_settings,
    per_unit,
)

pytestmark = pytest.mark.unit

TEAM = make_plan("team")
FREE_BASE = make_plan("free_base", charges=(flat(0), per_unit(1000)))
JAN31, FEB15, FEB29 = utc(2024, 1, 31), utc(2024, 2, 15), utc(2024, 2, 29)


def test_a_quantity_change_reads_in_words_with_the_arithmetic_in_days() -> None:
    engine = make_engine(TEAM)
    engine.subscribe(JAN31, TEAM)
    engine.advance_to(FEB15)
    engine.change(FEB15, quantity=5, proration=ProrationBehavior.INVOICE_NOW)
    lines = engine.invoices[-1].lines
    assert [(ln.description, ln.explanation, ln.detail) for ln in lines] == [
        ("Unused time on Team after Feb 15, 2024", "14/29 x 30.00", "14 of 29 days x 30.00"),
        (
            "Unused time on Team units after Feb 15, 2024",
            "14/29 x 1 x 10.00",
            "14 of 29 days x 1 x 10.00",
        ),
        ("Remaining time on Team after Feb 15, 2024", "14/29 x 30.00", "14 of 29 days x 30.00"),
        (
            "Remaining time on 5 x Team units after Feb 15, 2024",
            "14/29 x 5 x 10.00",
            "14 of 29 days x 5 x 10.00",
        ),
    ]
    assert all(ln.shown_detail == ln.detail for ln in lines)


def test_second_proration_explains_in_seconds_and_details_in_days() -> None:
    engine = make_engine(TEAM, settings=make_settings(proration="second"))  # type: ignore[arg-type]
    engine.subscribe(JAN31, TEAM)
    noon = utc(2024, 2, 15, 12)
    engine.advance_to(noon)
    engine.change(noon, quantity=2, proration=ProrationBehavior.INVOICE_NOW)
    first = engine.invoices[-1].lines[0]
    assert first.explanation == "1166400/2505600 x 30.00"
    assert first.detail == "13.5 of 29 days x 30.00"


def test_the_date_is_the_change_day_in_the_subscription_time_zone() -> None:
    berlin = make_settings(tz=ZoneInfo("Europe/Berlin"))
    engine = make_engine(TEAM, settings=berlin)
    engine.subscribe(utc(2024, 1, 30, 23), TEAM)  # Jan 31 00:00 in Berlin
    late = utc(2024, 2, 14, 23, 30)  # Feb 15 00:30 in Berlin
    engine.advance_to(late)
    engine.change(late, quantity=2, proration=ProrationBehavior.INVOICE_NOW)
    assert engine.invoices[-1].lines[0].description == "Unused time on Team after Feb 15, 2024"


def test_a_cancellation_credit_note_reads_as_unused_time() -> None:
    engine = make_engine(TEAM)
    engine.subscribe(JAN31, TEAM, quantity=3)
    engine.advance_to(FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    (note,) = engine.credit_notes
    assert [(ln.description, ln.detail) for ln in note.lines] == [
        ("Unused time on Team after Feb 15, 2024", "14 of 29 days x 30.00"),
        ("Unused time on 3 x Team units after Feb 15, 2024", "14 of 29 days x 3 x 10.00"),
    ]


def test_a_free_component_keeps_its_zero_lines_but_a_person_is_not_shown_them() -> None:
    # the simulator's rule 4: one proration line per charge, even a free one
    engine = make_engine(FREE_BASE)
    engine.subscribe(JAN31, FREE_BASE)
    engine.advance_to(FEB15)
    engine.change(FEB15, quantity=4, proration=ProrationBehavior.INVOICE_NOW)
    assert [ln.amount for ln in engine.invoices[-1].lines] == [0, -483, 0, 1931]
    assert [ln.amount for ln in engine.invoices[-1].shown_lines] == [-483, 1931]
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    assert [ln.amount for ln in engine.credit_notes[0].lines if ln.amount] == [1931]


def test_a_change_with_no_time_left_shows_no_lines() -> None:
    # anchored at noon: on the period's last date (Feb 29 08:00) no whole day is left
    engine = make_engine(TEAM)
    engine.subscribe(utc(2024, 1, 31, 12), TEAM)
    morning = utc(2024, 2, 29, 8)
    engine.advance_to(morning)
    engine.change(morning, quantity=5, proration=ProrationBehavior.NEXT_INVOICE)
    engine.advance_to(utc(2024, 2, 29, 12))
    assert [ln.amount for ln in lines_of(engine.invoices[-1], LineKind.PRORATION)] == [0, 0, 0, 0]
    assert [ln for ln in engine.invoices[-1].shown_lines if ln.kind is LineKind.PRORATION] == []
    assert engine.invoices[-1].total == 3000 + 5000
