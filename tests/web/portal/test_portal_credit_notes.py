"""A credit note from cancelling a discounted subscription, as the subscriber gets it: the portal
page, the PDF and the e-mail all show the same lines, discount, tax and total, and they add up
(the issue's "Subtotal $72.00, Tax $0.00, Total $57.60 with no discount line")."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from litestar import Litestar
from pypdf import PdfReader

from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from domain.subscriptions.engine import Refund, Timing
from domain.subscriptions.lifecycle import cancel_subscription
from domain.subscriptions.subscribing import subscribe
from tests.fakes import FakeMailer
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import parse
from tests.support.jobs import drain_jobs
from tests.support.portal_history import SUCCESS, add_card, ensure_team_plan
from tests.support.promotions import add_promotion
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web
OUTPUT = Path(__file__).resolve().parents[3] / "test-output"
EMAIL = "ines@example.com"


async def _cancel_a_discounted_subscription(app: Litestar, clock: FrozenClock) -> str:
    """Team (30.00 + 10.00 a seat) for 5 seats = 80.00 a month, 20% off forever; cancelled with
    a prorated refund: the credit note credits the unused days less the same 20%."""
    runtime = app.state.runtime
    await ensure_team_plan(app)
    async with runtime.uow() as uow:
        await add_promotion(uow, "TWENTY", CouponDuration.FOREVER, percent_off=Decimal(20))
        await uow.commit()
    customer = await create_customer(
        email=EMAIL,
        name="Inès Dubois",
        currency="USD",
        country="US",
        address_lines=("12 Rue de la Paix", "Springfield, IL 62701"),
        uow=runtime.uow(),
        clock=clock,
    )
    await make_account(runtime.uow(), clock, email=EMAIL, name="Inès", customer_id=customer.id)
    await add_card(app, customer.id, SUCCESS)
    outcome = await subscribe(
        customer.id,
        "team",
        quantity=5,
        coupon_code="TWENTY",
        uow=runtime.uow(),
        clock=clock,
        config=runtime.settings.billing,
    )
    await drain_jobs(app)  # the first charge, its PDF and receipt
    clock.advance(days=3)
    canceled = await cancel_subscription(
        outcome.subscription.id,
        timing=Timing.IMMEDIATE,
        refund=Refund.PRORATED_REFUND,
        uow=runtime.uow(),
        clock=clock,
        config=runtime.settings.billing,
    )
    await drain_jobs(app)  # the refund, the credit note's PDF, its e-mail
    (note,) = canceled.credit_notes
    assert note.note.discount > 0 and note.note.refunded > 0
    return note.id


async def test_a_discounted_credit_note_adds_up_on_its_page_pdf_and_email(
    db: TestDatabase, clock: FrozenClock
) -> None:
    mailer = FakeMailer()
    app = create_app(
        make_settings(db), clock=clock, engine=db.engine, start_runner=False, mailer=mailer
    )
    async with serve(app) as client:
        note_id = await _cancel_a_discounted_subscription(app, clock)
        async with app.state.runtime.uow() as uow:
            stored = await uow.credit_notes.get(note_id)
        assert stored is not None
        cn = stored.note
        assert cn.subtotal - cn.discount + cn.tax == cn.total

        await sign_in(client, EMAIL)
        page = await client.get(f"/account/credit-notes/{note_id}")
        assert page.status_code == 200
        totals = parse(page.text).select_one("[data-testid=credit-note-totals]").get_text(" ")
        assert "Discount" in " ".join(totals.split()), "the discount that explains the total"
        assert "Tax 0%" not in page.text

        pdf = await client.get(f"/account/credit-notes/{note_id}/pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"] == f'attachment; filename="{stored.number}.pdf"'
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "CREDIT NOTE" in text.upper() and stored.number in text and "Discount" in text
        assert "Tax 0%" not in text
        if shutil.which("pdftoppm"):
            OUTPUT.mkdir(exist_ok=True)
            source = OUTPUT / "credit-note-pdf.pdf"
            source.write_bytes(pdf.content)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", "1", "-singlefile", str(source),
                 str(OUTPUT / "credit-note-pdf")],
                check=True,
            )  # fmt: skip

        (mail,) = [m for m in mailer.sent if m.subject.startswith("Credit note")]
        assert mail.to == EMAIL and stored.number in mail.subject
        assert [a.filename for a in mail.attachments] == [f"{stored.number}.pdf"]
        assert mail.attachments[0].content.startswith(b"%PDF")
        assert "Discount" in mail.text and "Refunded to your card" in mail.text
        assert f"/account/credit-notes/{note_id}" in mail.text


async def test_another_subscribers_credit_note_pdf_is_not_found(
    db: TestDatabase, clock: FrozenClock, app: Litestar
) -> None:
    async with serve(app) as client:
        note_id = await _cancel_a_discounted_subscription(app, clock)
        runtime = app.state.runtime
        other = await create_customer(
            email="eve@example.com", name="Eve", currency="USD", country="US",
            uow=runtime.uow(), clock=clock,
        )  # fmt: skip
        await make_account(
            runtime.uow(), clock, email="eve@example.com", name="Eve", customer_id=other.id
        )
        await sign_in(client, "eve@example.com")
        assert (await client.get(f"/account/credit-notes/{note_id}/pdf")).status_code == 404
        assert (await client.get(f"/account/credit-notes/{note_id}")).status_code == 404
