"""A batch's receipts in one job (``notifications.notify_many``, issue 18) on the database.

The receipts it writes are the single path's (``notifications.notify``), byte for byte; each
receipt is queued once whatever else queued it (the single path before it, a concurrent
transaction between its read and its insert, an earlier run of the same job); a run that fails
half-way leaves nothing, and its rerun queues every receipt once; an item the outbox refuses
gets a job of its own and does not stop the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from domain.accounts.model import Account
from domain.adapters.db.repositories.notifications import PiccoloEmailRepository
from domain.adapters.db.tables import CustomerTable, JobTable, OutboxEmailTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.billing.config import BillingConfig
from domain.billing.invoices import mark_invoice_paid
from domain.customers.service import create_customer
from domain.notices.batch import InvoiceNotice, notify_many
from domain.notices.compose import notify
from domain.notifications.later import NOTIFY_JOB
from domain.notifications.model import EmailKind, RenderedEmail, dedupe_key
from domain.notifications.service import SEND_JOB
from domain.shared.clock import FrozenClock
from domain.shared.display import DisplayPreferences
from domain.shared.ids import new_id
from domain.shared.money import Currency
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.unit.billing._builders import make_plan
from web.jobs import build_registry

pytestmark = pytest.mark.integration

CONFIG = BillingConfig(seller_country="US")
RENDERER = JinjaEmailRenderer(brand_name="Tessera")
PUBLIC_URL = "https://billing.example.test"
PLANS = {cur: make_plan(f"team-{cur.lower()}", currency=Currency.of(cur)) for cur in ("USD", "EUR")}
# (customer, currency, seats, the account's display preferences: None for no account)
CUSTOMERS = (
    ("ada", "USD", 1, None),
    ("bahram", "EUR", 3, DisplayPreferences(language="fa")),
    ("chen", "USD", 2, DisplayPreferences()),
)
COMPARED = ("recipient", "subject", "text_body", "html_body", "attachments", "kind", "status")


def _uow(db: TestDatabase, clock: FrozenClock) -> Callable[[], PiccoloUnitOfWork]:
    registry = build_registry()
    return lambda: PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)


async def _paid(db: TestDatabase, clock: FrozenClock) -> list[InvoiceNotice]:
    """A paid first invoice per customer (the receipts not queued yet), as the batch's items."""
    uow = _uow(db, clock)
    async with uow() as setup:
        for plan in PLANS.values():
            await setup.plans.add(plan)
        await setup.commit()
    items = []
    for tag, currency, seats, display in CUSTOMERS:
        customer = await create_customer(
            email=f"{tag}@example.test", name=tag.title(), currency=currency, country="US",
            region="CA", address_lines=("1 Main St",), uow=uow(), clock=clock,
        )  # fmt: skip
        if display is not None:
            account = Account(
                id=new_id(), email=f"{tag}@example.test", name=tag.title(), password_hash=None,
                customer_id=customer.id, email_verified=True, created_at=clock.now(),
                display=display,
            )  # fmt: skip
            async with uow() as tx:
                await tx.accounts.add(account)
                await tx.commit()
        outcome = await subscribe(
            customer.id, f"team-{currency.lower()}", quantity=seats, uow=uow(), clock=clock,
            config=CONFIG,
        )  # fmt: skip
        [first] = outcome.invoices
        await mark_invoice_paid(first.id, paid_at=clock.now(), uow=uow())
        key = dedupe_key(EmailKind.RECEIPT, first.id)
        items.append(InvoiceNotice(customer.id, first.id, key))
    return items


async def _single(db: TestDatabase, clock: FrozenClock, item: InvoiceNotice) -> None:
    await notify(
        EmailKind.RECEIPT, customer_id=item.customer_id, key=item.key,
        invoice_id=item.invoice_id, subscription_id=None, extra={}, uow=_uow(db, clock)(),
        clock=clock, renderer=RENDERER, public_url=PUBLIC_URL, config=CONFIG,
    )  # fmt: skip


async def _batch(
    db: TestDatabase, clock: FrozenClock, items: list[InvoiceNotice], renderer: Any = RENDERER
) -> int:
    return await notify_many(
        EmailKind.RECEIPT, items, uow=_uow(db, clock)(), clock=clock, renderer=renderer,
        public_url=PUBLIC_URL,
    )  # fmt: skip


async def _receipts() -> dict[str, dict[str, Any]]:
    """The outbox's receipts by dedupe key."""
    rows = await OutboxEmailTable.select().where(OutboxEmailTable.kind == "receipt")
    found = {}
    for r in rows:
        attachments = r["attachments"]
        r["attachments"] = json.loads(attachments) if isinstance(attachments, str) else attachments
        found[r["dedupe_key"]] = r
    return found


async def _send_jobs() -> list[str]:
    rows = await JobTable.select(JobTable.kwargs).where(JobTable.name == SEND_JOB)
    return sorted(
        (json.loads(r["kwargs"]) if isinstance(r["kwargs"], str) else r["kwargs"])["email_id"]
        for r in rows
    )


