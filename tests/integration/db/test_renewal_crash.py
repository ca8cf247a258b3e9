"""The crash harness (``bench/renewal_crash.py``) at a few hundred subscriptions on PostgreSQL:
a runner SIGKILLed mid-batch (renewal, then collection) and restarted, two runner processes on
one renewal day, a gateway failing 20% of the charges. Each must end with one renewal invoice per
subscription, one succeeded charge per paid invoice, failures in dunning, gapless numbers, no dead
or stuck job, every subscription advanced. And the harness's checks must see what breaks them."""

from __future__ import annotations

import pytest

from bench.renewal_crash import Options, Outcome, run_scenario
from bench.renewal_crash_checks import check_day
from domain.adapters.db.engine import close_pool, start_pool
from domain.adapters.db.tables import JobTable, bind_tables
from tests.support.database import TestDatabase

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]

SUBSCRIPTIONS = 300  # two renewal batches (of 200 and 100), so two collection batches


def _options(**overrides: object) -> Options:
    # a killed runner's job is taken again after 30 + 2 s instead of the product's 630 s
    settings: dict[str, object] = {
        "subscriptions": SUBSCRIPTIONS, "runners": 2, "concurrency": 4, "kills": 2,
        "job_timeout_s": 30, "lease_margin_s": 2.0, "timeout_s": 420.0, "seed": 18,
    }  # fmt: skip
    settings.update(overrides)
    return Options(**settings)  # type: ignore[arg-type]


def _assert_exactly_once(outcome: Outcome, *, failed: int | None = 0) -> None:
    r = outcome.report
    assert r.problems == [], r.problems
    assert r.subscriptions == r.invoices == SUBSCRIPTIONS
    if failed is not None:
        assert r.failed == failed
    assert r.paid + r.failed == SUBSCRIPTIONS
    assert r.succeeded_charges == r.paid
    assert r.dunning_cases == r.failed


@pytest.mark.timeout(600)
async def test_a_runner_killed_mid_batch_and_restarted_renews_and_charges_once(
    db: TestDatabase,
) -> None:
    # the set-based batch is done in a blink: each waits 3 s inside its transaction (the
    # harness's hook, CRASH_PAUSE_IN_BATCH_S), so the kill lands with it open
    outcome = await run_scenario(db.url, "kill", _options(pause_in_batch_s=3.0))
    print(outcome.line())
    print(*outcome.kills, sep="\n")
    assert [k.split()[0] for k in outcome.kills] == [
        "subscriptions.renew_batch",
        "payments.collect_batch",
    ]
    assert outcome.kills[0].endswith("tx_open=True"), outcome.kills
    # the killed runners' jobs were taken again after their leases ran out
    assert outcome.report.reclaimed_jobs >= 2
    _assert_exactly_once(outcome)


@pytest.mark.timeout(600)
async def test_two_runner_processes_share_a_renewal_day(db: TestDatabase) -> None:
    outcome = await run_scenario(db.url, "two-runners", _options())
    print(outcome.line())
    assert outcome.kills == []
    _assert_exactly_once(outcome)

    # the checks see what would break the day: plant one of each fault and count them
    bind_tables(db.engine)
    await start_pool(db.engine, max_size=2)
    try:
        [paid, other] = await JobTable.raw(
            "SELECT id, number FROM invoice WHERE period_start = {} AND status = 'paid'"
            " ORDER BY number LIMIT 2",
            outcome.renewal,
        )
        await JobTable.raw(
            "INSERT INTO sandbox_payment (ref, idempotency_key, kind, method_ref, amount_minor,"
            " currency, status) VALUES ('pi_twice', {}, 'charge', 'pm_x', 4000, 'USD',"
            " 'succeeded')",
            f"{paid['id']}:9",
        )
        await JobTable.raw("UPDATE invoice SET number = NULL WHERE id = {}", other["id"])
        await JobTable.raw(
            "UPDATE job SET status = 'dead' WHERE id = (SELECT id FROM job"
            " WHERE name = 'payments.collect_batch' LIMIT 1)"
        )
        await JobTable.raw(
            "UPDATE subscription SET period_start = period_start - interval '31 days' WHERE id"
            " = (SELECT subscription_id FROM invoice WHERE id = {})",
            other["id"],
        )
        planted = await check_day(outcome.renewal, retry_days=1)
    finally:
        await close_pool(db.engine)
    found = "\n".join(planted.problems)
    assert "invoices charged successfully more than once: 1" in found
    assert "paid renewal invoices without exactly one succeeded charge: 1" in found
    assert "invoices without a number: 1" in found
    assert "invoice numbers missing from series" in found
    assert "dead jobs: 1" in found
    assert "subscriptions not advanced to the renewal's period: 1" in found


@pytest.mark.timeout(600)
async def test_a_gateway_failing_a_fifth_of_the_charges_hands_them_to_dunning(
    db: TestDatabase,
) -> None:
    outcome = await run_scenario(db.url, "failing-gateway", _options(failure_rate=0.2))
    print(outcome.line())
    _assert_exactly_once(outcome, failed=None)
    # 20% of 300, give or take (the sandbox draws each failure at random)
    assert 30 <= outcome.report.failed <= 90
