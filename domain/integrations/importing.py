"""Matching checked rows against the customers that exist, and applying one batch.

A row is matched by its external id in the import's source (``customer_refs``); failing that,
by its e-mail (a customer who signed up before the CRM knew them gets the id linked); otherwise
it is a new customer (the checks of ``create_customer_in``, applied by ``rows.check_row``;
new customers of a batch are inserted in one statement). A matched
customer's billing details are updated (name, country, region, address, VAT number); the
e-mail and the currency never change through an import: a row that would change them is an
error. With subscriptions, a customer without a live subscription gets one on the row's plan
(``subscribe_in``, no trial), and its first invoice is marked paid offline ("other", reference
``CRM import``): the customer already pays through the old system, so nothing is charged and no
card is asked for; the next renewal bills normally."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.invoices import mark_invoice_paid_in
from domain.billing.issued import OfflineMethod, OfflinePayment
from domain.billing.model import InvoiceStatus
from domain.customers.model import Customer
from domain.integrations.ports import IntegrationsUnit
from domain.integrations.rows import ImportRow, RowError
from domain.pricing.tax_policy import check_vat_id
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId, new_id
from domain.subscriptions.subscribing import subscribe_in


@dataclass(frozen=True, slots=True)
class Matched:
    row: ImportRow
    customer: Customer | None  # None: a new customer
    linked: bool  # the customer was found by e-mail: the external id is linked to it


@dataclass(slots=True)
class BatchCounts:
    created: int = 0
    updated: int = 0
    subscribed: int = 0


async def match_rows(
    uow: IntegrationsUnit, source: str, rows: Sequence[ImportRow], names: dict[str, str]
) -> list[Matched | RowError]:
    """Each row's customer (or None) or why it cannot be imported, read in three queries."""
    refs = await uow.customer_refs.find(source, [r.external_id for r in rows])
    by_id = await uow.customer_refs.customers(list(set(refs.values())))
    by_email = await uow.customer_refs.by_emails([r.email for r in rows])
    out: list[Matched | RowError] = []
    for row in rows:
        ref = refs.get(row.external_id)
        customer = by_id.get(ref) if ref is not None else None
        linked = False
        if customer is None:
            customer = by_email.get(row.email)
            linked = customer is not None
        if customer is not None and customer.email != row.email:
            other = by_email.get(row.email)
            out.append(RowError(row.row, names.get("email", "email"), (
                f"The e-mail {row.email} belongs to another customer." if other else
                f"This customer's e-mail is {customer.email}: an import never changes an "
                "e-mail (the customer confirms a new one from their account)."
            )))  # fmt: skip
        elif customer is not None and customer.currency != row.currency:
            out.append(RowError(row.row, names.get("currency", "currency"),
                                f"The customer is billed in {customer.currency}: a customer's "
                                "currency never changes."))  # fmt: skip
        else:
            out.append(Matched(row, customer, linked))
    return out


def _tax_id(row: ImportRow) -> str | None:
    return check_vat_id(row.tax_id, row.country) if row.tax_id and row.country != "US" else (
        row.tax_id)  # fmt: skip


def new_customer(row: ImportRow, now: datetime) -> Customer:
    """The customer ``create_customer_in`` would make of a checked row (``check_row`` applied
    its checks; the e-mail was looked up by ``match_rows``), to be stored in bulk."""
    return Customer(
        id=CustomerId(new_id()), email=row.email, name=row.name, currency=row.currency,
        country=row.country, region=row.region, address_lines=row.address_lines,
        tax_id=_tax_id(row), created_at=now,
    )  # fmt: skip


def _updated(customer: Customer, row: ImportRow) -> Customer:
    tax_id = _tax_id(row)
    return replace(customer, name=row.name, country=row.country, region=row.region,
                   address_lines=row.address_lines, tax_id=tax_id)  # fmt: skip


async def apply_batch(
    uow: IntegrationsUnit, source: str, matched: Sequence[Matched], *, with_subscriptions: bool,
    import_id: str, now: datetime, config: BillingConfig, names: dict[str, str],
) -> tuple[BatchCounts, list[RowError]]:  # fmt: skip
    """Write the matched rows in the caller's transaction."""
    counts = BatchCounts()
    errors: list[RowError] = []
    subscribing: list[tuple[ImportRow, CustomerId]] = []
    new_customers: list[Customer] = []
    refs: list[tuple[str, CustomerId]] = []
    for m in matched:
        row = m.row
        if m.customer is None:
            customer = new_customer(row, now)
            new_customers.append(customer)
            refs.append((row.external_id, customer.id))
            counts.created += 1
        else:
            customer = _updated(m.customer, row)
            if customer != m.customer:
                await uow.customers.save(customer)
            if m.linked:
                refs.append((row.external_id, customer.id))
            counts.updated += 1
        if with_subscriptions and row.plan_code:
            subscribing.append((row, customer.id))
    await uow.customer_refs.add_customers(new_customers)
    await uow.customer_refs.add_many(source, refs, at=now)
    if not subscribing:
        return counts, errors
    live = await uow.customer_refs.live_subscription_customers([c for _, c in subscribing])
    for row, customer_id in subscribing:
        if customer_id in live:
            continue  # a re-import never starts a second subscription
        assert row.plan_code is not None
        try:
            outcome = await subscribe_in(uow, customer_id, row.plan_code, quantity=row.quantity,
                                         trial_days=0, collect_later=False, now=now,
                                         config=config)  # fmt: skip
        except DomainError as exc:
            errors.append(RowError(row.row, names.get("plan", "plan"), str(exc)))
            continue
        for invoice in outcome.invoices:
            if invoice.status is InvoiceStatus.OPEN and invoice.invoice.amount_due > 0:
                await mark_invoice_paid_in(uow, invoice.id, paid_at=now, offline=OfflinePayment(
                    OfflineMethod.OTHER, f"CRM import {import_id[:8]}", now.date()))  # fmt: skip
        counts.subscribed += 1
    return counts, errors
