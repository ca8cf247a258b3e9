"""Customer search and the customer record on the real database (SQLite, or PostgreSQL with
DATABASE_URL): the Piccolo queries behind ``uow.directory`` match what the in-memory one does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.adapters.db.repositories.support import prefix_bound
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.billing.issued import CreditNoteReason, IssuedCreditNote
from domain.billing.model import CreditNote, CreditNoteLine
from domain.catalog.service import load_demo_catalog
from domain.customers.service import create_customer
from domain.notifications.model import EmailKind, EmailStatus, OutboxEmail
from domain.payments.model import AttemptStatus, PaymentAttempt, PaymentMethod
from domain.shared.clock import FrozenClock
from domain.shared.money import Money
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.subscribing import subscribe
from domain.support.model import MatchKind
from domain.support.record import customer_record
from domain.support.search import search_customers
from tests.support.database import TestDatabase
from web.jobs import build_registry

VIEWER = SignedInStaff("staff-viewer", "vera@example.com", "Vera Viewer", Role.VIEWER, "s")

pytestmark = pytest.mark.integration

CONFIG = BillingConfig()


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _customer(db: TestDatabase, clock: FrozenClock, email: str, name: str) -> str:
    customer = await create_customer(
        email=email, name=name, currency="USD", country="US", uow=_uow(db, clock), clock=clock
    )
    return customer.id


async def _card(db: TestDatabase, clock: FrozenClock, customer_id: str, last4: str, n: int) -> str:
    uow = _uow(db, clock)
    async with uow:
        method = PaymentMethod(
            id=f"pm-{n}", customer_id=customer_id, gateway="sandbox", method_ref=f"pm_ref_{n}",
            brand="visa", last4=last4, exp_month=4, exp_year=2031, fingerprint=f"fp{n}",
            is_default=True, created_at=clock.now(),
        )  # fmt: skip
        await uow.payment_methods.add(method, gateway_customer=f"gc_{n}")
        await uow.commit()
    return method.id


async def _subscribed(db: TestDatabase, clock: FrozenClock, customer_id: str) -> str:
    """Team monthly, 2 seats, its first invoice open (awaiting payment); the invoice's id."""
    outcome = await subscribe(
        customer_id, "team-monthly", quantity=2, await_payment=True, uow=_uow(db, clock),
        clock=clock, config=CONFIG,
    )  # fmt: skip
    return outcome.invoices[0].id


async def _search(db: TestDatabase, clock: FrozenClock, query: str) -> list[tuple[str, str]]:
    hits = await search_customers(VIEWER, query, uow=_uow(db, clock))
    return [(h.email, h.matched) for h in hits]


