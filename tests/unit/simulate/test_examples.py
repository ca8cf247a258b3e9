"""The hand-checked scenarios in examples/scenarios/: the simulator's output must match each
``.expected.json``. Keys an expected file leaves out (free-text descriptions, say) are not
compared; everything present must be equal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from domain.simulate.output import to_json
from domain.simulate.run import simulate
from domain.simulate.scenario import parse

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "scenarios"
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".expected.json"))


def mismatches(expected: Any, actual: Any, path: str = "$") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        found = []
        for key, value in expected.items():
            if key not in actual:
                found.append(f"{path}.{key}: missing")
            else:
                found += mismatches(value, actual[key], f"{path}.{key}")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            got = len(actual) if isinstance(actual, list) else actual
            return [f"{path}: expected {len(expected)} items, got {got}"]
        found = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found += mismatches(e, a, f"{path}[{i}]")
        return found
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def test_there_are_at_least_fifteen_examples() -> None:
    assert len(SCENARIOS) >= 15


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_example_matches_its_hand_checked_result(scenario: Path) -> None:
    expected = json.loads(scenario.with_name(scenario.stem + ".expected.json").read_text())
    actual = to_json(simulate(parse(scenario.read_text())))
    problems = mismatches(expected, actual)
    assert not problems, "\n".join(problems[:20])
