"""The batch collection's bulk steps (issue 18) write exactly what the one-by-one steps write.

A varied set of renewal invoices (paid in three currencies, declined, hard-declined, waiting for
the bank's check, no card, already paid, voided, a past-due subscription whose dunning retry is
due and now succeeds, another whose retry fails again, a paid invoice with its dunning case still
open) is collected by ``collect_batch`` twice, each time on a database built the same way from
nothing: once with the bulk steps switched off (every invoice prepared by ``prepare_charge`` and
recorded by ``record_outcome``, as before them), once with them. Every table is then compared,
row for row, with the random ids, references and keys replaced by what they stand for (the
customer's e-mail, the invoice's period): attempts, invoices, the gateway's payments, jobs,
outbound events, dunning cases, subscriptions and their history. The receipts are compared as
what they are about: the set-based step queues one ``notifications.notify_many`` job for the
batch's receipts where the one-by-one way queues a ``notifications.notify`` job each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.adapters.db.tables import (
    ALL_TABLES,
    CustomerTable,
    InvoiceTable,
    JobTable,
    PaymentMethodTable,
    SandboxCustomerTable,
    SandboxPaymentTable,
    SubscriptionTable,
)
from domain.adapters.db.tables_webhooks import WebhookEndpointTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.billing.invoices import mark_invoice_paid, void_invoice
from domain.customers.service import create_customer
from domain.jobs.runner import JobContext
from domain.notifications.later import NOTIFY_JOB, NOTIFY_MANY_JOB
from domain.payments import batch_collection, bulk_outcomes
from domain.payments import service as payments
from domain.payments.batch_collection import BatchCollection, collect_batch
from domain.payments.charging import PreparedBatch
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.shared.periods import utc
from domain.subscriptions.renewals import advance_subscription
from domain.subscriptions.subscribing import subscribe
from domain.webhooks_out.delivery import DISPATCH_JOB
from tests.support.database import TestDatabase
from tests.support.jobs import billing_registry
from tests.unit.billing._builders import make_plan

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
START = utc(2024, 1, 15, 9)
RENEWAL = utc(2024, 2, 15, 9)
COLLECTED = RENEWAL + timedelta(days=1, hours=2)  # the first dunning retry (1 day) is due
PLANS = {
    cur: make_plan(f"team-{cur.lower()}", currency=Currency.of(cur))
    for cur in ("USD", "EUR", "GBP")
}
SUCCESS, DECLINE, HARD, ACTION = (
    "4242424242424242", "4000000000000002", "4000000000000069", "4000002500003155",
)  # fmt: skip
# (customer, currency, quantity): what happens to each one's renewal invoice is set below
CUSTOMERS = (
    ("paid-usd", "USD", 1), ("paid-usd-seats", "USD", 4), ("paid-eur", "EUR", 2),
    ("paid-gbp", "GBP", 1), ("declined", "USD", 1), ("hard-declined", "GBP", 1),
    ("action", "EUR", 1), ("no-card", "USD", 2), ("paid-offline", "USD", 1),
    ("voided", "GBP", 3), ("past-due-recovers", "USD", 1), ("past-due-fails", "EUR", 1),
    ("past-due-paid-offline", "USD", 1),
)  # fmt: skip
PLAIN_SUCCESSES = 4  # the paid-* ones: active subscriptions, no dunning case


async def _no_op(ctx: JobContext, **kwargs: object) -> None:
    return None


def _uow(db: TestDatabase, clock: FrozenClock, gateway: SandboxGateway) -> Any:
    registry = billing_registry(gateway, CONFIG)
    if DISPATCH_JOB not in registry:
        registry.job(DISPATCH_JOB)(_no_op)  # events are queued for an endpoint's dispatch
    return lambda: PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)


async def _build(
    db: TestDatabase,
) -> tuple[Callable[[], Any], FrozenClock, SandboxGateway, list[str]]:
    """The same database every time: the customers subscribed (first invoices paid), renewed,
    the past-due ones failed once at the renewal, each invoice's case set up; the clock at the
    collection instant. Returns the renewal invoices in the customers' order."""
    await db.truncate()
    clock = FrozenClock(START)
    gateway = SandboxGateway(db.engine, fingerprint_key="k" * 32, webhook_secret="s" * 32)
    uow = _uow(db, clock, gateway)
    async with uow() as setup:
        for plan in PLANS.values():
            await setup.plans.add(plan)
        await setup.commit()
    await WebhookEndpointTable.insert(
        WebhookEndpointTable(id="we_1", url="https://example.test/hook", event_types="[]",
                             secret="whsec_test", enabled=True, created_at=START,
                             updated_at=START)
    )  # fmt: skip
    methods: dict[str, Any] = {}
    subs = {}
    for tag, currency, quantity in CUSTOMERS:
        customer = await create_customer(
            email=f"{tag}@example.test", name=tag, currency=currency, country="US",
            region="CA", address_lines=("1 Main St",), uow=uow(), clock=clock,
        )  # fmt: skip
        token = await gateway.tokenize_card(number=SUCCESS, exp_month=12, exp_year=2030, cvc="123")
        methods[tag] = await payments.add_payment_method(
            customer.id, token, uow=uow, gateway=gateway, clock=clock
        )
        outcome = await subscribe(
            customer.id, f"team-{currency.lower()}", quantity=quantity, uow=uow(), clock=clock,
            config=CONFIG,
        )  # fmt: skip
        subs[tag] = outcome.subscription.id
        [first] = outcome.invoices
        await payments.collect_invoice(
            first.id, uow=uow, gateway=gateway, clock=clock, config=CONFIG, scheduled=True
        )
    clock.set(RENEWAL)
    invoices = {}
    for tag, sub_id in subs.items():
        await advance_subscription(sub_id, uow=uow(), clock=clock, config=CONFIG)
        row = (
            await InvoiceTable.select(InvoiceTable.id)
            .where(
                (InvoiceTable.subscription_id == sub_id) & (InvoiceTable.period_start == RENEWAL)
            )
            .first()
        )
        invoices[tag] = row["id"]
    for tag in ("past-due-recovers", "past-due-fails", "past-due-paid-offline"):
        await gateway.set_behaviour(methods[tag].method_ref, DECLINE)
        failed = await payments.collect_invoice(
            invoices[tag], uow=uow, gateway=gateway, clock=clock, config=CONFIG, scheduled=True
        )
        assert failed.attempt is not None and failed.attempt.status.value == "declined"
    clock.set(COLLECTED)
    await gateway.set_behaviour(methods["past-due-recovers"].method_ref, SUCCESS)
    await mark_invoice_paid(invoices["past-due-paid-offline"], paid_at=clock.now(), uow=uow())
    await mark_invoice_paid(invoices["paid-offline"], paid_at=clock.now(), uow=uow())
    await void_invoice(invoices["voided"], uow=uow(), clock=clock)
    await gateway.set_behaviour(methods["declined"].method_ref, DECLINE)
    await gateway.set_behaviour(methods["hard-declined"].method_ref, HARD)
    await gateway.set_behaviour(methods["action"].method_ref, ACTION)
    no_card = methods["no-card"]
    await payments.forget_declined_method(
        no_card.customer_id, no_card.id, previous_default=None, uow=uow, gateway=gateway,
        clock=clock,
    )  # fmt: skip
    return uow, clock, gateway, [invoices[tag] for tag, _, _ in CUSTOMERS]


