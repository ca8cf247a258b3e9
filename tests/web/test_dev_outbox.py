"""The development outbox pages: the list (newest first), one e-mail with its HTML in a
sandboxed frame and its text, and nothing at all in production."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.notifications.model import Attachment, EmailKind, OutboxEmail
from domain.notifications.service import queue_email
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.emails import sample_context
from tests.support.html import by_testid, parse, text
from tests.support.jobs import drain_jobs
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web


async def _queue(
    app: Litestar,
    clock: FrozenClock,
    kind: EmailKind,
    key: str,
    attachments: tuple[Attachment, ...] = (),
) -> OutboxEmail:
    email = await queue_email(
        kind,
        to="ada@example.com",
        context=sample_context(kind),
        dedupe_key=key,
        uow=app.state.runtime.uow(),
        clock=clock,
        renderer=JinjaEmailRenderer(brand_name="Tessera"),
        attachments=attachments,
    )
    assert email is not None
    return email


async def test_the_outbox_lists_emails_newest_first(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    receipt = await _queue(app, clock, EmailKind.RECEIPT, "receipt:inv-1")
    clock.advance(minutes=3)
    reset = await _queue(app, clock, EmailKind.PASSWORD_RESET, "password_reset:tok-1")
    await drain_jobs(app, include_schedule=False)  # the outbox-only mailer "sends" them

    response = await client.get("/dev/outbox")
    assert response.status_code == 200
    doc = parse(response.text)
    rows = by_testid(doc, "outbox-row")
    assert [r["data-email-id"] for r in rows] == [reset.id, receipt.id]
    assert text(by_testid(rows[0], "outbox-subject")[0]) == "Reset your Tessera password"
    assert by_testid(rows[0], "outbox-subject")[0]["href"] == f"/dev/outbox/{reset.id}"
    assert by_testid(rows[0], "outbox-status")[0].select_one("[data-status]")["data-status"] == (
        "sent"
    )
    assert "ada@example.com" in text(rows[1])


async def test_an_empty_outbox_says_so(client: httpx.AsyncClient, db: TestDatabase) -> None:
    response = await client.get("/dev/outbox")
    assert response.status_code == 200
    assert by_testid(parse(response.text), "outbox-row") == []
    assert "No e-mails yet" in response.text


async def test_one_email_shows_its_html_in_a_sandboxed_frame_and_its_text(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    pdf = Attachment("INV-1.pdf", "application/pdf", b"%PDF-1.7")
    email = await _queue(app, clock, EmailKind.RECEIPT, "receipt:inv-1", attachments=(pdf,))

    response = await client.get(f"/dev/outbox/{email.id}")
    assert response.status_code == 200
    doc = parse(response.text)
    assert text(by_testid(doc, "email-subject")[0]) == email.subject
    frame = by_testid(doc, "email-html-frame")[0]
    assert frame.has_attr("sandbox") and not frame["sandbox"], "sandboxed, with no allowances"
    assert frame["src"] == f"/dev/outbox/{email.id}/html"
    assert by_testid(doc, "email-text")[0].get_text() == email.text_body
    assert "receipt:inv-1" in text(by_testid(doc, "email-facts")[0])
    assert "INV-1.pdf" in text(by_testid(doc, "email-attachments")[0])

    html = await client.get(frame["src"])
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert html.text == email.html_body
    csp = html.headers["content-security-policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'self'" in csp
    assert html.headers["x-frame-options"] == "SAMEORIGIN"


async def test_an_unknown_email_is_404(client: httpx.AsyncClient, db: TestDatabase) -> None:
    assert (await client.get("/dev/outbox/nope")).status_code == 404
    assert (await client.get("/dev/outbox/nope/html")).status_code == 404


async def test_there_is_no_outbox_page_in_production(db: TestDatabase, clock: FrozenClock) -> None:
    app = create_app(
        make_settings(db, APP_ENV="production", PAYMENT_ALLOW_SANDBOX="true"),
        clock=clock,
        engine=db.engine,
        start_runner=False,
    )
    email = await _queue(app, clock, EmailKind.MAGIC_LINK, "magic_link:tok-9")
    async with serve(app) as client:
        for path in ("/dev/outbox", f"/dev/outbox/{email.id}", f"/dev/outbox/{email.id}/html"):
            assert (await client.get(path)).status_code == 404, path
