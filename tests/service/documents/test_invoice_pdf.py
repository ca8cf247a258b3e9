"""Rendering and serving invoice PDFs on the in-memory unit of work with a recording renderer."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.billing.invoices import mark_invoice_paid
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER, InvoiceDocument
from domain.documents.service import DocumentRendering, invoice_pdf, render_invoice_pdf
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
    assert uow.documents.rows["inv-1"].content == b"%PDF INV-2024-000042 OPEN"


async def test_a_payment_makes_a_new_version(uow: InMemoryUnitOfWork, clock: FrozenClock) -> None:
    renderer = RecordingRenderer()
    first = await _render(uow, renderer, clock)
    await mark_invoice_paid("inv-1", paid_at=datetime(2024, 3, 2, tzinfo=UTC), uow=uow)
    paid = await _render(uow, renderer, clock)

    assert paid.rendered and paid.version != first.version
    assert uow.documents.rows["inv-1"].content == b"%PDF INV-2024-000042 PAID"


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


def _rendering(
    uow: InMemoryUnitOfWork, renderer: RecordingRenderer, clock: FrozenClock
) -> DocumentRendering:
    return DocumentRendering(lambda: uow, renderer, DEMO_SELLER, clock)  # type: ignore[arg-type]


async def test_the_first_download_renders_and_stores_the_second_serves_it(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    rendering = _rendering(uow, renderer, clock)
    first = await invoice_pdf("inv-1", rendering=rendering, customer_id="cus-1")

    assert first == ("INV-2024-000042", b"%PDF INV-2024-000042 OPEN")
    assert len(renderer.rendered) == 1 and uow.documents.saves == 1
    assert uow.documents.rows["inv-1"].content == b"%PDF INV-2024-000042 OPEN"
    second = await invoice_pdf("inv-1", rendering=rendering)
    assert second == first
    assert len(renderer.rendered) == 1 and uow.documents.saves == 1, "served as stored"


async def test_a_paid_invoice_re_renders_once_on_its_next_download(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    rendering = _rendering(uow, renderer, clock)
    await invoice_pdf("inv-1", rendering=rendering)
    await mark_invoice_paid("inv-1", paid_at=datetime(2024, 3, 2, tzinfo=UTC), uow=uow)

    for _ in range(3):
        assert await invoice_pdf("inv-1", rendering=rendering) == (
            "INV-2024-000042",
            b"%PDF INV-2024-000042 PAID",
        )
    assert [v.status_label for v in renderer.rendered] == ["OPEN", "PAID"]
    assert uow.documents.saves == 2


async def test_concurrent_first_downloads_render_and_store_once(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    rendering = _rendering(uow, renderer, clock)
    gate = asyncio.Event()
    renderer.during_render.append(gate.wait())  # the first render waits for the others to queue
    downloads = [asyncio.ensure_future(invoice_pdf("inv-1", rendering=rendering)) for _ in range(4)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*downloads)

    assert {content for _, content in results} == {b"%PDF INV-2024-000042 OPEN"}
    assert len(renderer.rendered) == 1 and uow.documents.saves == 1
    assert rendering._inflight == {}, "no lock is kept once the downloads are served"


async def test_a_download_is_not_found_for_another_customer_an_unknown_id_or_a_draft(
    uow: InMemoryUnitOfWork, clock: FrozenClock
) -> None:
    renderer = RecordingRenderer()
    rendering = _rendering(uow, renderer, clock)
    draft = issued_invoice(status=InvoiceStatus.DRAFT)
    uow.invoices.invoices["inv-draft"] = replace(draft, invoice=replace(draft.invoice, number=""))
    for invoice_id, customer_id in (("inv-1", "cus-2"), ("inv-404", None), ("inv-draft", None)):
        with pytest.raises(NotFound) as info:
            await invoice_pdf(invoice_id, rendering=rendering, customer_id=customer_id)
        assert info.value.code == "documents.invoice_not_found"
    assert renderer.rendered == [] and uow.documents.saves == 0


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
