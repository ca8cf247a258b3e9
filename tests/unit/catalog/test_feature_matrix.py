"""The comparison matrix reads as inclusion: one row per feature, a plan's own wording shown
where it words the feature differently ("1 project", "Unlimited projects")."""

from __future__ import annotations

import pytest

from domain.catalog.demo import SCALE_FEATURES, STARTER_FEATURES, TEAM_FEATURES
from domain.catalog.feature_matrix import FeatureRow, feature_rows

pytestmark = pytest.mark.unit


def _rows(*plans: tuple[str, ...]) -> dict[str, tuple[tuple[bool, ...], tuple[str | None, ...]]]:
    return {r.feature: (r.included, r.wording) for r in feature_rows(plans)}


def test_the_demo_families_compare_by_inclusion() -> None:
    rows = _rows(STARTER_FEATURES, TEAM_FEATURES, SCALE_FEATURES)
    assert rows["Projects"] == ((True, True, True), ("1", "Unlimited", "Unlimited"))
    assert rows["Support"] == ((True, True, True), ("E-mail", "Priority", "Priority"))
    assert rows["Hosted checkout"] == ((True, True, True), (None, None, None))
    assert rows["SSO"] == ((False, False, True), (None, None, None))
    assert "1 project" not in rows and "Unlimited projects" not in rows
    assert list(rows)[:4] == ["Projects", "Hosted checkout", "Customer portal", "Support"]


def test_every_feature_of_every_plan_is_a_check_in_one_row() -> None:
    plans = (STARTER_FEATURES, TEAM_FEATURES, SCALE_FEATURES)
    rows = feature_rows(plans)
    for index, features in enumerate(plans):
        assert sum(r.included[index] for r in rows) == len(features)


def test_quantities_group_and_ordinary_words_do_not() -> None:
    rows = _rows(("5 users", "Hosted checkout"), ("50 users", "Embedded checkout"))
    assert rows["Users"] == ((True, True), ("5", "50"))
    assert rows["Hosted checkout"] == ((True, False), (None, None))  # "Hosted" is no level
    assert rows["Embedded checkout"] == ((False, True), (None, None))


def test_a_feature_only_one_plan_has_keeps_its_words() -> None:
    rows = feature_rows([("10,000 API calls included",), ("SSO",)])
    assert rows[0] == FeatureRow("10,000 API calls included", (True, False), (None, None))


def test_a_plan_with_two_wordings_of_one_subject_keeps_separate_rows() -> None:
    rows = _rows(("E-mail support", "Phone support"), ("Priority support",))
    assert set(rows) == {"E-mail support", "Phone support", "Priority support"}
