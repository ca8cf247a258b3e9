"""The portal's payment methods and invoices, through HTTP as a browser would use them."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import (
    InvoiceDocumentTable,
    InvoiceTable,
    JobTable,
    PaymentMethodTable,
)
from domain.shared.clock import FrozenClock
from domain.subscriptions.engine import ProrationBehavior, Timing
from domain.subscriptions.plan_changes import change_subscription
from tests.support.accounts import sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token, parse
from tests.support.portal_history import (
    ACTION,
    DECLINE,
    SUCCESS,
    fail_next_renewal,
    make_subscriber,
)
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def test_invoices_list_shows_status_amounts_pdf_and_credit_notes(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        page = await client.get("/account/invoices")
        assert page.status_code == 200
        html = parse(page.text)
        rows = html.select("[data-testid=invoice-row]")
        assert len(rows) == 1
        assert rows[0].select_one("[data-status]")["data-status"] == "paid"
        assert "$40.00" in rows[0].get_text()
        assert rows[0].select_one("[data-testid=pdf-link]") is not None
        assert rows[0].select_one("[data-testid=pay-now]") is None
        assert len(html.select("[data-testid=credit-note-row]")) == 1
        fragment = await client.get(
            "/account/invoices?page=1", headers={"HX-Request": "true", "HX-Target": "invoice-table"}
        )
        frag = parse(fragment.text)
        assert frag.select_one("#invoice-table") is not None and frag.find("html") is None


async def test_invoice_page_explains_every_line_and_links_its_credit_note(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        page = await client.get(f"/account/invoices/{who.invoice_ids[0]}")
        assert page.status_code == 200
        html = parse(page.text)
        lines = html.select("[data-testid=invoice-line]")
        assert lines and all(line.select_one(".invoice-line__why") for line in lines)
        assert html.select_one("[data-testid=invoice-credit-notes]") is not None
        assert "Sam Subscriber" in html.select_one("[data-testid=bill-to]").get_text()
        note = await client.get(f"/account/credit-notes/{who.credit_note_id}")
        assert note.status_code == 200 and "Goodwill credit" in note.text


async def test_invoice_pdf_downloads_as_an_attachment_rendered_on_the_first_download(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        # no PDF stored (no job renders one; here not even the receipt's send): never "not ready"
        await InvoiceDocumentTable.delete(force=True)
        assert (
            await JobTable.count().where(
                (JobTable.name == "documents.render_invoice_pdf") & (JobTable.status == "queued")
            )
            == 0
        )
        clock.advance(minutes=1)
        pdf = await client.get(f"/account/invoices/{who.invoice_ids[0]}/pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
        assert pdf.content.startswith(b"%PDF")
        stored = await InvoiceDocumentTable.select().where(
            InvoiceDocumentTable.invoice == who.invoice_ids[0]
        )
        assert len(stored) == 1 and bytes(stored[0]["content"]) == pdf.content
        assert stored[0]["rendered_at"] == clock.now()

        clock.advance(minutes=1)  # the second download serves the stored PDF
        again = await client.get(f"/account/invoices/{who.invoice_ids[0]}/pdf")
        assert again.status_code == 200 and again.content == pdf.content
        after = await InvoiceDocumentTable.select().where(
            InvoiceDocumentTable.invoice == who.invoice_ids[0]
        )
        assert after[0]["rendered_at"] == stored[0]["rendered_at"]


async def test_anonymous_visitors_are_sent_to_sign_in(app: Litestar, db: TestDatabase) -> None:
    async with serve(app) as client:
        answer = await client.get("/account/invoices")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/auth/login?next=")


async def test_adding_a_card_retries_the_past_due_invoice_and_says_it_is_paid(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        renewal = await fail_next_renewal(app, clock, who)
        await sign_in(client, who.email)
        page = await client.get("/account/payment-methods")
        token = csrf_token(page.text)
        saved = await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": SUCCESS, "exp_month": "11",
                  "exp_year": "2031", "cvc": "123"},
        )  # fmt: skip
        assert saved.status_code == 303 and saved.headers["location"] == "/account/payment-methods"
        after = await client.get("/account/payment-methods")
        text = parse(after.text).get_text()
        assert "paid." in text and SUCCESS not in after.text
        status = await InvoiceTable.select(InvoiceTable.status).where(InvoiceTable.id == renewal)
        assert status[0]["status"] == "paid"
        assert len(parse(after.text).select("[data-testid^=card-]")) >= 3


async def test_a_declining_new_card_says_the_invoice_is_still_declined(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await fail_next_renewal(app, clock, who)
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/payment-methods")).text)
        await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": DECLINE, "exp_month": "11",
                  "exp_year": "2031", "cvc": "123"},
        )  # fmt: skip
        after = await client.get("/account/payment-methods")
        assert "still declined" in parse(after.text).get_text()


async def test_a_bad_card_form_is_shown_again_with_messages_and_nothing_saved(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/payment-methods")).text)
        before = await PaymentMethodTable.count()
        bad = await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": "4242424242424241", "exp_month": "13",
                  "exp_year": "2031", "cvc": "1"},
        )  # fmt: skip
        assert bad.status_code == 422
        html = parse(bad.text)
        assert html.select_one("#f-card_number-error") is not None
        assert html.select_one("#f-exp_month-error") is not None
        assert html.select_one("#f-exp_year")["value"] == "2031"
        assert "4242424242424241" not in bad.text
        assert await PaymentMethodTable.count() == before
        frag = await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": "1", "exp_month": "1",
                  "exp_year": "2031", "cvc": "123"},
            headers={"HX-Request": "true", "HX-Target": "add-card"},
        )  # fmt: skip
        assert frag.status_code == 422 and parse(frag.text).find("html") is None


async def test_the_default_card_cannot_be_removed_but_another_can(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/payment-methods")).text)
        refused = await client.post(
            f"/account/payment-methods/{who.card_ids[0]}/remove", data={"_csrf_token": token}
        )
        assert refused.status_code == 303
        page = await client.get("/account/payment-methods")
        assert "Make another card the default first" in page.text
        from tests.support.portal_history import add_card

        other = await add_card(app, who.customer_id, SUCCESS)  # the new default
        await client.post(
            f"/account/payment-methods/{who.card_ids[0]}/default", data={"_csrf_token": token}
        )
        await client.post(f"/account/payment-methods/{other}/remove", data={"_csrf_token": token})
        rows = await PaymentMethodTable.select(PaymentMethodTable.id).where(
            PaymentMethodTable.removed_at.is_null()
        )
        assert [r["id"] for r in rows] == [who.card_ids[0]]


async def test_pay_now_settles_an_open_invoice_with_the_default_card(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        renewal = await fail_next_renewal(app, clock, who)
        await sign_in(client, who.email)
        listing = await client.get("/account/invoices")
        assert parse(listing.text).select_one("[data-testid=pay-now]") is not None
        token = csrf_token(listing.text)
        declined = await client.post(
            f"/account/invoices/{renewal}/pay", data={"_csrf_token": token}
        )
        assert declined.headers["location"] == f"/account/invoices/{renewal}"
        assert "still declined" in (await client.get(declined.headers["location"])).text
        await client.post(
            f"/account/payment-methods/{who.card_ids[0]}/default", data={"_csrf_token": token}
        )  # the good card again: retried at once
        page = await client.get(f"/account/invoices/{renewal}")
        assert parse(page.text).select_one("[data-status]")["data-status"] == "paid"
        again = await client.post(f"/account/invoices/{renewal}/pay", data={"_csrf_token": token})
        assert "nothing left to pay" in (await client.get(again.headers["location"])).text


async def test_a_new_card_the_bank_wants_confirmed_goes_to_the_action_step(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        renewal = await fail_next_renewal(app, clock, who)
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/payment-methods")).text)
        saved = await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": ACTION, "exp_month": "11",
                  "exp_year": "2031", "cvc": "123"},
        )  # fmt: skip
        assert saved.status_code == 303 and saved.headers["location"].startswith("/pay/confirm/")
        step = parse((await client.get(saved.headers["location"])).text)
        assert "Confirm your payment" in step.get_text()
        assert step.select_one("[data-testid=pay-back-to-account]")["href"] == (
            "/account/payment-methods"
        )
        status = await InvoiceTable.select(InvoiceTable.status).where(InvoiceTable.id == renewal)
        assert status[0]["status"] == "open"


async def test_the_card_form_answers_htmx_with_a_redirect_header(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        token = csrf_token((await client.get("/account/payment-methods")).text)
        saved = await client.post(
            "/account/payment-methods",
            data={"_csrf_token": token, "card_number": SUCCESS, "exp_month": "11",
                  "exp_year": "2031", "cvc": "123"},
            headers={"HX-Request": "true", "HX-Target": "add-card"},
        )  # fmt: skip
        assert saved.status_code == 200
        assert saved.headers["hx-redirect"] == "/account/payment-methods"


async def test_an_account_without_billing_sees_empty_lists(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    from tests.support.accounts import make_account

    async with serve(app) as client:
        await make_account(app.state.runtime.uow(), clock, email="new@example.com")
        await sign_in(client, "new@example.com")
        for path in ("/account/invoices", "/account/payment-methods", "/account/profile"):
            assert (await client.get(path)).status_code == 200, path


async def test_a_proration_invoice_reads_in_words_with_its_arithmetic_in_days(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        who = await make_subscriber(app, clock, email="sam@example.com")
        await sign_in(client, who.email)
        runtime = app.state.runtime
        clock.advance(days=10)
        outcome = await change_subscription(
            who.subscription_id,  # type: ignore[arg-type]
            quantity=3,
            timing=Timing.IMMEDIATE,
            proration=ProrationBehavior.INVOICE_NOW,
            uow=runtime.uow(),
            clock=clock,
            config=runtime.settings.billing,
        )
        page = await client.get(f"/account/invoices/{outcome.invoices[0].id}")
        html = parse(page.text)
        day = clock.now().strftime("%b %-d, %Y")
        shown = [
            (row.contents[0].get_text().strip(), row.select_one(".invoice-line__why").get_text())
            for row in (line.select_one("td") for line in html.select("[data-testid=invoice-line]"))
        ]
        # the flat charge's credit and charge are equal and both shown, each over its arithmetic
        assert shown == [
            (f"Unused time on Team after {day}", "19 of 29 days x 30.00"),
            (f"Unused time on Team units after {day}", "19 of 29 days x 1 x 10.00"),
            (f"Remaining time on Team after {day}", "19 of 29 days x 30.00"),
            (f"Remaining time on 3 x Team units after {day}", "19 of 29 days x 3 x 10.00"),
        ]
