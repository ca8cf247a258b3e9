"""Billing by itself: a frozen clock moves a day at a time and the job runner does the rest
(renewals, charges through the sandbox gateway, dunning), on the real databases."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import (
    CreditNoteDocumentTable,
    InvoiceDocumentTable,
    InvoiceTable,
    OutboxEmailTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
)
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.jobs.runner import JobRunner
from domain.payments import refunds
from domain.payments import service as payments
from domain.payments.dunning import (
    DunningPolicy,
    DunningStatus,
    FinalInvoiceAction,
    FinalSubscriptionAction,
)
from domain.shared.clock import FrozenClock
from domain.shared.errors import PaymentDeclined, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.periods import IntervalUnit, utc
from domain.subscriptions.engine import Refund, SubscriptionStatus, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.reads import get_subscription
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.unit.billing._builders import make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration

TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly
CONFIG = BillingConfig()
START = utc(2025, 1, 15, 9)
SUCCESS, FAILS_AFTER_ATTACH = "4242424242424242", "4000000000000341"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


class World:
    def __init__(self, db: TestDatabase, clock: FrozenClock) -> None:
        self.db, self.clock = db, clock
        self.gateway = SandboxGateway(db.engine)
        self.registry = build_registry(billing=CONFIG, gateway=self.gateway)
        self.runner = JobRunner(
            store=PiccoloJobStore(db.engine),
            registry=self.registry,
            clock=clock,
            uow_factory=self.uow,
            concurrency=4,
        )

    def uow(self) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self.db.engine, clock=self.clock, registry=self.registry)

    async def customer_with_card(self, number: str = SUCCESS) -> tuple[CustomerId, str]:
        uow = self.uow()
        async with uow:
            await uow.plans.add(TEAM)
            await uow.commit()
        customer = await create_customer(
            email="ada@example.test", name="Ada", currency="USD", country="US",
            uow=self.uow(), clock=self.clock,
        )  # fmt: skip
        method = await self.add_card(customer.id, number)
        return customer.id, method

    async def add_card(self, customer_id: CustomerId, number: str) -> str:
        token = await self.gateway.tokenize_card(
            number=number, exp_month=12, exp_year=2030, cvc="123"
        )
        method = await payments.add_payment_method(
            customer_id, token, uow=self.uow, gateway=self.gateway, clock=self.clock
        )
        return method.method_ref

    async def days(self, n: int, *, step: int = 1) -> None:
        """``n`` days of the job runner, draining every ``step`` days (the renewal run and
        dunning catch up on what fell due in between, so a bigger step only runs fewer drains)."""
        for done in range(0, n, step):
            self.clock.advance(days=min(step, n - done))
            await self.runner.drain()

    async def invoices(self) -> list[dict[str, object]]:
        return await InvoiceTable.select().order_by(InvoiceTable.issued_at)


async def test_a_year_of_monthly_renewals_is_invoiced_and_charged_once_each(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    # Jan 16 2025 .. Jan 14 2026: eleven renewals after the first invoice (a drain every 4 days:
    # each renewal is caught up within its period, and 91 drains instead of 364 keep this quick)
    await world.days(364, step=4)
    invoices = await world.invoices()
    assert len(invoices) == 12
    assert {i["status"] for i in invoices} == {"paid"}
    assert [i["period_start"].month for i in invoices] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    charges = await SandboxPaymentTable.select().where(SandboxPaymentTable.kind == "charge")
    assert len(charges) == 12 and {c["status"] for c in charges} == {"succeeded"}
    assert sum(int(c["amount_minor"]) for c in charges) == 12 * 4000
    attempts = await PaymentAttemptTable.select()
    assert len({a["idempotency_key"] for a in attempts}) == len(attempts) == 12
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.ACTIVE
    receipts = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "receipt")
    assert len(receipts) == 12 and {r["status"] for r in receipts} == {"sent"}
    assert len({r["dedupe_key"] for r in receipts}) == 12
    assert {r["recipient"] for r in receipts} == {"ada@example.test"}
    assert await InvoiceDocumentTable.count() == 12  # every invoice's PDF, as paid


async def test_a_card_failing_from_month_four_follows_dunning_to_the_final_action(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, method_ref = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.days(31 + 28 + 31 - 1)  # to Apr 14: invoices for Jan, Feb, Mar paid
    await world.gateway.set_behaviour(method_ref, FAILS_AFTER_ATTACH)
    await world.days(1)  # Apr 15: the renewal fails
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.PAST_DUE
    await world.days(8)  # retries 1, 3, 5 and 7 days later, all declined
    april = (await world.invoices())[3]
    attempts = await (
        PaymentAttemptTable.select()
        .where(PaymentAttemptTable.invoice == april["id"])
        .order_by(PaymentAttemptTable.number)
    )
    failed_on = [a["created_at"].date() for a in attempts]
    first = utc(2025, 4, 15).date()
    assert failed_on == [first + timedelta(days=d) for d in (0, 1, 3, 5, 7)]
    assert {a["status"] for a in attempts} == {"declined"}
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.CANCELED  # the default final action
    notices = await OutboxEmailTable.select(OutboxEmailTable.kind).order_by(
        OutboxEmailTable.created_at
    )
    kinds = [n["kind"] for n in notices if n["kind"] != "receipt"]
    # a notice at each failure, the last chance with the last retry, then the cancellation
    assert Counter(kinds) == {"payment_failed": 4, "last_chance": 1, "subscription_canceled": 1}
    assert kinds[-1] == "subscription_canceled"
    assert (await world.invoices())[3]["status"] == "uncollectible"
    uow = world.uow()
    async with uow:
        case = await uow.dunning.get(str(april["id"]))
    assert case is not None and case.status is DunningStatus.EXHAUSTED


async def test_updating_the_card_during_dunning_retries_at_once_and_recovers(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, method_ref = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.days(31 + 28 + 31 - 1)  # Apr 14: Jan, Feb and Mar paid
    await world.gateway.set_behaviour(method_ref, FAILS_AFTER_ATTACH)  # failing from month 4
    await world.days(1)  # Apr 15: the renewal fails
    await world.days(2)  # the first retry (Apr 16) fails too
    await world.add_card(customer, SUCCESS)
    assert await world.runner.drain() >= 1  # the retry runs now, not on Apr 18
    invoices = await world.invoices()
    assert invoices[3]["status"] == "paid"
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.ACTIVE
    uow = world.uow()
    async with uow:
        case = await uow.dunning.get(str(invoices[3]["id"]))
    assert case is not None and case.status is DunningStatus.RECOVERED
    attempts = await PaymentAttemptTable.select().where(
        PaymentAttemptTable.invoice == invoices[3]["id"]
    )
    assert [a["status"] for a in sorted(attempts, key=lambda a: a["number"])] == [
        "declined",
        "declined",
        "succeeded",
    ]
    await world.days(30)  # the May renewal is charged to the new card
    assert (await world.invoices())[4]["status"] == "paid"


async def test_a_hard_decline_stops_charging_until_a_new_card(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, method_ref = await world.customer_with_card()
    await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.gateway.set_behaviour(method_ref, "4000000000000069")  # expired card
    await world.days(31 + 8)
    feb = (await world.invoices())[1]
    attempts = await PaymentAttemptTable.select().where(PaymentAttemptTable.invoice == feb["id"])
    assert len(attempts) == 1 and attempts[0]["code"] == "expired_card"  # no retries charged
    assert feb["status"] == "uncollectible"


async def test_a_gateway_timeout_is_retried_with_the_same_key_and_charges_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, method_ref = await world.customer_with_card()
    await world.gateway.set_behaviour(method_ref, "4000000000000259")  # times out once
    await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    clock.advance(minutes=10)  # past the job's back-off
    await world.runner.drain(include_schedule=False)
    first = (await world.invoices())[0]
    assert first["status"] == "paid"
    attempts = await PaymentAttemptTable.select()
    assert len(attempts) == 1 and attempts[0]["status"] == "succeeded"
    assert await SandboxPaymentTable.count() == 1


async def test_a_card_that_asks_for_confirmation_waits_for_the_customer(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card("4000002500003155")
    outcome = await subscribe(
        customer, "team", await_payment=True, uow=world.uow(), clock=clock, config=CONFIG
    )
    result = await payments.collect_invoice(
        outcome.invoices[0].id, uow=world.uow, gateway=world.gateway, clock=clock, config=CONFIG
    )
    assert result.attempt is not None and result.attempt.status == "requires_action"
    assert result.invoice.status == "open"
    assert result.attempt.payment_ref is not None
    done = await payments.confirm_payment(
        result.attempt.payment_ref, uow=world.uow, gateway=world.gateway, clock=clock, config=CONFIG
    )
    assert done.invoice.status == "paid"
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.ACTIVE
    await world.runner.drain()  # the collection job enqueued at issue finds nothing to do
    assert await SandboxPaymentTable.count() == 1


async def test_bad_cards_are_refused_at_the_door(db: TestDatabase, clock: FrozenClock) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card()
    with pytest.raises(ValidationFailed) as err:
        await world.gateway.tokenize_card(
            number="4242424242424241", exp_month=13, exp_year=2030, cvc="1"
        )
    assert set(err.value.field_errors) == {"card_number", "exp_month", "cvc"}
    with pytest.raises(PaymentDeclined):
        await world.add_card(customer, "4000000000000069")  # expired: refused at attach


async def test_refunds_go_through_the_gateway_with_a_credit_note_each(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    invoice_id = outcome.invoices[0].id
    note, refund = await refunds.refund_invoice(
        invoice_id, amount_minor=1000, uow=world.uow, gateway=world.gateway, clock=clock,
        config=CONFIG,
    )  # fmt: skip
    assert note.note.total == note.note.refunded == 1000 and note.note.credited == 0
    assert refund is not None and refund.status == "succeeded" and refund.refund_ref
    _, rest = await refunds.refund_invoice(
        invoice_id, uow=world.uow, gateway=world.gateway, clock=clock, config=CONFIG
    )
    assert rest is not None and rest.amount_minor == 3000  # the rest of the 40.00 paid
    with pytest.raises(ValidationFailed) as err:
        await refunds.refund_invoice(
            invoice_id, amount_minor=1, uow=world.uow, gateway=world.gateway, clock=clock,
            config=CONFIG,
        )  # fmt: skip
    assert err.value.code == "payments.bad_refund_amount"
    await world.runner.drain()  # the safety-net jobs find the refunds made: nothing twice
    ledger = await SandboxPaymentTable.select().where(SandboxPaymentTable.kind == "refund")
    assert sorted(int(r["amount_minor"]) for r in ledger) == [1000, 3000]
    # each refund's credit note is e-mailed with its PDF, which is rendered and stored
    mails = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "credit_note")
    assert len(mails) == 2 and all(m["status"] == "sent" for m in mails)
    assert note.number in {m["subject"].split()[2] for m in mails}
    assert any("Refunded to your card" in m["text_body"] for m in mails)
    assert await CreditNoteDocumentTable.count() == 2


async def test_a_prorated_cancellation_refund_reaches_the_card(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.days(14)  # Jan 29: 17 of the 31 days are unused
    canceled = await cancel_subscription(
        outcome.subscription.id, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_REFUND,
        uow=world.uow(), clock=clock, config=CONFIG,
    )  # fmt: skip
    note = canceled.credit_notes[0]
    assert note.note.refunded == 2193  # 17/31 of 30.00 (16.45) + 17/31 of 10.00 (5.48)
    await world.runner.drain()
    ledger = await SandboxPaymentTable.select().where(SandboxPaymentTable.kind == "refund")
    assert [int(r["amount_minor"]) for r in ledger] == [2193]
    notices = {r["kind"] for r in await OutboxEmailTable.select(OutboxEmailTable.kind)}
    assert {"subscription_canceled", "credit_note"} <= notices


async def test_the_retry_policy_is_data_and_the_final_action_configurable(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    await payments.set_dunning_policy(
        DunningPolicy(
            retry_days=(2,),
            final_subscription_action=FinalSubscriptionAction.UNPAID,
            final_invoice_action=FinalInvoiceAction.OPEN,
        ),
        uow=world.uow(),
    )
    customer, method_ref = await world.customer_with_card()
    outcome = await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.gateway.set_behaviour(method_ref, FAILS_AFTER_ATTACH)
    await world.days(31 + 3)  # Feb 15 fails, the single retry on Feb 17 fails
    sub = await get_subscription(outcome.subscription.id, uow=world.uow())
    assert sub.status is SubscriptionStatus.UNPAID
    assert (await world.invoices())[1]["status"] == "open"
    with pytest.raises(ValidationFailed):
        DunningPolicy(retry_days=(3, 1))


async def test_time_driven_notices_go_out_once(db: TestDatabase, clock: FrozenClock) -> None:
    world = World(db, clock)
    yearly = make_plan("yearly", interval=IntervalUnit.YEAR, trial_days=14)
    async with world.uow() as setup:
        await setup.plans.add(yearly)
        await setup.commit()
    customer, _ = await world.customer_with_card()  # the card expires Dec 2030
    await subscribe(customer, "yearly", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.days(12)  # 3 days before the trial's end (Jan 29)

    def kinds(rows: list[dict[str, object]]) -> list[object]:
        return sorted(r["kind"] for r in rows if r["kind"] != "receipt")

    assert kinds(await OutboxEmailTable.select(OutboxEmailTable.kind)) == ["trial_ending"]
    trial = (await OutboxEmailTable.select().where(OutboxEmailTable.kind == "trial_ending"))[0]
    assert "First charge:  $40.00" in trial["text_body"]  # the engine's first invoice after it
    await world.days(2)  # the scan runs daily: still one notice
    assert kinds(await OutboxEmailTable.select(OutboxEmailTable.kind)) == ["trial_ending"]
    world.clock.set(utc(2026, 1, 22, 9))  # 7 days before the annual renewal on Jan 29, 2026
    await world.runner.drain()
    assert "upcoming_renewal" in kinds(await OutboxEmailTable.select(OutboxEmailTable.kind))


async def test_an_expiring_default_card_is_announced_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, _ = await world.customer_with_card()
    token = await world.gateway.tokenize_card(
        number="4242424242424242", exp_month=2, exp_year=2025, cvc="123"
    )
    await payments.add_payment_method(
        customer, token, uow=world.uow, gateway=world.gateway, clock=clock
    )
    await world.runner.drain()  # Jan 15 + 30 days falls in February, the card's last month
    await world.days(1)
    rows = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "card_expiring")
    assert len(rows) == 1 and "4242" in rows[0]["text_body"]
