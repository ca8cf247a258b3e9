"""Invalid scenarios exit 2 with a JSON error naming the field; never a traceback."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from domain.simulate.__main__ import main

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]

VALID: dict[str, Any] = {
    "currency": "USD",
    "catalog": {
        "plans": [
            {
                "code": "team",
                "interval": "month",
                "charges": [{"model": "flat", "amount": "30.00"}],
            },
            {
                "code": "pro",
                "interval": "month",
                "charges": [{"model": "per_unit", "unit_amount": "12.00"}],
            },
        ],
        "coupons": [{"code": "SAVE20", "percent_off": "20", "duration": "once"}],
        "tax_rates": [{"code": "VAT20", "percentage": "20"}],
    },
    "events": [
        {"at": "2024-01-31T00:00:00Z", "type": "subscribe", "plan": "team"},
        {"at": "2024-02-10T00:00:00Z", "type": "change_plan", "plan": "pro", "quantity": 3},
    ],
    "until": "2024-04-01T00:00:00Z",
}


def _run(
    scenario: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, Any]:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    code = main([str(path)])
    return code, json.loads(capsys.readouterr().out)


def _with(change: str, value: Any) -> dict[str, Any]:
    """A copy of VALID with the value at a dotted path (``events.1.plan``) replaced or deleted."""
    scenario = copy.deepcopy(VALID)
    *parents, last = change.split(".")
    node: Any = scenario
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return scenario


def test_the_valid_scenario_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(VALID, tmp_path, capsys)
    assert code == 0
    assert out["subscription"]["plan"] == "pro"
    assert out["subscription"]["quantity"] == 3


@pytest.mark.parametrize(
    ("change", "value", "path"),
    [
        ("events.1.plan", "enterprise", "events[1].plan"),
        ("events.1.at", "2024-01-01T00:00:00Z", "events[1].at"),
        ("events.1.at", "yesterday", "events[1].at"),
        ("events.1.at", "2024-02-10T00:00:00", "events[1].at"),
        ("events.1.quantity", 0, "events[1].quantity"),
        ("events.1.quantity", -2, "events[1].quantity"),
        ("events.1.quantity", 2.5, "events[1].quantity"),
        ("events.1.colour", "red", "events[1].colour"),
        ("events.1.type", "explode", "events[1].type"),
        ("events.1.timing", "tomorrow", "events[1].timing"),
        ("events.0.coupon", "NOPE", "events[0].coupon"),
        ("events.0.type", "usage", "events[0].plan"),  # a usage event has no plan field
        ("catalog.plans.0.charges.0.amount", "12.505", "catalog.plans[0].charges[0].amount"),
        ("catalog.plans.0.charges.0.amount", "ten", "catalog.plans[0].charges[0].amount"),
        ("catalog.plans.0.charges.0.amount", "-1.00", "catalog.plans[0].charges[0].amount"),
        (
            "catalog.plans.0.charges.0.unit_amount",
            "1.00",
            "catalog.plans[0].charges[0].unit_amount",
        ),
        ("catalog.plans.0.interval", "fortnight", "catalog.plans[0].interval"),
        ("catalog.plans.1.code", "team", "catalog.plans[1].code"),
        ("catalog.coupons.0.duration", "repeating", "catalog.coupons[0].duration_in_months"),
        ("catalog.tax_rates.0.percentage", "abc", "catalog.tax_rates[0].percentage"),
        ("currency", "EURO", "currency"),
        ("timezone", "Mars/Base", "timezone"),
        ("until", "2024-02-01T00:00:00Z", "until"),
        ("settings", {"proration": "hour"}, "settings.proration"),
        ("customer", {"tax_rate": "GST"}, "customer.tax_rate"),
        ("extra", 1, "extra"),
        ("catalog", ..., "catalog"),
    ],
)
def test_invalid_scenario_names_the_field(
    change: str, value: Any, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(_with(change, value), tmp_path, capsys)
    assert code == 2
    assert out["error"]["path"] == path
    assert out["error"]["message"]


def test_an_impossible_transition_is_an_invalid_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = copy.deepcopy(VALID)
    scenario["events"] = [
        {"at": "2024-01-31T00:00:00Z", "type": "subscribe", "plan": "team"},
        {"at": "2024-02-01T00:00:00Z", "type": "cancel", "timing": "immediate"},
        {"at": "2024-02-02T00:00:00Z", "type": "change_quantity", "quantity": 2},
    ]
    code, out = _run(scenario, tmp_path, capsys)
    assert code == 2
    assert out["error"]["path"] == "events[2]"
    assert "canceled" in out["error"]["message"]


def test_anchor_beyond_one_interval_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _with("events.0.anchor", "2024-03-15T00:00:00Z")
    code, out = _run(scenario, tmp_path, capsys)
    assert code == 2
    assert out["error"]["path"] == "events[0].anchor"


def test_command_line_never_prints_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for args in ([str(broken)], [str(tmp_path / "missing.json")], []):
        result = subprocess.run(
            [sys.executable, "-m", "domain.simulate", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "error" in json.loads(result.stdout)
