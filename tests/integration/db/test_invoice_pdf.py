"""Invoice PDFs end to end on the real database and real WeasyPrint: issued, rendered by the
job, stored, read back with pypdf; not rendered again until the invoice changes."""

from __future__ import annotations

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
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.documents.service import get_invoice_pdf
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


async def test_the_job_renders_stores_and_rerenders_only_on_change(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer
) -> None:
    registry = _registry(renderer)
    runner = make_runner(db.engine, registry, clock)
    issued = await _issue(db, clock, registry)
    assert (issued.number, issued.invoice.total) == ("INV-2024-000001", 9612)
    # issuing emitted invoice.issued; no webhook endpoint wants it, so no fan-out job is queued
    assert await JobTable.count().where(JobTable.name == "webhooks.dispatch") == 0

    await _enqueue_render(db, clock, registry, issued.id)
    assert await runner.drain(include_schedule=False) == 1
    assert await JobTable.count().where(JobTable.status == "succeeded") == 1
    pdf = await get_invoice_pdf(
        issued.id,
        uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry),
        customer_id="cus-1",
    )
    assert pdf.startswith(b"%PDF-")
    content = _text(pdf)
    assert "INV-2024-000001" in content
    assert "$96.12" in content, "the total, formatted as money"
    assert "Acme GmbH" in content
    assert "VAT 20%" in content  # the rate's name, as at checkout
    assert "OPEN" in content.split()
    first = await InvoiceDocumentTable.select().first()
    assert first is not None and first["size_bytes"] == len(pdf)

    # nothing changed: the job runs, renders nothing, stores nothing
    clock.advance(minutes=10)
    await _enqueue_render(db, clock, registry, issued.id)
    assert await runner.drain(include_schedule=False) == 1
    again = await InvoiceDocumentTable.select().first()
    assert again is not None
    assert (again["rendered_at"], again["version"]) == (first["rendered_at"], first["version"])

    # paid: a new version, stamped PAID
    paid_at = datetime(2024, 2, 2, 9, 30, tzinfo=UTC)
    paid = await mark_invoice_paid(
        issued.id, paid_at=paid_at, uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    )
    # marking it paid queues its re-render itself and the job that ends its dunning (none here);
    # invoice.paid queues no webhook fan-out (no endpoint wants it)
    assert await runner.drain(include_schedule=False) == 2
    after = await InvoiceDocumentTable.select().first()
    assert after is not None
    assert after["version"] == build_invoice_document(paid, DEMO_SELLER).version != first["version"]
    assert after["rendered_at"] == clock.now()
    assert await InvoiceDocumentTable.count() == 1, "one document per invoice, replaced"
    paid_pdf = await get_invoice_pdf(
        issued.id, uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    )
    paid_text = _text(paid_pdf)
    assert "PAID" in paid_text.split() and "OPEN" not in paid_text.split()
    assert "paid on Feb 2, 2024" in paid_text


@pytest.mark.needs("pdftoppm")
async def test_the_stored_pdfs_become_pictures_to_look_at(
    db: TestDatabase, clock: FrozenClock, renderer: WeasyPrintInvoiceRenderer, output_dir: Path
) -> None:
    registry = _registry(renderer)
    runner = make_runner(db.engine, registry, clock)
    issued = await _issue(db, clock, registry)

    def uow() -> PiccoloUnitOfWork:  # a unit of work is entered once
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)

    await _enqueue_render(db, clock, registry, issued.id)
    await runner.drain(include_schedule=False)
    _png(await get_invoice_pdf(issued.id, uow=uow()), output_dir, "invoice-pdf-open")
    await mark_invoice_paid(issued.id, paid_at=datetime(2024, 2, 2, 9, 30, tzinfo=UTC), uow=uow())
    await _enqueue_render(db, clock, registry, issued.id)
    await runner.drain(include_schedule=False)
    png = _png(await get_invoice_pdf(issued.id, uow=uow()), output_dir, "invoice-pdf-paid")
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