async def _labels() -> dict[str, str]:
    """What each random id or reference stands for, the same on both databases."""
    labels: dict[str, str] = {}
    emails = {r["id"]: r["email"] for r in await CustomerTable.select(CustomerTable.id, CustomerTable.email)}  # fmt: skip
    labels.update({i: f"customer:{e}" for i, e in emails.items()})
    for r in await SubscriptionTable.select(SubscriptionTable.id, SubscriptionTable.customer):
        labels[r["id"]] = f"subscription:{emails[r['customer']]}"
    for r in await InvoiceTable.select(
        InvoiceTable.id, InvoiceTable.customer_id, InvoiceTable.period_start,
        InvoiceTable.billing_reason,
    ):  # fmt: skip
        labels[r["id"]] = f"invoice:{emails[r['customer_id']]}:{r['period_start']}:{r['billing_reason']}"  # fmt: skip
    for r in await PaymentMethodTable.select():
        email = emails[r["customer"]]
        labels[r["id"]] = f"method:{email}"
        labels[r["method_ref"]] = f"card:{email}"
        labels[r["gateway_customer"]] = f"gateway-customer:{email}"
    for r in await SandboxCustomerTable.select():
        labels[r["ref"]] = f"gateway-customer:{emails[r['customer_id']]}"
    for r in await SandboxPaymentTable.select():
        invoice, _, number = str(r["idempotency_key"]).rpartition(":")
        labels[r["ref"]] = f"payment:{labels.get(invoice, invoice)}:{number}"
    return labels


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_REF = re.compile(r"\b(tok|pm|cus|pi|evt)_[0-9a-f]+")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    # a serial id counts on across the rebuild (PostgreSQL's sequences are not reset)
    return {k: _plain(v) for k, v in row.items() if not (k == "id" and isinstance(v, int))}


async def _snapshot() -> dict[str, list[str]]:
    """Every table's rows, each as JSON with the random ids replaced by labels, sorted."""
    labels = await _labels()

    def label(text: str) -> str:
        text = _UUID.sub(lambda m: labels.get(m.group(), "<id>"), text)
        return _REF.sub(lambda m: labels.get(m.group(), f"<{m.group(1)}>"), text)

    tables: dict[str, list[str]] = {}
    for table in ALL_TABLES:
        rows = await table.select()
        if table is JobTable:
            rows, tables["receipts"] = _receipts_apart(rows)
        tables[table._meta.tablename] = sorted(
            label(json.dumps(_columns(r), sort_keys=True)) for r in rows
        )
    tables["receipts"] = sorted(label(r) for r in tables["receipts"])
    return tables


