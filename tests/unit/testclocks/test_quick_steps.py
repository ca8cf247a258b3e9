"""The admin's quick advance buttons: a day, a week, a calendar month (kept day and time,
clamped to a short month's end, in UTC); anything else is refused on the form's field."""

from __future__ import annotations

import pytest

from domain.shared.errors import ValidationFailed
from domain.shared.periods import utc
from domain.testclocks.staff import quick_target


@pytest.mark.parametrize(
    ("start", "step", "to"),
    [
        (utc(2027, 1, 31, 9), "day", utc(2027, 2, 1, 9)),
        (utc(2027, 1, 31, 9), "week", utc(2027, 2, 7, 9)),
        (utc(2027, 1, 31, 9), "month", utc(2027, 2, 28, 9)),
        (utc(2028, 1, 31, 9), "month", utc(2028, 2, 29, 9)),
        (utc(2027, 12, 15, 23, 30), "month", utc(2028, 1, 15, 23, 30)),
    ],
)
def test_quick_steps_move_by_the_calendar(start, step, to) -> None:  # type: ignore[no-untyped-def]
    assert quick_target(start, step) == to


def test_an_unknown_step_is_refused_on_the_to_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        quick_target(utc(2027, 1, 31, 9), "year")
    assert "to" in refused.value.field_errors