async def test_a_batch_writes_the_receipts_the_single_path_writes(
    db: TestDatabase, clock: FrozenClock
) -> None:
    items = await _paid(db, clock)
    for item in items:
        await _single(db, clock, item)
    single = await _receipts()
    assert sorted(single) == sorted(i.key for i in items)
    assert len(await _send_jobs()) == 3
    await OutboxEmailTable.delete(force=True)
    await JobTable.delete().where(JobTable.name == SEND_JOB)

    assert await _batch(db, clock, items) == 3
    batched = await _receipts()
    for key, row in single.items():
        for column in COMPARED:
            assert batched[key][column] == row[column], (key, column)
    # one delivery job per e-mail, as the single path queues
    assert await _send_jobs() == sorted(r["id"] for r in batched.values())
    # what the comparison covers: the PDF as a reference (rendered when sent, never here), the
    # recipient's language, and each customer's own invoice
    ada, bahram, chen = (batched[i.key] for i in items)
    assert ada["attachments"] == [
        {"filename": ada["attachments"][0]["filename"], "content_type": "application/pdf",
         "ref_kind": "invoice_pdf", "ref": items[0].invoice_id}
    ]  # fmt: skip
    assert ada["recipient"] == "ada@example.test" and bahram["recipient"] == "bahram@example.test"
    assert "€" in bahram["text_body"] and "$50.00" in chen["text_body"]
    assert "رسید" in bahram["subject"] and "receipt" in chen["subject"]  # the account's language


async def test_a_receipt_queued_by_another_path_is_not_queued_again(
    db: TestDatabase, clock: FrozenClock
) -> None:
    items = await _paid(db, clock)
    await _single(db, clock, items[0])
    [first] = (await _receipts()).values()

    assert await _batch(db, clock, items) == 2
    receipts = await _receipts()
    assert sorted(receipts) == sorted(i.key for i in items)
    assert receipts[items[0].key]["id"] == first["id"]  # left as it was
    assert len(await _send_jobs()) == 3
    # the job run again (its completion lost): nothing more
    assert await _batch(db, clock, items) == 0
    assert len(await _receipts()) == 3 and len(await _send_jobs()) == 3


class _FailingRenderer:
    """Renders ``fail_at`` e-mails, then raises: the job dies half-way through its batch."""

    def __init__(self, fail_at: int) -> None:
        self.calls = 0
        self.fail_at = fail_at

    def render(self, kind: EmailKind, context: Mapping[str, object]) -> RenderedEmail:
        self.calls += 1
        if self.calls > self.fail_at:
            raise RuntimeError("the runner died")
        return RENDERER.render(kind, context)


async def test_a_rerun_after_a_crash_half_way_queues_each_receipt_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    items = await _paid(db, clock)
    failing = _FailingRenderer(fail_at=2)
    with pytest.raises(RuntimeError, match="the runner died"):
        await _batch(db, clock, items, renderer=failing)
    assert failing.calls == 3
    assert await _receipts() == {} and await _send_jobs() == []  # the transaction left nothing

    # meanwhile the single path sent one of them (a settlement, a staff action)
    await _single(db, clock, items[1])
    assert await _batch(db, clock, items) == 2
    receipts = await _receipts()
    assert sorted(receipts) == sorted(i.key for i in items)
    assert await _send_jobs() == sorted(r["id"] for r in receipts.values())


async def test_a_receipt_stored_by_another_transaction_since_the_read_is_skipped(
    db: TestDatabase, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read of the keys already queued cannot see a transaction that commits after it; the
    insert's unique key then skips the row, and no delivery job is queued for it."""
    items = await _paid(db, clock)
    await _single(db, clock, items[2])
    [first] = (await _receipts()).values()

    async def saw_none(self: PiccoloEmailRepository, keys: list[str]) -> set[str]:
        return set()

    monkeypatch.setattr(PiccoloEmailRepository, "existing_dedupe_keys", saw_none)
    assert await _batch(db, clock, items) == 2
    receipts = await _receipts()
    assert len(receipts) == 3 and receipts[items[2].key]["id"] == first["id"]
    assert await _send_jobs() == sorted(r["id"] for r in receipts.values())


async def test_an_item_the_outbox_refuses_gets_a_job_of_its_own(
    db: TestDatabase, clock: FrozenClock
) -> None:
    items = await _paid(db, clock)
    await CustomerTable.update({CustomerTable.email: "not an address"}).where(
        CustomerTable.id == items[1].customer_id
    )
    assert await _batch(db, clock, items) == 2
    assert sorted(await _receipts()) == sorted([items[0].key, items[2].key])
    jobs = await JobTable.select(JobTable.kwargs).where(JobTable.name == NOTIFY_JOB)
    handed = [
        json.loads(j["kwargs"]) if isinstance(j["kwargs"], str) else j["kwargs"] for j in jobs
    ]
    assert [(j["kind"], j["key"], j["invoice_id"]) for j in handed] == [
        ("receipt", items[1].key, items[1].invoice_id)
    ]