def _receipts_apart(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The job rows but the receipts', and the receipts queued: the one-by-one way queues a
    ``notifications.notify`` job per receipt, the set-based way one ``notify_many`` job for the
    batch; both are compared as the (customer, invoice, dedupe key) they carry."""
    rest: list[dict[str, Any]] = []
    receipts: list[str] = []
    for row in rows:
        kwargs = row["kwargs"] if isinstance(row["kwargs"], dict) else json.loads(row["kwargs"])
        if row["name"] == NOTIFY_MANY_JOB and kwargs["kind"] == "receipt":
            items = kwargs["items"]
        elif row["name"] == NOTIFY_JOB and kwargs["kind"] == "receipt":
            items = [kwargs]
        else:
            rest.append(row)
            continue
        receipts += [f"{i['customer_id']} {i['invoice_id']} {i['key']}" for i in items]
    return rest, receipts


async def _collect(db: TestDatabase, mode: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Collect the set with the bulk steps on (``bulk``), off (``single``: every invoice
    prepared, charged and recorded on its own, as before them), or on but failing after their writes
    (``failing``: each bulk step must leave nothing and hand its invoices to the one-by-one
    way)."""
    uow, clock, gateway, invoice_ids = await _build(db)
    recorded: list[int] = []
    prepared: list[PreparedBatch] = []
    if mode == "single":

        async def one_by_one(uow: Any, invoice_ids: list[str], **_: Any) -> PreparedBatch:
            return PreparedBatch((), 0, tuple(invoice_ids))

        async def none_in_bulk(uow: Any, outcomes: Any, now: datetime) -> Any:
            return 0, list(outcomes)

        monkeypatch.setattr(batch_collection, "prepare_charges", one_by_one)
        monkeypatch.setattr(batch_collection, "record_paid_in_bulk", none_in_bulk)
        monkeypatch.setattr(gateway, "charge_many", None)  # a gateway call per charge
    else:
        prepare, record = batch_collection.prepare_charges, bulk_outcomes.record_paid_in_bulk

        async def watched_prepare(*args: Any, **kwargs: Any) -> PreparedBatch:
            prepared.append(await prepare(*args, **kwargs))
            if mode == "failing":
                raise RuntimeError("after the attempts were inserted")
            return prepared[-1]

        async def watched_record(*args: Any, **kwargs: Any) -> Any:
            count, rest = await record(*args, **kwargs)
            recorded.append(count)
            if mode == "failing":
                raise RuntimeError("after the outcomes were written")
            return count, rest

        monkeypatch.setattr(batch_collection, "prepare_charges", watched_prepare)
        monkeypatch.setattr(batch_collection, "record_paid_in_bulk", watched_record)
    done = await collect_batch(invoice_ids, uow=uow, gateway=gateway, clock=clock, config=CONFIG)
    monkeypatch.undo()
    # the set-based step queues the batch's receipts as one job, the one-by-one way one each
    receipt_jobs = await JobTable.count().where(JobTable.name == NOTIFY_MANY_JOB)
    assert receipt_jobs == (1 if mode == "bulk" else 0)
    if mode != "single":
        # the common case took the set-based way (and wrote, in the failing mode)
        assert recorded == [PLAIN_SUCCESSES]
        [batch] = prepared
        # all prepared in bulk but the paid invoice whose dunning case is still open
        assert len(batch.charges) == len(CUSTOMERS) - 3
        assert batch.one_by_one == (invoice_ids[-1],)
    return done, await _snapshot()


def _fallbacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == batch_collection.log.name]


async def test_the_bulk_steps_write_exactly_what_the_one_by_one_steps_write(
    db: TestDatabase, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    single, before = await _collect(db, "single", monkeypatch)
    batched, after = await _collect(db, "bulk", monkeypatch)
    assert _fallbacks(caplog) == []
    assert isinstance(single, BatchCollection) and single.handed_over == ()
    assert (batched.charged, batched.settled, batched.handed_over) == (
        single.charged, single.settled, single.handed_over,
    )  # fmt: skip
    assert single.charged == len(CUSTOMERS) - 3  # paid offline (two) and voided: nothing to do
    for name in before:
        assert after[name] == before[name], name
    # what the comparison covers actually happened
    attempts = [json.loads(r) for r in before["payment_attempt"]]
    statuses = sorted(a["status"] for a in attempts if a["created_at"] == COLLECTED.isoformat())
    assert statuses == sorted(["succeeded"] * 5 + ["declined"] * 4 + ["requires_action"]), statuses
    assert any('"currency": "GBP"' in r and '"status": "paid"' in r for r in before["invoice"])
    assert len(before["job"]) > 0 and len(before["outbound_event"]) > 0
    # each receipt of the collection once (the first invoices' receipts are there too)
    renewal_receipts = [r for r in before["receipts"] if "2024-02-15" in r.split()[1]]
    assert len(renewal_receipts) == 5, renewal_receipts

    # a bulk step that raises after its writes leaves none of them: the batch is then prepared
    # and recorded one by one, with the same result
    failing, after_failures = await _collect(db, "failing", monkeypatch)
    assert len(_fallbacks(caplog)) == 2
    assert (failing.charged, failing.settled, failing.handed_over) == (
        single.charged, single.settled, single.handed_over,
    )  # fmt: skip
    for name in before:
        assert after_failures[name] == before[name], name
