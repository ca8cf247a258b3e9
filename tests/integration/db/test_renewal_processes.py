"""One renewal day worked by two job-runner processes on PostgreSQL: 2,000 monthly subscriptions
due at the same instant, renewed by ``subscriptions.renew_due`` (which fans out to
``subscriptions.renew_batch`` jobs) and charged by the ``payments.collect_batch`` jobs the
batches queue, through the sandbox gateway, each exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from domain.adapters.db.engine import close_pool, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import (
    InvoiceTable,
    JobTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
    SubscriptionTable,
)
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.jobs.model import JobStatus
from domain.jobs.runner import JobRunner
from domain.payments import service as payments
from domain.shared.clock import FrozenClock
from domain.shared.periods import utc
from domain.subscriptions.renewals import BATCH_SIZE
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.support.jobs import billing_registry
from tests.unit.billing._builders import make_plan

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
SUBSCRIPTIONS = 2000
CHUNK = 50
START = utc(2025, 1, 15, 9)
RENEWAL = utc(2025, 2, 15, 9)  # START's period end: every subscription is due at this instant
CONFIG = BillingConfig()
TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly


async def _subscribe_with_card(
    n: int,
    *,
    engine_uow: Callable[[], PiccoloUnitOfWork],
    gateway: SandboxGateway,
    clock: FrozenClock,
) -> str:
    customer = await create_customer(
        email=f"renewal-{n}@example.test", name=f"Customer {n}", currency="USD", country="US",
        uow=engine_uow(), clock=clock,
    )  # fmt: skip
    token = await gateway.tokenize_card(
        number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
    )
    await payments.add_payment_method(
        customer.id, token, uow=engine_uow, gateway=gateway, clock=clock
    )
    outcome = await subscribe(customer.id, "team", uow=engine_uow(), clock=clock, config=CONFIG)
    return outcome.subscription.id


def _start_worker(db: TestDatabase, run_log: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": db.url,
            "RUN_LOG": str(run_log),
            "JOBS": "app",
            "FROZEN_AT": RENEWAL.isoformat(),
            "CONCURRENCY": "4",
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.timeout(480)  # 2,000 subscriptions set up and renewed: minutes on a busy machine
async def test_two_runner_processes_renew_and_charge_2000_subscriptions_once_each(
    db: TestDatabase, tmp_path: Path
) -> None:
    started = time.monotonic()
    await start_pool(db.engine, max_size=8)
    try:
        clock = FrozenClock(START)
        gateway = SandboxGateway(db.engine)
        registry = billing_registry(gateway, CONFIG)

        def uow() -> PiccoloUnitOfWork:
            return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)

        async with uow() as setup:
            await setup.plans.add(TEAM)
            await setup.commit()
        sub_ids: list[str] = []
        for first in range(0, SUBSCRIPTIONS, CHUNK):
            sub_ids += await asyncio.gather(
                *(
                    _subscribe_with_card(n, engine_uow=uow, gateway=gateway, clock=clock)
                    for n in range(first, min(first + CHUNK, SUBSCRIPTIONS))
                )
            )
        # the first invoices are charged on the day they were issued, in this process
        setup_runner = JobRunner(
            store=PiccoloJobStore(db.engine),
            registry=registry,
            clock=clock,
            uow_factory=uow,
            concurrency=8,
            schedule=(),
        )
        # the first invoices' charges (and their no-op PDF and receipt jobs)
        assert await setup_runner.drain(include_schedule=False) >= SUBSCRIPTIONS
        assert await InvoiceTable.count().where(InvoiceTable.status == "paid") == SUBSCRIPTIONS
        due = await SubscriptionTable.select(SubscriptionTable.next_action_at)
        assert {row["next_action_at"] for row in due} == {RENEWAL}
        setup_s = time.monotonic() - started
    finally:
        await close_pool(db.engine)

    run_log = tmp_path / "runs.log"
    run_log.touch()
    renewal_started = time.monotonic()
    workers = [_start_worker(db, run_log) for _ in range(2)]
    try:
        deadline = time.monotonic() + 150
        while True:
            renewal = await JobTable.select(JobTable.status).where(
                JobTable.name == "subscriptions.renew_due"
            )
            busy = await JobTable.count().where(
                JobTable.status.is_in([JobStatus.QUEUED, JobStatus.RUNNING])
            )
            if renewal and renewal[0]["status"] == JobStatus.SUCCEEDED and busy == 0:
                break
            assert time.monotonic() < deadline, "the renewal day did not finish in time"
            await asyncio.sleep(0.25)
    finally:
        for w in workers:
            _stop(w)
    renewal_s = time.monotonic() - renewal_started
    print(f"setup {setup_s:.1f}s, renewal day on two processes {renewal_s:.1f}s")
    assert all(w.returncode == 0 for w in workers)

    # every job ran once and none died
    assert await JobTable.count().where(JobTable.status == JobStatus.DEAD) == 0
    lines = [line.split() for line in run_log.read_text().splitlines()]
    assert len({job_id for job_id, *_ in lines}) == len(lines), "a job ran more than once"
    by_name = Counter(name for _, _, name, _ in lines)
    assert by_name["subscriptions.renew_due"] == 1
    # the run fans out one batch job per BATCH_SIZE due subscriptions, and each batch queues
    # one collection job for its invoices; no subscription needed its own job
    batches = -(-SUBSCRIPTIONS // BATCH_SIZE)
    assert by_name["subscriptions.renew_batch"] == batches
    assert by_name["payments.collect_batch"] == batches
    assert by_name["subscriptions.advance"] == by_name["payments.collect_invoice"] == 0
    advancers = Counter(pid for _, _, name, pid in lines if name == "subscriptions.renew_batch")
    assert len(advancers) == 2, f"both processes should have renewed: {advancers}"
    collectors = Counter(pid for _, _, name, pid in lines if name == "payments.collect_batch")
    assert len(collectors) == 2, f"both processes should have charged: {collectors}"
    assert len({pid for *_, pid in lines}) == 2

    # exactly one renewal invoice per subscription for the period, each paid
    renewals = await InvoiceTable.select().where(InvoiceTable.period_start == RENEWAL)
    assert len(renewals) == SUBSCRIPTIONS
    assert sorted(r["subscription_id"] for r in renewals) == sorted(sub_ids)
    assert {r["billing_reason"] for r in renewals} == {"subscription_cycle"}
    assert {r["status"] for r in renewals} == {"paid"}
    assert await InvoiceTable.count() == 2 * SUBSCRIPTIONS  # the first invoices + the renewals

    # exactly one succeeded charge per renewal invoice in the sandbox ledger
    charges = await SandboxPaymentTable.select().where(SandboxPaymentTable.kind == "charge")
    assert len(charges) == 2 * SUBSCRIPTIONS
    assert {c["status"] for c in charges} == {"succeeded"}
    charged = Counter(str(c["idempotency_key"]).split(":")[0] for c in charges)
    assert all(charged[str(r["id"])] == 1 for r in renewals)
    assert {int(c["amount_minor"]) for c in charges} == {4000}
    attempts = await PaymentAttemptTable.select().where(
        PaymentAttemptTable.invoice.is_in([r["id"] for r in renewals])
    )
    assert len(attempts) == SUBSCRIPTIONS and {a["status"] for a in attempts} == {"succeeded"}

    # every subscription moved on one period and is active
    subs = await SubscriptionTable.select(
        SubscriptionTable.status, SubscriptionTable.period_start, SubscriptionTable.next_action_at
    )
    assert {(s["status"], s["period_start"]) for s in subs} == {("active", RENEWAL)}
    assert {s["next_action_at"] for s in subs} == {utc(2025, 3, 15, 9)}
