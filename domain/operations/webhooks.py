"""The gateway's webhook events as staff see them: every event received with its outcome
(applied, replayed, ignored, held) and detail, filtered and paged, each linked to the invoice
and customer its payment ref resolves to. Reading needs ``Permission.OPERATIONS_READ``."""

from __future__ import annotations

from domain.operations.model import WebhookFilter, WebhookLogView, page_number
from domain.operations.ports import OperationsUnit
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require


async def webhook_log_page(
    actor: SignedInStaff, where: WebhookFilter, *, page: int, uow: OperationsUnit
) -> WebhookLogView:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        counts = await uow.webhook_log.counts()
        event_types = await uow.webhook_log.event_types()
        paging = page_number(page, await uow.webhook_log.count(where))
        rows = await uow.webhook_log.find(where, limit=paging.per_page, offset=paging.offset)
    return WebhookLogView(
        where=where, event_types=event_types, counts=counts, rows=rows, paging=paging
    )