async def test_text_matches_by_prefix_then_contains_lower_cased(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await _customer(db, clock, "grace@navy.test", "Grace Hopper")
    await _customer(db, clock, "alan@bletchley.test", "Alan Turing")
    await _customer(db, clock, "zed@example.test", "Anna Graceful")

    assert await _search(db, clock, "GRA") == [
        ("grace@navy.test", "E-mail"),
        ("zed@example.test", "Name"),
    ]
    assert await _search(db, clock, "turing") == [("alan@bletchley.test", "Name")]
    assert await _search(db, clock, "bletch") == [("alan@bletchley.test", "E-mail")]
    assert await _search(db, clock, "ur") == []  # two letters: starts only
    assert await _search(db, clock, "nobody") == []


async def test_like_wildcards_in_the_query_are_taken_literally(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await _customer(db, clock, "a_b@example.test", "Under Score")
    await _customer(db, clock, "axb@example.test", "Ex Bee")

    assert await _search(db, clock, "a_b") == [("a_b@example.test", "E-mail")]
    assert await _search(db, clock, "%") == []
    assert await _search(db, clock, "a\\") == []


async def test_ids_numbers_and_cards_match_exactly(db: TestDatabase, clock: FrozenClock) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    grace = await _customer(db, clock, "grace@navy.test", "Grace Hopper")
    alan = await _customer(db, clock, "alan@bletchley.test", "Alan Turing")
    invoice_id = await _subscribed(db, clock, grace)
    await _card(db, clock, grace, "4242", 1)
    await _card(db, clock, alan, "4242", 2)
    await _card(db, clock, alan, "1881", 3)
    uow = _uow(db, clock)
    async with uow:
        issued = await uow.invoices.get(invoice_id)
        assert issued is not None and issued.number
        note = CreditNote(
            number="CN-2026-000007", issued_at=clock.now(), invoice=issued.number,
            lines=(CreditNoteLine("Goodwill", 1000, "goodwill"),), subtotal=1000, discount=0,
            tax=0, total=1000, refunded=0, credited=1000,
        )  # fmt: skip
        await uow.credit_notes.add(
            IssuedCreditNote(
                "cn-1", invoice_id, grace, None, CreditNoteReason.ORDER_CHANGE, "USD", note
            )
        )
        await uow.commit()

    (by_number,) = await search_customers(VIEWER, issued.number.lower(), uow=_uow(db, clock))
    assert (by_number.customer_id, by_number.kind) == (grace, MatchKind.INVOICE)
    assert by_number.matched == f"Invoice {issued.number}"
    assert by_number.subscriptions == "1 incomplete"
    assert by_number.balance == Money.of_minor(0, "USD")
    assert await _search(db, clock, "cn-2026-000007") == [
        ("grace@navy.test", "Credit note CN-2026-000007")
    ]
    assert await _search(db, clock, alan) == [("alan@bletchley.test", "Customer id")]
    cards = await search_customers(VIEWER, "4242", uow=_uow(db, clock))
    assert sorted(h.customer_id for h in cards) == sorted([grace, alan])
    assert {h.matched for h in cards} == {"Card •••• 4242 (visa)"}
    assert await _search(db, clock, "1881") == [("alan@bletchley.test", "Card •••• 1881 (visa)")]


async def test_the_record_reads_its_lists_newest_first_with_counts(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    grace = await _customer(db, clock, "grace@navy.test", "Grace Hopper")
    invoice_id = await _subscribed(db, clock, grace)
    method_id = await _card(db, clock, grace, "4242", 1)
    start = clock.now()
    uow = _uow(db, clock)
    async with uow:
        for n, (status, code) in enumerate(
            [(AttemptStatus.DECLINED, "insufficient_funds"), (AttemptStatus.SUCCEEDED, None)], 1
        ):
            await uow.payment_attempts.add(
                PaymentAttempt(
                    id=f"att-{n}",
                    invoice_id=invoice_id,
                    customer_id=grace,
                    payment_method_id=method_id,
                    number=n,
                    idempotency_key=f"{invoice_id}:{n}",
                    amount_minor=2400,
                    currency="USD",
                    status=status,
                    code=code,
                    created_at=start + timedelta(hours=n),
                    finished_at=start + timedelta(hours=n),
                )
            )
        for n, to in enumerate(["grace@navy.test", "grace@navy.test", "someone@else.test"], 1):
            await uow.emails.add(
                OutboxEmail(
                    id=f"email-{n}",
                    kind=EmailKind.RECEIPT,
                    to=to,
                    subject=f"Receipt {n}",
                    text_body="",
                    html_body="",
                    attachments=(),
                    status=EmailStatus.QUEUED,
                    attempts=0,
                    last_error=None,
                    dedupe_key=f"receipt:{n}",
                    created_at=start + timedelta(minutes=n),
                )
            )
        await uow.commit()

    record = await customer_record(VIEWER, grace, uow=_uow(db, clock), clock=clock, page_size=1)

    (invoice,) = record.invoices.items
    assert (invoice.id, record.invoices.count) == (invoice_id, 1)
    assert invoice.total == Money.of_minor(2400, "USD")
    (attempt,) = record.payments.items
    assert (attempt.id, attempt.status, record.payments.count) == (
        "att-2",
        AttemptStatus.SUCCEEDED,
        2,
    )
    (email,) = record.emails.items
    assert (email.subject, record.emails.count) == ("Receipt 2", 2)
    assert (record.refunds.count, record.credit_notes.count) == (0, 0)
    (card,) = record.payment_methods
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 4, 2031)
    (sub,) = record.subscriptions
    assert sub.quantity == 2
    assert record.timeline[0].text == "Payment 2 of invoice " + invoice.number + " succeeded"


async def test_prefixes_beyond_ascii_match(db: TestDatabase, clock: FrozenClock) -> None:
    await _customer(db, clock, "zoe@example.test", "Zoë Ölund")
    await _customer(db, clock, "zoey@example.test", "Zoey Smith")

    assert await _search(db, clock, "zoë") == [("zoe@example.test", "Name")]
    # SQLite's lower() folds ASCII only: "Ö" stays upper case there (docs/admin.md)
    found = await _search(db, clock, "ZOË Ö")
    assert found == ([("zoe@example.test", "Name")] if db.backend == "postgres" else [])
    assert [e for e, _ in await _search(db, clock, "zo")] == [
        "zoe@example.test",
        "zoey@example.test",
    ]


def test_the_prefix_bound_is_the_next_code_point() -> None:
    assert prefix_bound("abc") == "abd"
    assert prefix_bound("zo\u00eb") == "zo\u00ec"
    assert prefix_bound("a\ud7ff") == "a\ue000"
    assert prefix_bound("a\U0010ffff") is None
