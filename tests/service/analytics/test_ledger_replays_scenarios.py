"""The live MRR ledger equals the simulator (issue 16): every example scenario the live use cases
can express is replayed through them (``tests/support/scenario_replay.py``) on the in-memory
unit of work, and the ledger's rows for the subscription, as ``(at, kind, amount, mrr)``, must be
exactly the simulator's ``mrr_movements``; rebuilding the ledger from the stored history must give
the live ledger's rows. The same replay runs on SQLite and PostgreSQL for a handful of scenarios
(tests/integration/db/test_ledger_replays_scenarios.py).

Each scenario is replayed twice: with the renewal run waking at each instant the subscription
falls due (its own transaction per renewal, as in production), and with no renewal run between
events (the next command bills the renewals due on its way). Both must give the same rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.analytics.ledger import same_rows
from domain.shared.clock import FrozenClock
from domain.simulate.scenario import parse
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from tests.fakes import InMemoryUnitOfWork
from tests.support.scenario_replay import (
    NO_ANCHOR,
    Renewals,
    Replayer,
    ledger_rows,
    netted,
    simulated_rows,
    why_not_replayable,
)

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
DIFFERENT = {"36-mrr-same-instant-nets": SAME_INSTANT_COMMANDS}


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


async def replay(name: str, renewals: Renewals) -> None:
    scenario = parse((EXAMPLES / f"{name}.json").read_text())
    uow = InMemoryUnitOfWork()
    replayer = Replayer(scenario, uow=lambda: uow, clock=FrozenClock(scenario.events[0].at),
                        renewals=renewals)  # fmt: skip
    sub_id = await replayer.run()

    rows, simulated = await ledger_rows(uow, sub_id), simulated_rows(scenario)
    assert simulated, "every example moves MRR"
    if name in DIFFERENT:
        assert netted(rows) == simulated
        assert rows != simulated, f"{name} now matches exactly: remove it from DIFFERENT"
    else:
        assert rows == simulated
    live = list(uow.mrr_ledger.rows)
    await rebuild_mrr_ledger(uow=lambda: uow, config=replayer.config)
    assert same_rows(uow.mrr_ledger.rows, live)


@pytest.mark.parametrize("name", cases())
async def test_the_ledger_equals_the_simulator_with_renewals_on_time(name: str) -> None:
    await replay(name, "on_time")


@pytest.mark.parametrize("name", cases())
async def test_the_ledger_equals_the_simulator_with_renewals_billed_by_the_next_command(
    name: str,
) -> None:
    await replay(name, "with_events")
