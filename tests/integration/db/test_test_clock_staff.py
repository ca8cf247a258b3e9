"""Test clocks as staff use them (domain/testclocks/staff.py, reads.py) on SQLite and
PostgreSQL: the repository's counts, customers and invoices of a clock; a customer added with a
card that declines goes through dunning as the clock advances; every change audited once."""

from __future__ import annotations

import pytest

from domain.adapters.db.tables import InvoiceTable, PaymentAttemptTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.payments.sandbox import SandboxGateway
from domain.billing.config import BillingConfig
from domain.catalog.service import load_demo_catalog
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied
from domain.shared.money import Money
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.testclocks import reads, staff
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration
CONFIG = BillingConfig()
BILLING = SignedInStaff("s1", "bill@example.com", "Bill", Role.BILLING, "sess")
VIEWER = SignedInStaff("s2", "vic@example.com", "Vic", Role.VIEWER, "sess")
START = utc(2027, 1, 31, 9)


def _new(email: str, card: str) -> staff.NewClockCustomer:
    return staff.NewClockCustomer(
        name=email.split("@")[0].title(), email=email, country="US", currency="USD",
        plan_code="starter-monthly", quantity=1, trial_days=0, card=card,
    )  # fmt: skip


async def test_staff_rehearse_a_paying_and_a_declining_customer_on_one_clock(
    db: TestDatabase, clock: FrozenClock
) -> None:
    gateway = SandboxGateway(db.engine)
    registry = build_registry(billing=CONFIG, gateway=gateway)

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)

    await load_demo_catalog(uow=uow())
    rehearsal = await staff.create_clock(
        BILLING, "Rehearsal", frozen_at=START, uow=uow(), clock=clock, gateway=gateway
    )
    other = await staff.create_clock(
        BILLING, "Empty", frozen_at=START, uow=uow(), clock=clock, gateway=gateway
    )
    with pytest.raises(PermissionDenied):
        await staff.create_clock(
            VIEWER, "no", frozen_at=START, uow=uow(), clock=clock, gateway=gateway
        )
    ok = await staff.add_clock_customer(
        BILLING, rehearsal.id, _new("ada@example.test", "4242424242424242"),
        uow=uow, gateway=gateway, config=CONFIG, clock=clock,
    )  # fmt: skip
    bad = await staff.add_clock_customer(
        BILLING, rehearsal.id, _new("bob@example.test", "4000000000000341"),
        uow=uow, gateway=gateway, config=CONFIG, clock=clock,
    )  # fmt: skip

    rows = {r.clock.name: r.customers for r in await reads.list_test_clocks(VIEWER, uow=uow())}
    assert rows == {"Rehearsal": 2, "Empty": 0}
    page = await reads.test_clock_page(VIEWER, rehearsal.id, uow=uow())
    assert [c.email for c in page.customers] == ["ada@example.test", "bob@example.test"]
    assert page.customers[0].card == "visa •••• 4242"
    assert [s.status for c in page.customers for s in c.subscriptions] == ["active", "past_due"]
    assert {(i.customer_id, i.status) for i in page.invoices} == {
        (ok.customer_id, "paid"),
        (bad.customer_id, "open"),
    }
    first = page.invoices[0]
    assert first.issued_at == START and first.total.currency.code == "USD"
    assert first.total > Money.of_minor(0, "USD")
    assert (await reads.test_clock_page(VIEWER, other.id, uow=uow())).invoices == []

    report = await staff.advance_clock(
        BILLING, rehearsal.id, staff.quick_target(START, "week"),
        uow=uow, gateway=gateway, config=CONFIG, clock=clock,
    )  # fmt: skip
    assert report.clock.frozen_at == utc(2027, 2, 7, 9)
    assert report.renewals == 0 and report.dunning_retries == 4  # the declining card, retried
    bobs = await PaymentAttemptTable.select(PaymentAttemptTable.created_at).where(
        PaymentAttemptTable.invoice.is_in(
            InvoiceTable.select(InvoiceTable.id).where(InvoiceTable.customer_id == bad.customer_id)
        )
    )
    # the advance steps over idle days but never over a retry: 1, 3, 5 and 7 days later
    assert sorted(r["created_at"] for r in bobs) == [
        START,
        *(utc(2027, 2, d, 9) for d in (1, 3, 5, 7)),
    ]
    page = await reads.test_clock_page(VIEWER, rehearsal.id, uow=uow())
    assert page.last_advance is not None
    assert page.last_advance.moved_from == START
    assert page.last_advance.moved_to == utc(2027, 2, 7, 9)
    assert page.last_advance.dunning_retries == report.dunning_retries
    assert page.last_advance.by == "bill@example.com"

    report = await staff.advance_clock(
        BILLING, rehearsal.id, staff.quick_target(report.clock.frozen_at, "month"),
        uow=uow, gateway=gateway, config=CONFIG, clock=clock,
    )  # fmt: skip
    assert report.clock.frozen_at == utc(2027, 3, 7, 9) and report.renewals >= 1
    page = await reads.test_clock_page(VIEWER, rehearsal.id, uow=uow())
    ada = [i for i in page.invoices if i.customer_id == ok.customer_id]
    assert [i.issued_at for i in ada] == [utc(2027, 2, 28, 9), START]  # newest first
    assert {i.status for i in ada} == {"paid"}

    counts = {
        a: await AuditEntryTable.count().where(AuditEntryTable.action == a)
        for a in ("test_clock.created", "test_clock.customer_added", "test_clock.advanced")
    }
    assert counts == {"test_clock.created": 2, "test_clock.customer_added": 2,
                      "test_clock.advanced": 2}  # fmt: skip
