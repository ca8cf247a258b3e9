"""Rendering and serving invoice PDFs on the in-memory unit of work with a recording renderer."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.billing.invoices import mark_invoice_paid
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER, InvoiceDocument
from domain.documents.service import customer_invoice_pdf, get_invoice_pdf, render_invoice_pdf
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, ValidationFailed
from tests.fakes import InMemoryUnitOfWork
from tests.unit.documents._builders import issued_invoice

pytestmark = pytest.mark.service


class RecordingRenderer:
    def __init__(self) -> None:
        self.rendered: list[InvoiceDocument] = []
        self.during_render: list[
            Awaitable[object]
        ] = []  # awaited inside render: a change meanwhile

    async def render(self, view: InvoiceDocument) -> bytes:
        self.rendered.append(view)
        while self.during_render:
            await self.during_render.pop(0)
        return f"%PDF {view.number} {view.status_label}".encode()


@pytest.fixture
def uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    uow.invoices.invoices["inv-1"] = issued_invoice()
    return uow


async def _render(uow: InMemoryUnitOfWork, renderer: RecordingRenderer, clock: FrozenClock):  # type: ignore[no-untyped-def]
    return await render_invoice_pdf(
        "inv-1", uow_factory=lambda: uow, renderer=renderer, seller=DEMO_SELLER, clock=clock
    )


async def test_rendering_twice_renders_once(uow: InMemoryUnitOfWork, clock: FrozenClock) -> None:
    renderer = RecordingRenderer()
    rendered_at = clock.now()
    first = await _render(uow, renderer, clock)
    clock.advance(minutes=5)
    again = await _render(uow, renderer, clock)

    assert first.rendered and not again.rendered
    assert len(renderer.rendered) == 1 and uow.documents.saves == 1
    assert again.version == first.version
    assert again.rendered_at == first.rendered_at == rendered_at
    assert await get_invoice_pdf("inv-1", uow=uow) == b"%PDF INV-2024-000042 OPEN"


async def test_a_payment_makes_a_new_version(uow: InMemoryUnitOfWork, clock: FrozenClock) -> None:
    renderer = RecordingRenderer()
    first = await _render(uow, renderer, clock)
    await mark_invoice_paid("inv-1", paid_at=datetime(2024, 3, 2, tzinfo=UTC), uow=uow)
    paid = await _render(uow, renderer, clock)

    assert paid.rendered and paid.version != first.version
    assert await get_invoice_pdf("inv-1", uow=uow, customer_id="cus-1") == (
        b"%PDF INV-2024-000042 PAID"
    )


async def test_a_change_during_the_render_renders_again(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    renderer.during_render.append(
        mark_invoice_paid("inv-1", paid_at=datetime(2024, 3, 2, tzinfo=UTC), uow=uow)
    )
    result = await _render(uow, renderer, clock)

    assert [v.status_label for v in renderer.rendered] == ["OPEN", "PAID"]
    assert uow.documents.saves == 1, "the stale OPEN rendering was never stored"
    assert result.version == renderer.rendered[-1].version


async def test_the_pdf_is_not_found_before_rendering_or_for_another_customer(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    with pytest.raises(NotFound) as info:
        await get_invoice_pdf("inv-1", uow=uow)
    assert info.value.code == "documents.pdf_not_rendered"

    await _render(uow, RecordingRenderer(), clock)
    with pytest.raises(NotFound) as info:
        await get_invoice_pdf("inv-1", uow=uow, customer_id="cus-2")
    assert info.value.code == "documents.invoice_not_found"
    with pytest.raises(NotFound):
        await get_invoice_pdf("inv-404", uow=uow, customer_id="cus-1")


async def test_the_customer_downloads_their_invoice_named_by_its_number(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    with pytest.raises(NotFound) as info:
        await customer_invoice_pdf("inv-1", customer_id="cus-1", uow=uow)
    assert info.value.code == "documents.pdf_not_rendered"

    await _render(uow, RecordingRenderer(), clock)
    assert await customer_invoice_pdf("inv-1", customer_id="cus-1", uow=uow) == (
        "INV-2024-000042",
        b"%PDF INV-2024-000042 OPEN",
    )
    for invoice_id, customer_id in (("inv-1", "cus-2"), ("inv-404", "cus-1")):
        with pytest.raises(NotFound) as info:
            await customer_invoice_pdf(invoice_id, customer_id=customer_id, uow=uow)
        assert info.value.code == "documents.invoice_not_found"


async def test_an_unknown_invoice_or_a_draft_is_not_rendered(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    with pytest.raises(NotFound):
        await render_invoice_pdf(
            "nope", uow_factory=lambda: uow, renderer=renderer, seller=DEMO_SELLER, clock=clock
        )
    draft = issued_invoice(status=InvoiceStatus.DRAFT)
    uow.invoices.invoices["inv-1"] = replace(draft, invoice=replace(draft.invoice, number=""))
    with pytest.raises(ValidationFailed):
        await _render(uow, renderer, clock)
    assert renderer.rendered == []
