"""Many notices about invoices in one job (issue 18): the receipts of a batch collected
set-based (``payments.bulk_outcomes``) are composed and queued by one
``notifications.notify_many`` job per batch instead of one ``notifications.notify`` job each.

The handler reads what the e-mails need in a few queries for the whole list (the customers,
their accounts, the invoices with their lines, the dunning cases), composes each notice with
the single path's own functions (``compose.customer_context``, ``compose.invoice_context``), and
writes the outbox rows in one multi-row insert, in one transaction (``queue_emails_in``). Each
item keeps its own dedupe key (``receipt:<invoice id>``): an item whose notice is in the outbox
already, queued by any path (``record_outcome``'s single job, a settlement, an earlier run of
this job), is skipped, so a rerun after a crash sends nothing twice.

An item that cannot be composed or that the outbox refuses (a bad address, a context missing a
key: a ``DomainError``) does not stop the others: it is handed to a ``notifications.notify`` job
of its own, which fails as the single path would and shows on the jobs page for staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.accounts.rules import wants_notice
from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.jobs.model import JsonValue
from domain.notices.compose import customer_context, invoice_context
from domain.notices.ports import NoticesUnit
from domain.notifications.later import notify_later
from domain.notifications.model import EmailDraft, EmailKind
from domain.notifications.ports import EmailRenderer
from domain.notifications.service import check_draft, queue_emails_in
from domain.shared.clock import Clock
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId


@dataclass(frozen=True, slots=True)
class InvoiceNotice:
    """One notice of a ``notify_many`` job: about ``invoice_id``, to ``customer_id``, deduped
    by ``key``."""

    customer_id: str
    invoice_id: str
    key: str

    @staticmethod
    def of(data: dict[str, JsonValue]) -> InvoiceNotice:
        return InvoiceNotice(str(data["customer_id"]), str(data["invoice_id"]), str(data["key"]))


async def notify_many(
    kind: EmailKind,
    items: Sequence[InvoiceNotice],
    *,
    uow: NoticesUnit,
    clock: Clock,
    renderer: EmailRenderer,
    public_url: str,
    seller: Seller = DEMO_SELLER,
) -> int:
    """Compose and queue the notices of ``kind`` about each item's invoice, in one transaction;
    returns how many e-mails were queued (those already in the outbox are skipped)."""
    async with uow:
        customer_ids = sorted({CustomerId(i.customer_id) for i in items})
        customers = {c.id: c for c in await uow.customers.get_many(customer_ids)}
        owners = await uow.accounts.for_customers(list(customers))
        invoice_ids = sorted({i.invoice_id for i in items})
        invoices = {i.id: i for i in await uow.invoices.get_many(invoice_ids)}
        cases = await uow.dunning.for_invoices(invoice_ids)
        account = f"{public_url}/account"
        drafts: list[EmailDraft] = []
        for item in items:
            customer = customers.get(CustomerId(item.customer_id))
            issued = invoices.get(item.invoice_id)
            owner = owners.get(item.customer_id)
            # as the single path: no customer or invoice, or a notice turned off, sends nothing
            if customer is None or issued is None or not wants_notice(owner, kind):
                continue
            try:
                context = customer_context(customer, owner, account)
                about, attachments = invoice_context(
                    kind, issued, cases.get(item.invoice_id), account=account, seller=seller
                )
                draft = EmailDraft(
                    kind, customer.email, context | about, item.key, tuple(attachments)
                )
                check_draft(draft)
            except DomainError:
                # its own job: it fails there as the single path's would, visible to staff, and
                # the batch's other notices go out
                notify_later(
                    uow, kind, customer_id=item.customer_id, key=item.key,
                    invoice_id=item.invoice_id,
                )  # fmt: skip
                continue
            drafts.append(draft)
        queued = await queue_emails_in(uow, drafts, clock=clock, renderer=renderer)
        await uow.commit()
    return len(queued)
