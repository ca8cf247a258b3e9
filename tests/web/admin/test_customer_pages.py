"""/admin/customers finds customers (name, e-mail, invoice number, card last four; htmx gets
the results fragment; bad input re-renders with its message, 422) and /admin/customers/{id}
shows the customer record with exact amounts; an unknown id is the admin's 404 page."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CreditNoteTable, InvoiceTable
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, parse, text
from tests.support.portal_history import Subscriber, fail_next_renewal, make_subscriber
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _numbers(table: type[InvoiceTable] | type[CreditNoteTable], who: Subscriber) -> list[str]:
    rows = await table.select(table.number).where(table.customer_id == who.customer_id)
    return sorted(str(r["number"]) for r in rows)


async def _viewer(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock) -> None:
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@example.com")
    assert (await admin_sign_in(client, viewer, clock)).status_code == 303


def _rows(html: str) -> list[str]:
    return [text(r) for r in by_testid(parse(html), "customer-row")]


async def test_search_by_name_email_invoice_number_and_card(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await make_subscriber(app, clock, email="grace@example.com", name="Grace Hopper")
    await _viewer(app, client, clock)

    empty = await client.get("/admin/customers")
    assert empty.status_code == 200 and "Search to find a customer" in empty.text
    assert "coming next" not in empty.text  # the placeholder is gone

    by_name = _rows((await client.get("/admin/customers?q=lovel")).text)
    assert len(by_name) == 1 and "Ada Lovelace" in by_name[0] and "ada@example.com" in by_name[0]
    assert "Name" in by_name[0] and "1 active" in by_name[0] and "US" in by_name[0]

    by_email = _rows((await client.get("/admin/customers?q=grace@")).text)
    assert len(by_email) == 1 and "Grace Hopper" in by_email[0] and "E-mail" in by_email[0]

    both = _rows((await client.get("/admin/customers?q=4242")).text)
    assert len(both) == 2 and all("Card •••• 4242 (visa)" in r for r in both)

    (number,) = await _numbers(InvoiceTable, ada)
    shown = await client.get(
        f"/admin/customers?q={number}", headers={"HX-Request": "true", "HX-Trigger": "q"}
    )
    rows = _rows(shown.text)
    assert len(rows) == 1 and f"Invoice {number}" in rows[0] and "Ada Lovelace" in rows[0]
    assert "<html" not in shown.text and "HX-Redirect" not in shown.headers  # typing: the row
    assert f'href="/admin/customers/{ada.customer_id}"' in shown.text

    straight = await client.get(f"/admin/customers?q={number.lower()}")
    assert straight.status_code == 303
    assert straight.headers["location"] == f"/admin/customers/{ada.customer_id}"
    entered = await client.get(
        f"/admin/customers?q={number}",
        headers={"HX-Request": "true", "HX-Trigger": "customer-search-form"},
    )  # Enter pressed with htmx: the browser is sent to the customer
    assert entered.headers["HX-Redirect"] == f"/admin/customers/{ada.customer_id}"
    (note,) = await _numbers(CreditNoteTable, ada)
    via_note = await client.get(f"/admin/customers?q={note}")
    assert via_note.headers["location"] == f"/admin/customers/{ada.customer_id}"

    nobody = await client.get("/admin/customers?q=zzzz-nobody")
    assert nobody.status_code == 200 and "No customer matches" in nobody.text


@pytest.mark.parametrize("query", ["a" * 255, "ada@" + "x" * 251], ids=["long", "long-email"])
async def test_bad_input_re_renders_with_the_message(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, query: str
) -> None:
    await _viewer(app, client, clock)
    page = await client.get("/admin/customers", params={"q": query})
    assert page.status_code == 422
    (error,) = by_testid(parse(page.text), "search-error")
    assert text(error)
    assert 'data-testid="customer-search"' in page.text  # the search box is still there
    fragment = await client.get(
        "/admin/customers", params={"q": query}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 422 and by_testid(parse(fragment.text), "search-error")


async def test_the_customer_page_shows_the_record_with_exact_amounts(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await fail_next_renewal(app, clock, ada)
    await _viewer(app, client, clock)
    first, renewal = await _numbers(InvoiceTable, ada)
    (note,) = await _numbers(CreditNoteTable, ada)

    page = await client.get(f"/admin/customers/{ada.customer_id}")
    assert page.status_code == 200
    html = parse(page.text)
    (header,) = by_testid(html, "customer-header")
    head = text(header)
    assert "Ada Lovelace" in head and "ada@example.com" in head and ada.customer_id in head
    assert "US" in head and "Balance $0.00" in head

    (sub,) = by_testid(html, "subscription-row")
    assert "Team" in text(sub) and "Past due" in text(sub) and "$40.00" in text(sub)
    invoices = [text(r) for r in by_testid(html, "invoice-row")]
    assert len(invoices) == 2
    assert renewal in invoices[0] and "Open $40.00 $40.00" in invoices[0]
    assert first in invoices[1] and "Paid" in invoices[1] and "$40.00" in invoices[1]
    payments = [text(r) for r in by_testid(html, "payment-row")]
    assert any(renewal in p and "$40.00 Declined card_declined" in p for p in payments), payments
    assert any(first in p and "Succeeded" in p and "$40.00" in p for p in payments), payments
    (credit,) = by_testid(html, "credit-note-row")
    assert f"{note} for {first} Product unsatisfactory $5.00 $0.00 $5.00" in text(credit)
    cards = [text(r) for r in by_testid(html, "card-row")]
    assert sorted(cards) == [
        "Visa •••• 0341 Expires 12/2030 Default",
        "Visa •••• 4242 Expires 12/2030",
    ]
    assert "4242424242424242" not in page.text
    (dunning,) = by_testid(html, "dunning-row")
    assert renewal in text(dunning) and "1 failed attempt" in text(dunning)
    assert by_testid(html, "email-row")  # the receipt at least
    timeline = [text(e) for e in by_testid(html, "timeline-event")]
    assert timeline[0].startswith(f"Payment 1 of invoice {renewal} declined (card_declined)")
    assert any(t.startswith(f"Invoice {first} paid · $40.00") for t in timeline), timeline


async def test_an_unknown_or_hostile_id_is_the_admin_404(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await _viewer(app, client, clock)
    for bad in ("00000000-0000-0000-0000-000000000000", "x" * 150, "%E2%80%AEx", "a%09b"):
        page = await client.get(f"/admin/customers/{bad}")
        assert page.status_code == 404, bad
        assert by_testid(parse(page.text), "admin-not-found"), bad
        assert "Back to customer search" in page.text
    assert (await client.get("/admin/customers/a%00b")).status_code == 400  # web/guard.py


async def test_control_characters_are_refused_before_the_handler(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """The app-wide request guard (web/guard.py) answers 400 to a query string carrying a
    control character, before any handler or query runs; the search never sees it."""
    await _viewer(app, client, clock)
    for query in ("ada\x00", "ada\x1b[31m"):
        answer = await client.get("/admin/customers", params={"q": query})
        assert answer.status_code == 400, query


async def test_search_reads_persian_and_arabic_indic_digits(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await _viewer(app, client, clock)
    (number,) = await _numbers(InvoiceTable, ada)
    persian = number.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic_id = ada.customer_id.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert persian != number

    by_number = await client.get("/admin/customers", params={"q": persian})
    assert by_number.status_code == 303
    assert by_number.headers["location"] == f"/admin/customers/{ada.customer_id}"
    by_id = await client.get("/admin/customers", params={"q": arabic_id})
    assert by_id.headers["location"] == f"/admin/customers/{ada.customer_id}"
    (card,) = _rows((await client.get("/admin/customers", params={"q": "۴۲۴۲"})).text)
    assert "Ada Lovelace" in card and "Card •••• 4242" in card
