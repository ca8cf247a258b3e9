"""Usage across an immediate plan change on a persisted subscription (docs/billing.md, "Usage
across an immediate plan change"): the old plan's usage so far waits among the stored pending
lines, the new plan's usage starts where it ends, and the live invoices are the simulator's
(examples/scenarios/48-*), whether the renewal runs on time or is billed by a later command."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.shared.clock import FrozenClock
from domain.simulate.run import simulate
from domain.simulate.scenario import parse
from tests.fakes import InMemoryUnitOfWork
from tests.support.scenario_replay import Renewals, Replayer

pytestmark = pytest.mark.service

SCENARIO = (
    Path(__file__).resolve().parents[3]
    / "examples"
    / "scenarios"
    / "48-usage-across-immediate-plan-change.json"
)


def _shape(invoice: object) -> tuple[object, ...]:
    lines = tuple(
        (line.kind, line.amount, line.period.start, line.period.end)
        for line in invoice.lines  # type: ignore[attr-defined]
    )
    return (invoice.issued_at, invoice.total, lines)  # type: ignore[attr-defined]


@pytest.mark.parametrize("renewals", ["on_time", "with_events"])
async def test_the_live_subscription_bills_each_plans_usage_like_the_simulator(
    renewals: Renewals,
) -> None:
    scenario = parse(SCENARIO.read_text())
    uow = InMemoryUnitOfWork()
    replayer = Replayer(scenario, uow=lambda: uow, clock=FrozenClock(scenario.events[0].at),
                        renewals=renewals)  # fmt: skip
    sub_id = await replayer.run()
    live = sorted(
        (i.invoice for i in uow.invoices.invoices.values() if i.subscription_id == sub_id),
        key=lambda inv: (inv.issued_at, inv.number),
    )
    simulated = simulate(scenario).engine.invoices
    assert [_shape(i) for i in live] == [_shape(i) for i in simulated]
    renewal = live[-1]
    usage = [(line.amount, line.period.start.day) for line in renewal.lines if line.kind == "usage"]
    assert usage == [(3000, 1), (750, 16)]  # 300 calls on the old plan, 250 on the new one
