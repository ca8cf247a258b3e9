"""A batch's receipts in one job (``notify_many``, issue 18), with in-memory fakes: the context
each receipt is rendered from is the single path's, a receipt already in the outbox is skipped,
and the batch is one job keyed by its receipts. (On the database, with the real templates, a
crash half-way and a race: ``tests/integration/db/test_receipts_batch.py``.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.accounts.model import Account
from domain.billing.config import BillingConfig
from domain.billing.model import InvoiceStatus
from domain.customers.model import Customer
from domain.notices.batch import InvoiceNotice, notify_many
from domain.notices.compose import notify
from domain.notifications.later import NOTIFY_MANY_JOB, notify_many_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.notifications.service import SEND_JOB
from domain.shared.clock import FrozenClock
from domain.shared.display import DisplayPreferences
from domain.shared.ids import CustomerId
from tests.fakes import FakeEmailRenderer, InMemoryUnitOfWork
from tests.unit.documents._builders import issued_invoice

pytestmark = pytest.mark.service

PUBLIC_URL = "https://billing.example.test"


async def _shop(clock: FrozenClock) -> tuple[InMemoryUnitOfWork, list[InvoiceNotice]]:
    """Three customers with a paid invoice each (one with an account in Persian)."""
    uow = InMemoryUnitOfWork()
    items = []
    for n, name in enumerate(("Ada", "Bahram", "Chen"), 1):
        customer = Customer(
            id=CustomerId(f"c{n}"), email=f"{name.lower()}@example.test", name=name,
            currency="EUR",
        )  # fmt: skip
        await uow.customers.add(customer)
        if name == "Bahram":
            await uow.accounts.add(
                Account(
                    id="a2", email="bahram@example.test", name=name, password_hash=None,
                    customer_id=customer.id, email_verified=True, created_at=clock.now(),
                    display=DisplayPreferences(language="fa"),
                )
            )  # fmt: skip
        paid = issued_invoice(status=InvoiceStatus.PAID, paid_at=clock.now() - timedelta(hours=n))
        issued = replace(paid, id=f"inv-{n}", customer_id=customer.id, subscription_id=f"sub-{n}")
        await uow.invoices.add(issued)
        items.append(
            InvoiceNotice(customer.id, issued.id, dedupe_key(EmailKind.RECEIPT, issued.id))
        )
    return uow, items


async def _single(uow: InMemoryUnitOfWork, clock: FrozenClock, item: InvoiceNotice) -> None:
    await notify(
        EmailKind.RECEIPT, customer_id=item.customer_id, key=item.key,
        invoice_id=item.invoice_id, subscription_id=None, extra={}, uow=uow, clock=clock,
        renderer=FakeEmailRenderer(), public_url=PUBLIC_URL, config=BillingConfig(),
    )  # fmt: skip


async def _batch(uow: InMemoryUnitOfWork, clock: FrozenClock, items: list[InvoiceNotice]) -> int:
    return await notify_many(
        EmailKind.RECEIPT, items, uow=uow, clock=clock, renderer=FakeEmailRenderer(),
        public_url=PUBLIC_URL,
    )  # fmt: skip


def _outbox(uow: InMemoryUnitOfWork) -> list[tuple[object, ...]]:
    return sorted(
        (e.dedupe_key, e.kind, e.to, e.subject, e.text_body, e.html_body, e.attachments)
        for e in uow.emails.emails.values()
    )


def _send_jobs(uow: InMemoryUnitOfWork) -> list[str]:
    return sorted(str(kwargs["email_id"]) for name, kwargs, _, _ in uow.jobs.committed
                  if name == SEND_JOB)  # fmt: skip


async def test_each_receipt_is_rendered_from_the_single_paths_context(clock: FrozenClock) -> None:
    one_by_one, items = await _shop(clock)
    for item in items:
        await _single(one_by_one, clock, item)
    batched, _ = await _shop(clock)
    assert await _batch(batched, clock, items) == 3
    # the fake renderer writes out the whole context: every key and value the templates get
    assert _outbox(batched) == _outbox(one_by_one)
    texts = {e.to: e.text_body for e in batched.emails.emails.values()}
    assert "language='fa'" in texts["bahram@example.test"]
    assert "invoice_pdf" in repr(_outbox(batched)[0][-1])  # the PDF as a reference
    assert len(_send_jobs(batched)) == 3


async def test_a_receipt_in_the_outbox_is_skipped_and_a_second_run_queues_nothing(
    clock: FrozenClock,
) -> None:
    uow, items = await _shop(clock)
    await _single(uow, clock, items[1])
    queued = {e.dedupe_key: e.id for e in uow.emails.emails.values()}

    assert await _batch(uow, clock, items) == 2
    assert await _batch(uow, clock, items) == 0  # the job run twice
    emails = {e.dedupe_key: e.id for e in uow.emails.emails.values()}
    assert sorted(emails) == sorted(i.key for i in items)
    assert emails[items[1].key] == queued[items[1].key]
    assert _send_jobs(uow) == sorted(emails.values())


async def test_a_missing_customer_or_invoice_sends_nothing_for_that_item(
    clock: FrozenClock,
) -> None:
    uow, items = await _shop(clock)
    gone = [replace(items[0], invoice_id="inv-gone"), replace(items[1], customer_id="c-gone")]
    assert await _batch(uow, clock, [*gone, items[2]]) == 1
    assert [e.dedupe_key for e in uow.emails.emails.values()] == [items[2].key]


async def test_a_batch_is_one_job_keyed_by_its_receipts() -> None:
    uow = InMemoryUnitOfWork()
    items = [(f"c{n}", f"inv-{n}", dedupe_key(EmailKind.RECEIPT, f"inv-{n}")) for n in range(3)]
    async with uow:
        notify_many_later(uow, EmailKind.RECEIPT, items)
        notify_many_later(uow, EmailKind.RECEIPT, list(reversed(items)))  # the same receipts
        notify_many_later(uow, EmailKind.RECEIPT, items[:2])
        notify_many_later(uow, EmailKind.RECEIPT, [])  # nothing to send: no job
        await uow.commit()
    jobs = [(n, kw, key) for n, kw, key, _ in uow.jobs.committed]
    assert [n for n, _, _ in jobs] == [NOTIFY_MANY_JOB] * 3
    assert jobs[0][2] == jobs[1][2] != jobs[2][2]
    assert jobs[0][1] == {
        "kind": "receipt",
        "items": [{"customer_id": c, "invoice_id": i, "key": k} for c, i, k in items],
    }
