"""One list of the customer record, a page at a time: invoices, payment attempts, refunds,
e-mails and staff notes past the newest 50 the record shows (``customer_list``). The acting staff
member needs ``customers.read``; one read transaction."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.customers.model import Customer
from domain.payments.model import PaymentAttempt, Refund
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.reads import customer_in
from domain.support.ports import SupportUnit
from domain.support.record_model import PAGE_SIZE, Page, PaymentEntry, RefundEntry

MAX_PAGE = 100_000  # a page number past any list (refused before the database sees it)


class RecordList(StrEnum):
    INVOICES = "invoices"
    PAYMENTS = "payments"
    REFUNDS = "refunds"
    EMAILS = "emails"
    NOTES = "notes"


@dataclass(frozen=True, slots=True)
class CustomerList:
    customer: Customer
    kind: RecordList
    page: Page[Any]


def list_kind(value: str) -> RecordList:
    """The list named in a path (``NotFound`` for any other name)."""
    try:
        return RecordList(value)
    except ValueError:
        raise NotFound("The customer page has no such list.") from None


async def customer_list(
    actor: SignedInStaff,
    customer_id: str,
    kind: RecordList,
    *,
    page: int,
    uow: SupportUnit,
    per_page: int = PAGE_SIZE,
) -> CustomerList:
    """Page ``page`` (from 1; past the last, the last) of one list, newest first."""
    require(actor, Permission.CUSTOMERS_READ)
    async with uow:
        customer = await customer_in(uow, CustomerId(customer_id))
        count = await _count(uow, customer, kind)
        pages = max(1, -(-count // per_page))
        number = min(max(1, page), pages)
        offset = (number - 1) * per_page
        items = await _items(uow, customer, kind, limit=per_page, offset=offset)
    return CustomerList(customer, kind, Page(tuple(items), count, number, per_page))


async def _count(uow: SupportUnit, customer: Customer, kind: RecordList) -> int:
    d = uow.directory
    if kind is RecordList.INVOICES:
        return await uow.invoices.count_finalized(customer.id)
    if kind is RecordList.PAYMENTS:
        return (await d.attempts_of(customer.id, limit=1))[1]
    if kind is RecordList.REFUNDS:
        return (await d.refunds_of(customer.id, limit=1))[1]
    if kind is RecordList.EMAILS:
        return (await d.emails_to(customer.email, limit=1))[1]
    return (await uow.notes.for_customer(customer.id, limit=1))[1]


async def _items(
    uow: SupportUnit, customer: Customer, kind: RecordList, *, limit: int, offset: int
) -> list[Any]:
    d = uow.directory
    if kind is RecordList.INVOICES:
        return list(await d.invoices_of(customer.id, limit=limit, offset=offset))
    if kind is RecordList.PAYMENTS:
        attempts, _ = await d.attempts_of(customer.id, limit=limit, offset=offset)
        return await payment_entries(uow, attempts)
    if kind is RecordList.REFUNDS:
        refunds, _ = await d.refunds_of(customer.id, limit=limit, offset=offset)
        return [refund_entry(r) for r in refunds]
    if kind is RecordList.EMAILS:
        return list((await d.emails_to(customer.email, limit=limit, offset=offset))[0])
    return list((await uow.notes.for_customer(customer.id, limit=limit, offset=offset))[0])


async def payment_entries(
    uow: SupportUnit, attempts: list[PaymentAttempt], numbers: dict[str, str] | None = None
) -> list[PaymentEntry]:
    """Attempts with their invoice's number (read for those ``numbers`` lacks)."""
    numbers = dict(numbers or {})
    for invoice_id in sorted({a.invoice_id for a in attempts} - numbers.keys()):
        issued = await uow.invoices.get(invoice_id)
        numbers[invoice_id] = (issued.number if issued else None) or "draft"
    return [
        PaymentEntry(
            id=a.id,
            invoice_id=a.invoice_id,
            invoice_number=numbers[a.invoice_id],
            number=a.number,
            amount=Money.of_minor(a.amount_minor, a.currency),
            status=a.status,
            code=a.code,
            message=a.message,
            hard_decline=a.hard_decline,
            created_at=a.created_at,
            finished_at=a.finished_at,
        )
        for a in attempts
    ]


def refund_entry(r: Refund) -> RefundEntry:
    return RefundEntry(
        id=r.id,
        credit_note_id=r.credit_note_id,
        invoice_id=r.invoice_id,
        amount=Money.of_minor(r.amount_minor, r.currency),
        status=r.status,
        code=r.code,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )
