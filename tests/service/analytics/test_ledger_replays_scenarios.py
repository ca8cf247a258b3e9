"""The live MRR ledger equals the simulator (issue 16): every example scenario the live use cases
can express is replayed through them (``tests/support/scenario_replay.py``) on the in-memory
unit of work, and the ledger's rows for the subscription, as ``(at, kind, amount, mrr)``, must be
exactly the simulator's ``mrr_movements``; rebuilding the ledger from the stored history must give
the live ledger's rows. The same replay runs on SQLite and PostgreSQL for a handful of scenarios
(tests/integration/db/test_ledger_replays_scenarios.py).

Each scenario is replayed twice: with the renewal run waking at each instant the subscription
falls due (its own transaction per renewal, as in production), and with no renewal run between
events (the next command bills the renewals due on its way). Both must give the same rows. Random
histories (Hypothesis) are replayed the same way at the end."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from domain.analytics.ledger import same_rows
from domain.shared.clock import FrozenClock
from domain.simulate.run import simulate
from domain.simulate.scenario import InvalidScenario, parse
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from tests.fakes import InMemoryUnitOfWork
from tests.support.scenario_replay import (
    NO_ANCHOR,
    Renewals,
    Replayer,
    Row,
    ledger_rows,
    netted,
    simulated_rows,
    why_not_replayable,
)
from tests.unit.analytics.test_movements import histories

pytestmark = pytest.mark.service

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "scenarios"
SCENARIOS = sorted(p for p in EXAMPLES.glob("*.json") if not p.name.endswith(".expected.json"))

# The examples the live use cases cannot express, and why. Every other example is replayed.
EXCLUDED = {
    "26-trial-then-anchor-stub": NO_ANCHOR,
    "28-half-even-ties-anchor-stub": NO_ANCHOR,
    "32-anchor-stub-cancel-credit": NO_ANCHOR,
    "33-anchor-stub-upgrade": NO_ANCHOR,
    "34-anchor-stub-cancel-second": NO_ANCHOR,
}

# Known differences between the live ledger and the simulator, and why. The replay still runs and
# the ledger, netted per instant, must equal the simulator; its raw rows must still differ (so an
# entry is removed once the difference is gone).
SAME_INSTANT_COMMANDS = (
    "two commands at one instant are two transactions: the live ledger appends one movement per "
    "transaction (it nets only the readings of one transaction), the simulator nets every change "
    "at one instant into one movement (SIMULATION.md; docs/analytics.md rule 15)"
)
DIFFERENT = {
    "36-mrr-same-instant-nets": SAME_INSTANT_COMMANDS,
    "61-mrr-cancel-at-subscribe-instant": SAME_INSTANT_COMMANDS,
}

# The examples whose point is that MRR never moves (the ledger must then hold no row either).
NO_MOVEMENT = {"60-mrr-trial-canceled-no-movement", "61-mrr-cancel-at-subscribe-instant"}


def cases() -> list[object]:
    return [
        pytest.param(
            p.stem,
            id=p.stem,
            marks=[pytest.mark.skip(reason=EXCLUDED[p.stem])] if p.stem in EXCLUDED else [],
        )
        for p in SCENARIOS
    ]


def test_the_exclusions_are_exactly_what_the_live_use_cases_cannot_express() -> None:
    found = {p.stem: why_not_replayable(parse(p.read_text())) for p in SCENARIOS}
    assert {name: why for name, why in found.items() if why} == EXCLUDED
    assert len(SCENARIOS) - len(EXCLUDED) >= 35


async def replay(text: str, renewals: Renewals) -> tuple[list[Row], list[Row]]:
    """The ledger's rows for the replayed subscription and the simulator's movements, after
    checking that the rebuild from the stored history gives the live ledger's rows."""
    scenario = parse(text)
    uow = InMemoryUnitOfWork()
    replayer = Replayer(scenario, uow=lambda: uow, clock=FrozenClock(scenario.events[0].at),
                        renewals=renewals)  # fmt: skip
    sub_id = await replayer.run()
    rows = await ledger_rows(uow, sub_id)
    live = list(uow.mrr_ledger.rows)
    await rebuild_mrr_ledger(uow=lambda: uow, config=replayer.config)
    assert same_rows(uow.mrr_ledger.rows, live)
    return rows, simulated_rows(scenario)


async def replay_example(name: str, renewals: Renewals) -> None:
    rows, simulated = await replay((EXAMPLES / f"{name}.json").read_text(), renewals)
    assert bool(simulated) is (name not in NO_MOVEMENT), "every other example moves MRR"
    if name in DIFFERENT:
        assert netted(rows) == simulated
        assert rows != simulated, f"{name} now matches exactly: remove it from DIFFERENT"
    else:
        assert rows == simulated


@pytest.mark.parametrize("name", cases())
async def test_the_ledger_equals_the_simulator_with_renewals_on_time(name: str) -> None:
    await replay_example(name, "on_time")


@pytest.mark.parametrize("name", cases())
async def test_the_ledger_equals_the_simulator_with_renewals_billed_by_the_next_command(
    name: str,
) -> None:
    await replay_example(name, "with_events")


# -- random histories ---------------------------------------------------------------------------
@st.composite
def random_histories(draw: st.DrawFn) -> dict[str, Any]:
    """The simulator property test's random histories (tests/unit/analytics/test_movements.py)
    in other time zones, currencies and settings, without usage (the simulator ignores a meter the
    plan lacks; the live ``record_usage`` refuses it, and usage never moves MRR)."""
    history = draw(histories())
    history["events"] = [e for e in history["events"] if e["type"] != "usage"]
    history["timezone"] = draw(st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]))
    history["currency"] = draw(st.sampled_from(["USD", "EUR"]))
    history["settings"]["proration"] = draw(st.sampled_from(["day", "second"]))
    history["settings"]["tax_rounding"] = draw(st.sampled_from(["per_invoice", "per_line"]))
    return history


@pytest.mark.parametrize("renewals", ["on_time", "with_events"])
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(history=random_histories())
def test_the_ledger_equals_the_simulator_on_random_histories(
    renewals: Renewals, history: dict[str, Any]
) -> None:
    """Exactly, when the renewals are billed by the next command and no two events share an
    instant; netted per instant otherwise (two transactions at one instant: the renewal run's
    and a command's, or two commands'; the known difference above)."""
    text = json.dumps(history)
    try:
        simulate(parse(text))
    except InvalidScenario:
        reject()  # a change the engine refuses (one after a period-end cancellation took effect)
    note(text)
    rows, simulated = asyncio.run(replay(text, renewals))
    events = json.loads(text)["events"]
    if renewals == "with_events" and len({e["at"] for e in events}) == len(events):
        assert rows == simulated
    else:
        assert netted(rows) == simulated
