"""The cohort arithmetic alone: percentages in exact tenths rounded half up, shades, month
arithmetic, and the filters' messages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.analytics.cohort_filters import CohortFilterInput, check_filters
from domain.analytics.cohorts import (
    add_months,
    format_tenths,
    heat_level,
    month_of,
    months_between,
    tenths_of_percent,
)
from domain.shared.errors import ValidationFailed

TODAY = date(2024, 4, 15)


def test_tenths_of_a_percent_are_exact_and_round_half_up() -> None:
    assert tenths_of_percent(2, 3) == 667
    assert tenths_of_percent(1, 3) == 333
    assert tenths_of_percent(1, 8) == 125  # 12.5% exactly
    assert tenths_of_percent(1, 16) == 63  # 6.25% -> 6.3%
    assert tenths_of_percent(10000, 8000) == 1250
    assert tenths_of_percent(1, 0) is None
    assert (format_tenths(667), format_tenths(1000), format_tenths(None)) == (
        "66.7%",
        "100.0%",
        "—",
    )


def test_shades_are_finer_where_retention_usually_lies() -> None:
    assert [heat_level(t) for t in (None, 0, 499, 500, 699, 700, 899, 900, 999, 1000, 1500)] == [
        -1, 0, 0, 1, 1, 2, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_months() -> None:
    assert month_of(datetime(2024, 1, 31, 23, 59, tzinfo=UTC)) == date(2024, 1, 1)
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)
    assert add_months(date(2024, 1, 1), -1) == date(2023, 12, 1)
    assert months_between(date(2023, 11, 1), date(2024, 2, 1)) == 3


def test_default_filters_are_the_last_twelve_cohorts() -> None:
    f = check_filters(CohortFilterInput(), today=TODAY)
    assert (f.start, f.end) == (date(2023, 5, 1), date(2024, 4, 1))


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        (CohortFilterInput(start="2024-13"), "from"),
        (CohortFilterInput(end="April"), "to"),
        (CohortFilterInput(start="2024-03", end="2024-01"), "to"),
        (CohortFilterInput(end="2024-05"), "to"),
        (CohortFilterInput(currency="E1R"), "currency"),
        (CohortFilterInput(country="XX"), "country"),
        (CohortFilterInput(plan="<script>"), "plan"),
        (CohortFilterInput(measure="dollars"), "measure"),
        (CohortFilterInput(start="2000-01", end="2024-01"), "from"),
    ],
)
def test_bad_filters_name_their_field(typed: CohortFilterInput, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_filters(typed, today=TODAY)
    assert field in caught.value.field_errors
