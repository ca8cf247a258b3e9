"""Invoice PDFs end to end on the real database and real WeasyPrint: issued, rendered on the first
download, stored, read back with pypdf; not rendered again until the invoice changes."""

from __future__ import annotations

import asyncio
import io
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from domain.adapters.db.tables import InvoiceDocumentTable, JobTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.billing.invoices import mark_invoice_paid
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.billing.service import issue_invoice
from domain.documents.credit_note_document import CreditNoteDocument
from domain.documents.invoice_document import DEMO_SELLER, InvoiceDocument, build_invoice_document
from domain.documents.service import DocumentRendering, invoice_pdf
from domain.jobs.registry import JobRegistry
from domain.shared.clock import FrozenClock
from domain.simulate.run import simulate
from domain.simulate.scenario import parse
from tests.support.builders import make_runner
from tests.support.database import TestDatabase
from tests.support.html import by_testid, text
from tests.support.html import parse as parse_html
from web.jobs import build_registry

pytestmark = pytest.mark.integration
ACME = CustomerSnapshot(
    "Acme GmbH", "billing@acme.test", ("Hauptstr. 1", "10115 Berlin"), "DE", "DE123456789"
)
# a setup fee, a 10% coupon and 20% tax: 49 + 30 + 10 = 89.00, -8.90, +16.02 = 96.12
SCENARIO = """{"currency": "USD",
  "catalog": {"plans": [{"code": "team", "interval": "month", "setup_fee": "49.00", "charges": [
      {"model": "flat", "amount": "30.00"}, {"model": "per_unit", "unit_amount": "10.00"}]}],
    "coupons": [{"code": "C", "percent_off": "10", "duration": "forever"}],
    "tax_rates": [{"code": "VAT", "percentage": "20", "inclusive": false}]},
  "customer": {"tax_rate": "VAT"},
  "events": [{"at": "2024-01-31T00:00:00Z", "type": "subscribe", "plan": "team", "coupon": "C"}],
  "until": "2024-02-01T00:00:00Z"}"""


@pytest.fixture(scope="module")
def renderer() -> WeasyPrintInvoiceRenderer:
    return WeasyPrintInvoiceRenderer()


def _registry(renderer: WeasyPrintInvoiceRenderer) -> JobRegistry:
    return build_registry(renderer=renderer, seller=DEMO_SELLER)


async def _issue(db: TestDatabase, clock: FrozenClock, registry: JobRegistry) -> IssuedInvoice:
    computed = simulate(parse(SCENARIO)).engine.invoices[0]
    return await issue_invoice(
        computed,
        subscription_id="sub-1",
        customer_id="cus-1",
        reason=BillingReason.SUBSCRIPTION_CREATE,
        customer=ACME,
        series="INV-2024-",
        uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry),
    )


async def _enqueue_render(
    db: TestDatabase, clock: FrozenClock, registry: JobRegistry, invoice_id: str
) -> None:
    uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    async with uow:
        uow.jobs.enqueue("documents.render_invoice_pdf", invoice_id=invoice_id)
        await uow.commit()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _png(pdf: bytes, output_dir: Path, name: str) -> Path:
    source = output_dir / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(output_dir / name),
        ],
        check=True,
    )
    return output_dir / f"{name}.png"


class CountingRenderer:
    """The real WeasyPrint renderer, counting its invoice renders."""

    def __init__(self, inner: WeasyPrintInvoiceRenderer) -> None:
        self.inner, self.renders = inner, 0

    async def render(self, view: InvoiceDocument) -> bytes:
        self.renders += 1
        return await self.inner.render(view)

    async def render_credit_note(self, view: CreditNoteDocument) -> bytes:
        return await self.inner.render_credit_note(view)


def _rendering(
    db: TestDatabase, clock: FrozenClock, registry: JobRegistry, renderer: CountingRenderer
) -> DocumentRendering:
    def uow() -> PiccoloUnitOfWork:  # a unit of work is entered once
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)

    return DocumentRendering(uow, renderer, DEMO_SELLER, clock)


