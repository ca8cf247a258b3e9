"""The monthly analytics summary e-mail on the real database: the cohort business's ledger
(tests/support/analytics_business.py) summarised for February and March 2024 with a FrozenClock,
queued once per opted-in member and month, only to members who may read analytics.

By hand, in USD (EUR at 1.10), from the movements: Ada +40, Bob +40 in January; Cleo +55 (new),
Ada +20 (expansion), Bob -40 (churn) in February: MRR 115.00, net new 35.00, one new and one churned customer of the two paying on 1 February: logo churn 50.0%. March:
Bob comes back (+40): MRR 155.00, net new 40.00, no new (a reactivation) or churned customer,
logo churn 0.0% of the two paying on 1 March."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.analytics_reports.summary_mail import (
    send_monthly_summaries,
    set_summary_opt_in,
    summary_opt_in,
)
from domain.notifications.model import EmailKind, dedupe_key
from domain.shared.clock import FrozenClock
from domain.shared.display import DisplayPreferences
from domain.shared.errors import PermissionDenied
from domain.shared.money import Currency, Rounding
from domain.staff.display_preferences import set_staff_display
from domain.staff.model import SignedInStaff
from tests.support.analytics_business import START, build_cohort_business, business_uow
from tests.support.database import TestDatabase
from tests.support.staff import make_staff

pytestmark = pytest.mark.integration

RENDERER = JinjaEmailRenderer(brand_name="Tessera", default_locale="en_US",
                              default_timezone="UTC")  # fmt: skip


def _signed(member: object) -> SignedInStaff:
    return SignedInStaff(member.id, member.email, member.name, member.role, "s")  # type: ignore[attr-defined]


async def test_opted_in_members_get_last_month_s_figures_once(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    await build_cohort_business(db, clock)
    new_uow = lambda: business_uow(db, clock)  # noqa: E731
    bill = await make_staff(new_uow, clock, role="billing", email="bill@example.com", name="Bill")
    olive = await make_staff(new_uow, clock, role="owner", email="olive@example.com")
    viewer = await make_staff(new_uow, clock, role="viewer", email="vi@example.com")

    assert await set_summary_opt_in(_signed(bill), on=True, uow=new_uow(), clock=clock)
    assert not await set_summary_opt_in(_signed(bill), on=True, uow=new_uow(), clock=clock)
    assert await summary_opt_in(_signed(bill), uow=new_uow())
    assert not await summary_opt_in(_signed(olive), uow=new_uow())
    with pytest.raises(PermissionDenied):
        await set_summary_opt_in(_signed(viewer), on=True, uow=new_uow(), clock=clock)
    async with new_uow() as uow:  # a row left from when the viewer was billing: never sent
        await uow.analytics_summary.set(viewer.id, on=True, at=clock.now())
        await uow.commit()
    audited = await AuditEntryTable.select(AuditEntryTable.action).where(
        AuditEntryTable.action.like("staff.analytics_email%"))  # fmt: skip
    assert [r["action"] for r in audited] == ["staff.analytics_email_on"]

    async def run(at: datetime) -> tuple[object, int]:
        job_clock = FrozenClock(at)
        done = await send_monthly_summaries(
            new_uow=lambda: business_uow(db, job_clock), clock=job_clock,
            reporting=Currency.of("USD"), rounding=Rounding.HALF_UP, renderer=RENDERER,
            public_url="https://billing.example.test/",
        )  # fmt: skip
        return (done.month.isoformat() if done.month else None), done.queued

    async def sent(month: str) -> tuple[str, str, str]:
        async with new_uow() as uow:
            email = await uow.emails.get_by_dedupe_key(
                dedupe_key(EmailKind.ANALYTICS_SUMMARY, bill.id, month)
            )
        assert email is not None
        return email.to, email.subject, email.text_body

    assert await run(datetime(2024, 3, 1, 7, tzinfo=UTC)) == ("2024-02-01", 1)
    assert await run(datetime(2024, 3, 1, 8, tzinfo=UTC)) == ("2024-02-01", 0)  # once
    assert await run(datetime(2024, 3, 3, 7, tzinfo=UTC)) == ("2024-02-01", 0)
    assert await run(datetime(2024, 3, 4, 7, tzinfo=UTC)) == (None, 0)  # not a sending day
    to, subject, body = await sent("2024-02")
    assert to == "bill@example.com"
    assert subject == "Tessera in February 2024: MRR $115.00"
    for line in ("MRR at the month's end: $115.00", "Net new MRR: $35.00", "New customers: 1",
                 "Churned customers: 1", "Logo churn: 50.0%",
                 "https://billing.example.test/admin/analytics"):  # fmt: skip
        assert line in body

    await set_summary_opt_in(_signed(bill), on=False, uow=new_uow(), clock=clock)
    await set_summary_opt_in(_signed(olive), on=True, uow=new_uow(), clock=clock)
    assert await run(datetime(2024, 4, 1, 7, tzinfo=UTC)) == ("2024-03-01", 1)
    async with new_uow() as uow:
        march = await uow.emails.get_by_dedupe_key(
            dedupe_key(EmailKind.ANALYTICS_SUMMARY, olive.id, "2024-03")
        )
        assert (
            await uow.emails.get_by_dedupe_key(
                dedupe_key(EmailKind.ANALYTICS_SUMMARY, bill.id, "2024-03")
            )
            is None
        )
    assert march is not None and march.to == "olive@example.com"
    for line in ("MRR at the month's end: $155.00", "Net new MRR: $40.00", "New customers: 0",
                 "Churned customers: 0", "Logo churn: 0.0%"):  # fmt: skip
        assert line in march.text_body


async def test_the_summary_is_in_the_staff_members_own_language(db: TestDatabase) -> None:
    """A member who reads Persian gets the summary in Persian (their saved display); another,
    who chose nothing, in the site's language."""
    clock = FrozenClock(START)
    await build_cohort_business(db, clock)
    new_uow = lambda: business_uow(db, clock)  # noqa: E731
    bill = await make_staff(new_uow, clock, role="billing", email="bill@example.com", name="Bill")
    olive = await make_staff(new_uow, clock, role="owner", email="olive@example.com")
    await set_staff_display(_signed(bill), DisplayPreferences("fa"), uow=new_uow(), clock=clock)
    for member in (bill, olive):
        await set_summary_opt_in(_signed(member), on=True, uow=new_uow(), clock=clock)
    job_clock = FrozenClock(datetime(2024, 3, 1, 7, tzinfo=UTC))
    done = await send_monthly_summaries(
        new_uow=lambda: business_uow(db, job_clock), clock=job_clock,
        reporting=Currency.of("USD"), rounding=Rounding.HALF_UP, renderer=RENDERER,
        public_url="https://billing.example.test/",
    )  # fmt: skip
    assert done.queued == 2
    async with new_uow() as uow:
        persian = await uow.emails.get_by_dedupe_key(
            dedupe_key(EmailKind.ANALYTICS_SUMMARY, bill.id, "2024-02")
        )
        english = await uow.emails.get_by_dedupe_key(
            dedupe_key(EmailKind.ANALYTICS_SUMMARY, olive.id, "2024-02")
        )
    assert persian is not None and english is not None
    assert persian.subject.startswith("Tessera در فوریه ۲۰۲۴")
    assert "۱۱۵٫۰۰" in persian.subject  # MRR 115.00, the same figure
    assert 'dir="rtl"' in persian.html_body and "Bill عزیز،" in persian.text_body
    assert english.subject == "Tessera in February 2024: MRR $115.00"
