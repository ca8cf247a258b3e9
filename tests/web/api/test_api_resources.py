"""/api/v1 resources end to end: customers created, updated, listed a page at a time (every
customer once, in order, across pages) and read; a subscription created, its change quoted and
confirmed with the charge equal to the quote, a stale confirmation refused; cancel, uncancel,
pause, resume; invoices listed, read and their PDF; money as minor units plus the decimal,
instants in RFC 3339 UTC; errors are problem details."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CreditNoteDocumentTable, InvoiceDocumentTable
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.portal_history import drain_jobs
from tests.web.api.support import CUSTOMER, bearer, make_key

pytestmark = pytest.mark.web
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


async def test_customers_pages_and_updates(app: Litestar, client: httpx.AsyncClient) -> None:
    auth = bearer(await make_key(app))
    made = []
    for n in range(7):
        answer = await client.post("/api/v1/customers", headers=auth,
                                   json=CUSTOMER | {"email": f"c{n}@example.com"})  # fmt: skip
        assert answer.status_code == 201
        made.append(answer.json())
    assert made[0]["balance"] == {"amount_minor": 0, "currency": "USD", "amount": "0.00"}
    assert RFC3339.match(made[0]["created_at"])
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"starting_after": cursor} if cursor else {})
        page = (await client.get("/api/v1/customers", params=params, headers=auth)).json()
        pages += 1
        seen += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        assert page["has_more"] == (cursor is not None)
        if cursor is None:
            break
    assert pages == 3 and seen == sorted(c["id"] for c in made)
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": "x"}):
        refused = await client.get("/api/v1/customers", params=bad, headers=auth)
        assert refused.status_code == 400, bad
        assert refused.headers["content-type"] == "application/problem+json"
    one = made[0]["id"]
    updated = await client.post(f"/api/v1/customers/{one}", headers=auth, json={
        "name": "Ada Byron", "country": "FR", "address_lines": ["1 rue de Rivoli"]})  # fmt: skip
    assert updated.status_code == 200 and updated.json()["country"] == "FR"
    got = (await client.get(f"/api/v1/customers/{one}", headers=auth)).json()
    assert got["name"] == "Ada Byron" and got["address_lines"] == ["1 rue de Rivoli"]
    missing = await client.get("/api/v1/customers/nope", headers=auth)
    assert missing.status_code == 404 and missing.json()["code"] == "customer.not_found"
    invalid = await client.post("/api/v1/customers", headers=auth,
                                json=CUSTOMER | {"email": "not-an-address"})  # fmt: skip
    assert invalid.status_code == 422 and "email" in invalid.json()["errors"]
    nul = await client.post("/api/v1/customers", headers=auth, json=CUSTOMER | {"name": "a\x00"})
    assert nul.status_code == 400


async def test_a_subscription_change_is_quoted_then_charged_exactly(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    auth = bearer(await make_key(app))
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    made = await client.post("/api/v1/subscriptions", headers=auth | {"Idempotency-Key": "s1"},
                             json={"customer_id": customer["id"], "plan_code": "starter-monthly",
                                   "trial_days": 0})  # fmt: skip
    assert made.status_code == 201, made.text
    sub = made.json()["subscription"]
    first = made.json()["invoices"][0]
    assert sub["status"] == "active" and RFC3339.match(sub["current_period_end"])
    assert first["detail"]["total"]["amount_minor"] > 0
    listed = (await client.get("/api/v1/subscriptions", params={"customer": customer["id"]},
                               headers=auth)).json()  # fmt: skip
    assert [s["id"] for s in listed["data"]] == [sub["id"]]
    assert (await client.get(f"/api/v1/subscriptions/{sub['id']}", headers=auth)).json() == sub

    clock.advance(days=10)
    quoted = await client.post(f"/api/v1/subscriptions/{sub['id']}/quote", headers=auth,
                               json={"plan_code": "team-monthly", "quantity": 5, "timing": "immediate",
                                     "proration": "invoice_now"})  # fmt: skip
    assert quoted.status_code == 200, quoted.text
    quote = quoted.json()
    due = quote["invoice"]["amount_due"]
    assert due["amount_minor"] > 0 and due["currency"] == "USD"
    # a quote for another subscription, or altered, is refused
    forged = await client.post(f"/api/v1/subscriptions/{sub['id']}/confirm", headers=auth,
                               json={"quote": quote["quote"][:-2] + "00"})  # fmt: skip
    assert forged.status_code == 422
    clock.advance(minutes=5)
    confirmed = await client.post(f"/api/v1/subscriptions/{sub['id']}/confirm", headers=auth,
                                  json={"quote": quote["quote"]})  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    charged = confirmed.json()["invoices"]
    assert len(charged) == 1 and charged[0]["detail"]["amount_due"] == due
    assert charged[0]["detail"]["lines"] == quote["invoice"]["lines"]
    again = await client.post(f"/api/v1/subscriptions/{sub['id']}/confirm", headers=auth,
                              json={"quote": quote["quote"]})  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "billing.quote_stale"

    # cancel at the period's end, uncancel, pause, resume
    ended = await client.post(f"/api/v1/subscriptions/{sub['id']}/cancel", headers=auth, json={})
    assert ended.json()["subscription"]["cancel_at_period_end"] is True
    kept = await client.post(f"/api/v1/subscriptions/{sub['id']}/uncancel", headers=auth)
    assert kept.status_code == 200 and kept.json()["subscription"]["cancel_at_period_end"] is False
    paused = await client.post(f"/api/v1/subscriptions/{sub['id']}/pause", headers=auth, json={})
    assert paused.status_code == 200 and paused.json()["subscription"]["status"] == "paused"
    resumed = await client.post(f"/api/v1/subscriptions/{sub['id']}/resume", headers=auth)
    assert resumed.status_code == 200 and resumed.json()["subscription"]["status"] == "active"
    twice = await client.post(f"/api/v1/subscriptions/{sub['id']}/resume", headers=auth)
    assert twice.status_code == 409 and twice.headers["content-type"] == "application/problem+json"

    # invoices: newest first, one in full, its PDF (rendered on the first download)
    invoices = (await client.get("/api/v1/invoices", params={"customer": customer["id"]},
                                 headers=auth)).json()  # fmt: skip
    ids = [i["id"] for i in invoices["data"]]
    assert ids[0] == charged[0]["id"] and ids[-1] == first["id"]
    full = (await client.get(f"/api/v1/invoices/{first['id']}", headers=auth)).json()
    assert full == first | {"status": full["status"]}
    await drain_jobs(app)
    await InvoiceDocumentTable.delete(force=True)  # none stored: the download renders it
    pdf = await client.get(f"/api/v1/invoices/{first['id']}/pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert await InvoiceDocumentTable.count() == 1
    gone = await client.get("/api/v1/invoices/nope/pdf", headers=auth)
    assert gone.status_code == 404


async def test_a_saved_card_pays_a_subscription_made_through_the_api(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase
) -> None:
    auth = bearer(await make_key(app))
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    gateway = app.state.runtime.gateway
    token = await gateway.tokenize_card(number="4242424242424242", exp_month=12, exp_year=2030,
                                        cvc="123")  # fmt: skip
    path = f"/api/v1/customers/{customer['id']}/payment-methods"
    saved = await client.post(path, json={"token": token}, headers=auth)
    assert saved.status_code == 201, saved.text
    card = saved.json()
    assert card["last4"] == "4242" and card["is_default"] is True and "token" not in card
    assert (await client.get(path, headers=auth)).json()["data"] == [card]
    spent = await client.post(path, json={"token": token}, headers=auth)  # a token is used once
    assert spent.status_code == 422 and spent.json()["code"] == "payments.token_invalid"
    made = await client.post("/api/v1/subscriptions", headers=auth, json={
        "customer_id": customer["id"], "plan_code": "starter-monthly", "trial_days": 0})  # fmt: skip
    invoice = made.json()["invoices"][0]
    await drain_jobs(app)  # the collection job charges the default card
    paid = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=auth)).json()
    assert paid["status"] == "paid"
    missing = await client.post("/api/v1/customers/nope/payment-methods", json={"token": "x"},
                                headers=auth)  # fmt: skip
    assert missing.status_code == 404


async def test_cancelling_now_with_credit_issues_a_credit_note_the_api_shows(
    app: Litestar, client: httpx.AsyncClient, catalog: TestDatabase, clock: FrozenClock
) -> None:
    auth = bearer(await make_key(app))
    customer = (await client.post("/api/v1/customers", json=CUSTOMER, headers=auth)).json()
    made = await client.post("/api/v1/subscriptions", headers=auth, json={
        "customer_id": customer["id"], "plan_code": "starter-monthly", "trial_days": 0})  # fmt: skip
    sub = made.json()["subscription"]
    clock.advance(days=10)
    ended = await client.post(f"/api/v1/subscriptions/{sub['id']}/cancel", headers=auth,
                              json={"at": "now", "refund": "prorated_credit"})  # fmt: skip
    assert ended.status_code == 200 and ended.json()["subscription"]["status"] == "canceled"
    notes = (await client.get("/api/v1/credit-notes", params={"customer": customer["id"]},
                              headers=auth)).json()  # fmt: skip
    assert len(notes["data"]) == 1 and notes["has_more"] is False
    note = notes["data"][0]
    assert note["credited"]["amount_minor"] > 0 and note["refunded"]["amount_minor"] == 0
    assert note["invoice_id"] == made.json()["invoices"][0]["id"]
    assert (await client.get(f"/api/v1/credit-notes/{note['id']}", headers=auth)).json() == note
    customer_now = (await client.get(f"/api/v1/customers/{customer['id']}", headers=auth)).json()
    assert customer_now["balance"]["amount_minor"] == -note["credited"]["amount_minor"]
    await drain_jobs(app)
    await CreditNoteDocumentTable.delete(force=True)  # none stored: the download renders it
    pdf = await client.get(f"/api/v1/credit-notes/{note['id']}/pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert await CreditNoteDocumentTable.count() == 1
    assert (await client.get("/api/v1/credit-notes/nope", headers=auth)).status_code == 404