async def test_the_first_download_renders_and_stores_and_a_payment_re_renders_once(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer
) -> None:
    registry = _registry(renderer)
    runner = make_runner(db.engine, registry, clock)
    issued = await _issue(db, clock, registry)
    assert (issued.number, issued.invoice.total) == ("INV-2024-000001", 9612)
    # issuing queues no PDF job (rendered on the first download) and, with no webhook endpoint
    # wanting invoice.issued, no fan-out job either
    assert await JobTable.count() == 0
    counting = CountingRenderer(renderer)
    rendering = _rendering(db, clock, registry, counting)

    number, pdf = await invoice_pdf(issued.id, rendering=rendering, customer_id="cus-1")
    assert number == "INV-2024-000001" and pdf.startswith(b"%PDF-")
    content = _text(pdf)
    assert "INV-2024-000001" in content
    assert "$96.12" in content, "the total, formatted as money"
    assert "Acme GmbH" in content
    assert "VAT 20%" in content  # the rate's name, as at checkout
    assert "OPEN" in content.split()
    first = await InvoiceDocumentTable.select().first()
    assert first is not None and first["size_bytes"] == len(pdf) and counting.renders == 1

    # nothing changed: served as stored, nothing rendered
    clock.advance(minutes=10)
    assert await invoice_pdf(issued.id, rendering=rendering) == (number, pdf)
    again = await InvoiceDocumentTable.select().first()
    assert again is not None and counting.renders == 1
    assert (again["rendered_at"], again["version"]) == (first["rendered_at"], first["version"])

    # paid: no PDF job queued (only the one that ends its dunning); the next download renders
    # a new version stamped PAID, once
    paid_at = datetime(2024, 2, 2, 9, 30, tzinfo=UTC)
    paid = await mark_invoice_paid(
        issued.id, paid_at=paid_at, uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    )
    assert await JobTable.count().where(JobTable.name == "documents.render_invoice_pdf") == 0
    assert await runner.drain(include_schedule=False) == 1
    _, paid_pdf = await invoice_pdf(issued.id, rendering=rendering)
    assert await invoice_pdf(issued.id, rendering=rendering) == (number, paid_pdf)
    assert counting.renders == 2
    after = await InvoiceDocumentTable.select().first()
    assert after is not None
    assert after["version"] == build_invoice_document(paid, DEMO_SELLER).version != first["version"]
    assert after["rendered_at"] == clock.now()
    assert await InvoiceDocumentTable.count() == 1, "one document per invoice, replaced"
    paid_text = _text(paid_pdf)
    assert "PAID" in paid_text.split() and "OPEN" not in paid_text.split()
    assert "paid on Feb 2, 2024" in paid_text


async def test_concurrent_first_downloads_store_one_pdf(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer
) -> None:
    registry = _registry(renderer)
    issued = await _issue(db, clock, registry)
    shared = CountingRenderer(renderer)
    one_process = _rendering(db, clock, registry, shared)
    other_process = _rendering(db, clock, registry, CountingRenderer(renderer))

    results = await asyncio.gather(
        invoice_pdf(issued.id, rendering=one_process),
        invoice_pdf(issued.id, rendering=one_process),
        invoice_pdf(issued.id, rendering=other_process),
    )

    assert len({content for _, content in results}) == 1
    assert shared.renders == 1, "downloads in one process share one render"
    assert await InvoiceDocumentTable.count() == 1
    stored = await InvoiceDocumentTable.select().first()
    assert stored is not None and bytes(stored["content"]) == results[0][1]


async def test_the_job_still_renders_on_demand_and_only_on_change(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer
) -> None:
    """The render job is no longer queued by billing, but stays registered (jobs queued before
    the upgrade, a requeue from the admin's queue) and is idempotent."""
    registry = _registry(renderer)
    runner = make_runner(db.engine, registry, clock)
    issued = await _issue(db, clock, registry)
    await _enqueue_render(db, clock, registry, issued.id)
    assert await runner.drain(include_schedule=False) == 1
    first = await InvoiceDocumentTable.select().first()
    assert first is not None and bytes(first["content"]).startswith(b"%PDF-")
    clock.advance(minutes=10)
    await _enqueue_render(db, clock, registry, issued.id)
    assert await runner.drain(include_schedule=False) == 1
    again = await InvoiceDocumentTable.select().first()
    assert again is not None and again["rendered_at"] == first["rendered_at"]
    assert await JobTable.count().where(JobTable.status == "succeeded") == 2


@pytest.mark.needs("pdftoppm")
async def test_the_stored_pdfs_become_pictures_to_look_at(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer, output_dir: Path
) -> None:
    registry = _registry(renderer)
    issued = await _issue(db, clock, registry)
    rendering = _rendering(db, clock, registry, CountingRenderer(renderer))

    _, pdf = await invoice_pdf(issued.id, rendering=rendering)
    _png(pdf, output_dir, "invoice-pdf-open")
    await mark_invoice_paid(
        issued.id,
        paid_at=datetime(2024, 2, 2, 9, 30, tzinfo=UTC),
        uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry),
    )
    _, pdf = await invoice_pdf(issued.id, rendering=rendering)
    png = _png(pdf, output_dir, "invoice-pdf-paid")
    assert png.stat().st_size > 10_000


async def test_the_html_handed_to_weasyprint_shows_the_view(
    renderer: WeasyPrintInvoiceRenderer,
) -> None:
    computed = simulate(parse(SCENARIO)).engine.invoices[0]
    issued = IssuedInvoice(
        "inv-1",
        "sub-1",
        "cus-1",
        BillingReason.SUBSCRIPTION_CREATE,
        ACME,
        replace(computed, number="INV-2024-000007", status=InvoiceStatus.OPEN),
    )
    doc = parse_html(renderer.render_html(build_invoice_document(issued, DEMO_SELLER)))
    assert text(by_testid(doc, "invoice-number")[0]) == "INV-2024-000007"
    assert text(by_testid(doc, "invoice-status")[0]) == "OPEN"
    assert "Germany" in text(by_testid(doc, "buyer")[0])
    lines = by_testid(doc, "invoice-lines")[0].select("tbody tr")
    assert [text(row.select(".line-description")[0]) for row in lines] == [
        line.description for line in computed.lines
    ]
    totals = text(by_testid(doc, "invoice-totals")[0])
    assert "Subtotal $89.00" in totals and "Discount -$8.90" in totals
    assert "VAT 20% $16.02" in totals and "Total $96.12" in totals
