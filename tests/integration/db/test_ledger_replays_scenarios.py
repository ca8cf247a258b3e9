"""The live MRR ledger equals the simulator on the real database (SQLite and PostgreSQL): a
handful of example scenarios covering coupons, a trial, a pause, cancellations, plan changes,
usage and tax are replayed through the live use cases (``tests/support/scenario_replay.py``) with
the renewal run waking at each instant the subscription falls due; the ledger's rows, as
``(at, kind, amount, mrr)``, must be exactly the simulator's ``mrr_movements``, and the rebuild
from the stored history must give the live ledger's rows. Every replayable example runs on the
in-memory unit of work (tests/service/analytics/test_ledger_replays_scenarios.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.ledger import same_rows
from domain.shared.clock import FrozenClock
from domain.simulate.scenario import parse
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from tests.support.database import TestDatabase
from tests.support.scenario_replay import Replayer, ledger_rows, simulated_rows
from web.jobs import build_registry

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "scenarios"

REPRESENTATIVE = [
    "20-tax-inclusive",  # inclusive tax taken out, a coupon applied later
    "35-mrr-new-expansion-contraction-churn",  # quantity up and down, cancel now with credit
    "37-mrr-annual-plans",  # a yearly plan, upgraded now with an invoice
    "39-mrr-repeating-coupon-ends",  # a repeating coupon ending at a renewal
    "41-mrr-trial-converts",  # a change during a trial, the conversion at its end
    "42-mrr-pause-resume",  # pause, resume, a pause that ends on its own
    "43-mrr-period-end-downgrade",  # a downgrade and a cancellation at the period's end
    "44-mrr-usage-setup-fee-once-not-counted",  # usage, a setup fee, a once coupon, tax
]


@pytest.mark.parametrize("name", REPRESENTATIVE)
async def test_the_ledger_equals_the_simulator_on_the_database(db: TestDatabase, name: str) -> None:
    scenario = parse((EXAMPLES / f"{name}.json").read_text())
    clock = FrozenClock(scenario.events[0].at)

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())

    replayer = Replayer(scenario, uow=uow, clock=clock, renewals="on_time")
    sub_id = await replayer.run()

    assert await ledger_rows(uow(), sub_id) == simulated_rows(scenario)
    async with uow() as reader:
        live = await reader.mrr_ledger.all()
    await rebuild_mrr_ledger(uow=uow, config=replayer.config)
    async with uow() as reader:
        rebuilt = await reader.mrr_ledger.all()
    assert live and same_rows(rebuilt, live)
