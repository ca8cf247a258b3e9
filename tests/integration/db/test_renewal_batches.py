"""The batch renewal and the batch collection (issue 18) on the real database: a batch bills
exactly what the one-subscription path bills, a subscription that fails is handed to its own job
without spoiling the batch or the numbering, and a crash at any step followed by a rerun leaves
one invoice and one successful charge per subscription and period, with gapless numbers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import (
    DunningCaseTable,
    InvoiceLineTable,
    InvoiceTable,
    JobTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
)
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.catalog.model import PlanKind
from domain.customers.service import create_customer
from domain.jobs.runner import JobRunner
from domain.payments import batch_collection
from domain.payments import service as payments
from domain.payments.batch_collection import collect_batch
from domain.payments.ports import PaymentGateway
from domain.pricing.coupons import CouponDuration
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from domain.shared.errors import TransientError
from domain.shared.ids import SubscriptionId
from domain.shared.periods import utc
from domain.subscriptions import renewal_batches, renewal_bulk
from domain.subscriptions.engine import Timing
from domain.subscriptions.lifecycle import cancel_subscription, run_in
from domain.subscriptions.renewal_batches import renew_batch
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from domain.subscriptions.usage import record_usage
from tests.support.database import TestDatabase
from tests.support.jobs import billing_registry
from tests.support.promotions import add_promotion
from tests.unit.billing._builders import api_calls, flat, make_plan, per_unit

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly
BIG = make_plan("big", charges=(flat(9000), per_unit(1000)))
METERED = make_plan("metered", charges=(flat(3000), api_calls()))
STORAGE = replace(make_plan("storage", charges=(per_unit(500),)), kind=PlanKind.ADDON)
START = utc(2024, 1, 15, 9)
RENEWAL = utc(2024, 2, 15, 9)


class Crash(BaseException):
    """The process dying mid-step: nothing catches it, as nothing survives a SIGKILL."""


def _uow_factory(db: TestDatabase, clock: FrozenClock, gateway: PaymentGateway) -> Any:
    registry = billing_registry(gateway, CONFIG)
    return lambda: PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)


async def _catalog(uow: Callable[[], PiccoloUnitOfWork]) -> None:
    async with uow() as setup:
        for plan in (TEAM, BIG, METERED, STORAGE):
            await setup.plans.add(plan)
        await setup.tax_rates.add(
            JurisdictionRate("US", TaxRate("Sales tax", Decimal("8.875"), False), "NY")
        )
        await add_promotion(setup, "TENOFF", CouponDuration.FOREVER, percent_off=Decimal(10))
        await add_promotion(
            setup, "FIVE", CouponDuration.REPEATING, amounts_off={"USD": 500}, duration_in_months=3
        )
        await setup.commit()


async def _customer(uow: Callable[[], PiccoloUnitOfWork], clock: FrozenClock, tag: str) -> Any:
    region = "NY" if tag.endswith("ny") else "CA"
    return await create_customer(
        email=f"{tag}@example.test", name=tag, currency="USD", country="US", region=region,
        address_lines=("1 Main St",), uow=uow(), clock=clock,
    )  # fmt: skip


async def _mixed_set(
    uow: Callable[[], PiccoloUnitOfWork], clock: FrozenClock, side: str
) -> list[SubscriptionId]:
    """One subscription of each kind, all due at RENEWAL, for one side of the comparison."""
    kw: dict[str, Any] = {"clock": clock, "config": CONFIG}
    made: list[SubscriptionId] = []

    async def sub(tag: str, plan: str, **extra: Any) -> SubscriptionId:
        customer = await _customer(uow, clock, f"{side}-{tag}")
        outcome = await subscribe(customer.id, plan, uow=uow(), **kw, **extra)
        made.append(outcome.subscription.id)
        return outcome.subscription.id

    await sub("one-seat", "team")
    await sub("three-seats-ny", "team", quantity=3)  # taxed in New York
    await sub("big", "big", quantity=2, addons=(("storage", 4),))
    await sub("forever-coupon-ny", "team", coupon_code="TENOFF")
    await sub("repeating-coupon", "big", coupon_code="FIVE")
    metered = await sub("metered", "metered")
    await record_usage(metered, "api_calls", "250", idempotency_key=f"{side}-u", uow=uow(), **kw)
    ending = await sub("cancel-at-end", "team", quantity=2)
    await cancel_subscription(ending, timing=Timing.PERIOD_END, uow=uow(), **kw)
    return made


def _invoice_shape(row: dict[str, Any], lines: list[dict[str, Any]]) -> tuple[Any, ...]:
    amounts = tuple(
        row[k]
        for k in (
            "billing_reason", "status", "currency", "period_start", "period_end", "issued_at",
            "subtotal_minor", "discount_minor", "tax_minor", "total_minor",
            "credit_applied_minor", "amount_due_minor",
        )
    )  # fmt: skip
    columns = (
        "position", "kind", "description", "quantity", "unit_amount_minor", "amount_minor",
        "period_start", "period_end", "explanation", "detail",
    )  # fmt: skip
    shaped = tuple(
        tuple(line[c] for c in columns) for line in sorted(lines, key=lambda r: r["position"])
    )
    return (*amounts, json.loads(row["tax_basis"]) if row["tax_basis"] else None, shaped)


async def _renewal_shapes(sub_ids: list[SubscriptionId]) -> list[list[tuple[Any, ...]]]:
    shapes = []
    for sub_id in sub_ids:
        rows = await (
            InvoiceTable.select()
            .where(InvoiceTable.subscription_id == sub_id)
            .where(InvoiceTable.issued_at >= RENEWAL)
            .order_by(InvoiceTable.number)
        )
        shapes.append(
            [
                _invoice_shape(r, await InvoiceLineTable.select().where(InvoiceLineTable.invoice == r["id"]))
                for r in rows
            ]
        )  # fmt: skip
    return shapes


async def _numbers_are_gapless() -> list[int]:
    numbers = sorted(
        int(r["number"].rsplit("-", 1)[1])
        for r in await InvoiceTable.select(InvoiceTable.number)
        if r["number"]
    )
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    return numbers


async def test_a_batch_bills_exactly_what_the_one_subscription_path_bills(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(START)
    uow = _uow_factory(db, clock, SandboxGateway(db.engine))
    await _catalog(uow)
    one_by_one = await _mixed_set(uow, clock, "single")
    batched = await _mixed_set(uow, clock, "batch")
    clock.set(RENEWAL)
    for sub_id in one_by_one:
        await advance_subscription(sub_id, uow=uow(), clock=clock, config=CONFIG)
    report = await renew_batch(batched, uow=uow(), clock=clock, config=CONFIG)
    assert report.advanced == len(batched) and report.handed_over == () and report.skipped == 0

    single, batch = await _renewal_shapes(one_by_one), await _renewal_shapes(batched)
    # every one billed at its renewal but the one that ended then (nothing left to bill)
    assert [bool(s) for s in single] == [True] * 6 + [False]
    assert batch == single  # amounts, taxes, discounts, lines: to the cent
    await _numbers_are_gapless()
    # the batch queued one collection job for its open invoices, none per invoice
    jobs = await JobTable.select(JobTable.name, JobTable.kwargs).where(
        JobTable.name.is_in(["payments.collect_batch", "payments.collect_invoice"])
    )
    batch_jobs = [j for j in jobs if j["name"] == "payments.collect_batch"]
    assert len(batch_jobs) == 1
    assert sorted(json.loads(batch_jobs[0]["kwargs"])["invoice_ids"]) == sorted(report.collecting)
    # and the same state afterwards (history and MRR are written by the same store_outcome)
    async with uow() as reader:
        for single_id, batch_id in zip(one_by_one, batched, strict=True):
            a, b = (
                await reader.subscriptions.get(single_id),
                await reader.subscriptions.get(batch_id),
            )
            assert a is not None and b is not None
            assert (a.status, a.period_start, a.period_end, a.version) == (
                b.status, b.period_start, b.period_end, b.version,
            )  # fmt: skip
    # a second run of the same batch finds nothing due: nothing new
    again = await renew_batch(batched, uow=uow(), clock=clock, config=CONFIG)
    assert (again.advanced, again.skipped) == (0, len(batched))
    assert await _renewal_shapes(batched) == batch


async def _paying_subscribers(
    db: TestDatabase, n: int, gateway: SandboxGateway
) -> tuple[Any, FrozenClock, list[SubscriptionId], JobRunner]:
    clock = FrozenClock(START)
    uow = _uow_factory(db, clock, gateway)
    async with uow() as setup:
        await setup.plans.add(TEAM)
        await setup.commit()
    subs = []
    for k in range(n):
        customer = await _customer(uow, clock, f"payer-{k}")
        token = await gateway.tokenize_card(
            number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"
        )
        await payments.add_payment_method(customer.id, token, uow=uow, gateway=gateway, clock=clock)
        subs.append((await subscribe(customer.id, "team", uow=uow(), clock=clock, config=CONFIG)).subscription.id)  # fmt: skip
    runner = JobRunner(
        store=PiccoloJobStore(db.engine),
        registry=billing_registry(gateway, CONFIG),
        clock=clock,
        uow_factory=uow,
        schedule=(),
    )
    await runner.drain(include_schedule=False)  # the first invoices, charged
    clock.set(RENEWAL)
    return uow, clock, subs, runner


async def _exactly_once(subs: list[SubscriptionId]) -> None:
    """One renewal invoice per subscription, paid; one succeeded charge per invoice."""
    renewals = await InvoiceTable.select().where(InvoiceTable.period_start == RENEWAL)
    assert sorted(r["subscription_id"] for r in renewals) == sorted(subs)
    assert {r["status"] for r in renewals} == {"paid"}
    charges = await SandboxPaymentTable.select().where(SandboxPaymentTable.kind == "charge")
    per_invoice = Counter(str(c["idempotency_key"]).split(":")[0] for c in charges)
    assert all(per_invoice[r["id"]] == 1 for r in renewals), per_invoice
    assert {c["status"] for c in charges} == {"succeeded"}
    attempts = await PaymentAttemptTable.select().where(
        PaymentAttemptTable.invoice.is_in([r["id"] for r in renewals])
    )
    assert Counter(a["invoice"] for a in attempts if a["status"] == "succeeded") == Counter(
        r["id"] for r in renewals
    )
    assert await JobTable.count().where(JobTable.status == "dead") == 0
    await _numbers_are_gapless()


async def test_a_failing_subscription_is_handed_to_its_own_job_and_gives_its_number_back(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = SandboxGateway(db.engine)
    uow, clock, subs, runner = await _paying_subscribers(db, 5, gateway)
    victim = subs[2]

    async def failing_after_the_write(*args: Any, **kwargs: Any) -> Any:
        outcome = await run_in(*args, **kwargs)  # numbered, stored and saved...
        if args[1] == victim:
            raise RuntimeError("boom")  # ...then it fails: all of it must be undone
        return outcome

    # the set-based path runs the same run_in (staged); failing there, the subscription goes
    # to the savepoint path, which fails again and hands it over
    monkeypatch.setattr(renewal_bulk, "run_in", failing_after_the_write)
    monkeypatch.setattr(renewal_batches, "run_in", failing_after_the_write)
    report = await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    assert report.advanced == 4 and [s for s, _ in report.handed_over] == [victim]
    assert "boom" in report.handed_over[0][1]
    assert await InvoiceTable.count().where(InvoiceTable.subscription_id == victim) == 1
    await _numbers_are_gapless()  # the victim's number went back to the series
    [advance] = await JobTable.select(JobTable.unique_key).where(
        JobTable.name == "subscriptions.advance"
    )
    assert advance["unique_key"] == f"advance:{victim}:{RENEWAL.isoformat()}"
    monkeypatch.undo()
    await runner.drain(include_schedule=False)  # its own job, then every collection
    await _exactly_once(subs)


async def test_a_crash_mid_batch_and_mid_collection_then_a_rerun_bills_and_charges_once(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = SandboxGateway(db.engine)
    uow, clock, subs, runner = await _paying_subscribers(db, 6, gateway)

    # 1. the process dies in the middle of the batch: nothing of it was committed
    calls = 0

    async def dying(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise Crash
        return await run_in(*args, **kwargs)

    monkeypatch.setattr(renewal_bulk, "run_in", dying)
    monkeypatch.setattr(renewal_batches, "run_in", dying)
    with pytest.raises(Crash):
        await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    monkeypatch.undo()
    assert await InvoiceTable.count().where(InvoiceTable.period_start == RENEWAL) == 0
    await _numbers_are_gapless()

    # 1b. it dies after the set-based path wrote the batch's rows, while numbering them
    async def dying_numbering(*args: Any, **kwargs: Any) -> Any:
        raise Crash

    monkeypatch.setattr(renewal_batches, "number_issued", dying_numbering)
    with pytest.raises(Crash):
        await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    monkeypatch.undo()
    assert await InvoiceTable.count().where(InvoiceTable.period_start == RENEWAL) == 0
    await _numbers_are_gapless()

    # 2. the rerun renews all of them, and queues one collection for the batch
    report = await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    assert report.advanced == 6 and len(report.collecting) == 6

    # 3. the collection dies after the gateway charged three of the six
    charged = 0
    charge = gateway.charge

    async def dying_charge(**kwargs: Any) -> Any:
        nonlocal charged
        if charged == 3:
            raise Crash
        charged += 1
        return await charge(**kwargs)

    monkeypatch.setattr(gateway, "charge", dying_charge)
    monkeypatch.setattr(gateway, "charge_many", None)  # one call per charge, as with Stripe
    monkeypatch.setattr(batch_collection, "CHARGE_CONCURRENCY", 1)
    with pytest.raises(Crash):
        await collect_batch(
            list(report.collecting), uow=uow, gateway=gateway, clock=clock, config=CONFIG
        )
    monkeypatch.undo()
    assert (
        await SandboxPaymentTable.count().where(
            SandboxPaymentTable.idempotency_key.is_in([f"{i}:1" for i in report.collecting])
        )
        == 3
    )
    assert await PaymentAttemptTable.count().where(PaymentAttemptTable.status == "pending") == 6

    # 4. the job runs again (as the runner would, its lease expired): the same attempts and
    # keys, so the three already charged are not charged again
    await runner.drain(include_schedule=False)
    await _exactly_once(subs)


async def test_a_gateway_failing_some_charges_hands_them_to_their_own_jobs(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = SandboxGateway(db.engine)
    uow, clock, subs, runner = await _paying_subscribers(db, 5, gateway)
    report = await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    flaky = set(report.collecting[::2])
    charge = gateway.charge

    async def timing_out(**kwargs: Any) -> Any:
        invoice_id = str(kwargs["idempotency_key"]).split(":")[0]
        if invoice_id in flaky:
            flaky.discard(invoice_id)  # it times out once
            raise TransientError("the gateway timed out")
        return await charge(**kwargs)

    monkeypatch.setattr(gateway, "charge", timing_out)
    monkeypatch.setattr(gateway, "charge_many", None)  # one call per charge, as with Stripe
    done = await collect_batch(
        list(report.collecting), uow=uow, gateway=gateway, clock=clock, config=CONFIG
    )
    assert done.charged == 2 and len(done.handed_over) == 3
    handed = await JobTable.select(JobTable.kwargs).where(
        (JobTable.name == "payments.collect_invoice") & (JobTable.status == "queued")
    )
    assert sorted(json.loads(j["kwargs"])["invoice_id"] for j in handed) == sorted(
        i for i, _ in done.handed_over
    )
    await runner.drain(include_schedule=False)
    await _exactly_once(subs)


async def test_a_bulk_gateway_call_that_fails_hands_every_charge_to_its_own_job(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = SandboxGateway(db.engine)
    uow, clock, subs, runner = await _paying_subscribers(db, 3, gateway)
    report = await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)

    async def unreachable(requests: Any) -> Any:
        raise TransientError("the gateway timed out")

    monkeypatch.setattr(gateway, "charge_many", unreachable)
    done = await collect_batch(
        list(report.collecting), uow=uow, gateway=gateway, clock=clock, config=CONFIG
    )
    assert done.charged == 0 and sorted(i for i, _ in done.handed_over) == sorted(report.collecting)
    assert await PaymentAttemptTable.count().where(PaymentAttemptTable.status == "pending") == 3
    monkeypatch.undo()
    await runner.drain(include_schedule=False)  # each alone, with its pending attempt's key
    await _exactly_once(subs)


async def _renewal_attempts() -> Counter[str]:
    renewals = await InvoiceTable.select(InvoiceTable.id).where(
        InvoiceTable.period_start == RENEWAL
    )
    attempts = await PaymentAttemptTable.select(PaymentAttemptTable.invoice).where(
        PaymentAttemptTable.invoice.is_in([r["id"] for r in renewals])
    )
    return Counter(str(a["invoice"]) for a in attempts)


async def test_a_collection_run_again_after_it_recorded_failures_leaves_them_to_dunning(
    db: TestDatabase,
) -> None:
    """A runner killed after the batch's outcomes were committed but before the queue heard
    that the job finished: the job runs again. It must not charge the failed invoices again
    (a second attempt now, outside dunning's schedule, and a second failure notice)."""
    gateway = SandboxGateway(db.engine)
    uow, clock, subs, runner = await _paying_subscribers(db, 4, gateway)
    report = await renew_batch(subs, uow=uow(), clock=clock, config=CONFIG)
    failing = SandboxGateway(db.engine, failure_rate=1.0)  # every charge fails
    first = await collect_batch(
        list(report.collecting), uow=uow, gateway=failing, clock=clock, config=CONFIG
    )
    assert first.charged == 4
    assert await _renewal_attempts() == Counter(dict.fromkeys(report.collecting, 1))
    cases = await DunningCaseTable.select().where(DunningCaseTable.status == "open")
    assert len(cases) == 4 and {c["failures"] for c in cases} == {1}

    clock.advance(minutes=11)  # the lease ran out: another runner takes the job again
    again = await collect_batch(
        list(report.collecting), uow=uow, gateway=gateway, clock=clock, config=CONFIG
    )
    assert (again.charged, again.settled) == (0, 4)
    assert await _renewal_attempts() == Counter(dict.fromkeys(report.collecting, 1))
    assert (
        await SandboxPaymentTable.count().where(
            SandboxPaymentTable.idempotency_key.is_in([f"{i}:2" for i in report.collecting])
        )
        == 0
    )
    cases = await DunningCaseTable.select().where(DunningCaseTable.status == "open")
    assert len(cases) == 4 and {c["failures"] for c in cases} == {1}

    # the one-invoice job, run twice for the same invoice (a rerun): dunning's retry is not due
    victim = report.collecting[0]
    store = PiccoloJobStore(db.engine)
    registry = billing_registry(gateway, CONFIG)
    await store.add(
        [
            registry.get("payments.collect_invoice").new(
                {"invoice_id": victim}, now=clock.now(), unique_key=f"rerun:{k}"
            )
            for k in range(2)
        ]
    )
    await runner.drain(include_schedule=False)
    assert await _renewal_attempts() == Counter(dict.fromkeys(report.collecting, 1))

    # when dunning's first retry comes, the dunning run charges each once
    clock.advance(days=1)
    charged = await payments.run_dunning(uow=uow, gateway=gateway, clock=clock, config=CONFIG)
    assert charged == 4
    assert await _renewal_attempts() == Counter(dict.fromkeys(report.collecting, 2))
    assert (
        await InvoiceTable.count().where(
            (InvoiceTable.period_start == RENEWAL) & (InvoiceTable.status == "paid")
        )
        == 4
    )
