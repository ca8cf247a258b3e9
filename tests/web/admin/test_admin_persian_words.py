"""The texts the domain composes, read by a staff member who chose Persian: the customer
timeline's entries, the search hits' "Matched" labels, the webhook event catalogue and country
names (web/admin/timeline_words.py, search_words.py, event_words.py,
domain/adapters/country_names.py); an English staff member reads the domain's own words."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, one, parse, text
from tests.support.portal_history import fail_next_renewal, make_subscriber
from tests.support.staff import admin_sign_in, make_staff, persian_admin_sign_in
from tests.web.admin.test_admin_persian import _rtl

pytestmark = pytest.mark.web

# the timeline's English wording: none of it may be left on the Persian page
ENGLISH_TIMELINE = ["Customer created", "Subscribed to", "Invoice", "issued", "paid", "Payment",
                    "declined", "Credit note", "Card", "added", "entered dunning", "E-mail",
                    "queued", "sent"]  # fmt: skip


def _outside_isolates(html: str) -> str:
    return re.sub(r"<bdi[^>]*>.*?</bdi>", "", html, flags=re.S)


async def test_a_persian_staff_member_reads_the_timeline_and_the_search_hits(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    renewal = await fail_next_renewal(app, clock, ada)
    await persian_admin_sign_in(app.state.runtime.uow, client, clock, role="billing",
                                name="Nika Staff")  # fmt: skip

    record = await client.get(f"/admin/customers/{ada.customer_id}")
    assert record.status_code == 200
    _rtl(record.text)
    events = by_testid(parse(record.text), "timeline-event")
    sentences = [one(e, ".customer-timeline__text") for e in events]
    said = [text(s) for s in sentences]
    assert said, record.text
    for sentence in sentences:
        words = _outside_isolates(sentence.decode_contents())
        left = [w for w in ENGLISH_TIMELINE if re.search(rf"\b{w}\b", words)]
        assert not left, (left, text(sentence))
    assert "مشتری ساخته شد" in said
    assert any(s.startswith("مشترک Team شد") for s in said), said
    # the renewal's declined try: its number in Persian digits, invoice and code left to right
    (declined,) = [s for s in sentences if "رد شد" in text(s)]
    assert text(declined).startswith("پرداخت ۱ صورتحساب ")
    try_number, number, code = (b.get_text() for b in declined.find_all("bdi"))
    assert (try_number, code) == ("۱", "card_declined") and number.startswith("INV-")
    assert any(s.startswith(f"صورتحساب {number} وارد پیگیری مطالبات شد") for s in said), said
    assert any(s.startswith("کارت visa •••• 4242 افزوده شد") for s in said), said
    assert any(s.startswith("اعلامیهٔ بستانکاری CN-T-") and "صادر شد" in s for s in said), said
    assert renewal  # the invoice the dunning entry names

    # the search: by the invoice number (typing: the row says what matched) and by a card
    typing = {"HX-Request": "true", "HX-Trigger": "q"}
    found = await client.get(f"/admin/customers?q={number}", headers=typing)
    (row,) = by_testid(parse(found.text), "customer-row")
    assert f'صورتحساب <bdi dir="ltr">{number}</bdi>' in str(row)
    by_card = await client.get("/admin/customers?q=۴۲۴۲")
    _rtl(by_card.text)
    (row,) = by_testid(parse(by_card.text), "customer-row")
    assert 'کارت •••• <bdi dir="ltr">4242</bdi> (<bdi dir="ltr">visa</bdi>)' in str(row)
    assert "Card" not in text(row)


async def test_the_same_pages_in_english_keep_the_domains_words(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    member = await make_staff(app.state.runtime.uow, clock, role="billing")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    record = await client.get(f"/admin/customers/{ada.customer_id}")
    said = [text(e) for e in by_testid(parse(record.text), "timeline-event")]
    assert any(s.startswith("Customer created") for s in said), said
    assert any(s.startswith("Card visa •••• 4242 added") for s in said), said
    by_card = await client.get("/admin/customers?q=4242")
    (row,) = by_testid(parse(by_card.text), "customer-row")
    assert "Card •••• 4242 (visa)" in text(row)


async def test_event_descriptions_and_countries_in_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await make_staff(app.state.runtime.uow, clock, role="owner", email="o@example.com")
    assert (await admin_sign_in(client, owner, clock)).status_code == 303
    page = await client.get("/admin")
    from tests.support.html import csrf_token

    switched = await client.post("/admin/display", data={
        "language": "fa", "next": "/admin", "_csrf_token": csrf_token(page.text)})  # fmt: skip
    assert switched.status_code == 303

    endpoints = await client.get("/admin/webhook-endpoints")
    assert endpoints.status_code == 200
    assert "یک صورتحساب پرداخت شد (کارت، اعتبار، پرداخت آفلاین)." in endpoints.text
    assert "An invoice was paid" not in endpoints.text

    rates = parse((await client.get("/admin/tax-rates")).text)
    options = [(o["value"], text(o)) for o in rates.select("select#f-country option") if o["value"]]
    assert ("DE", "آلمان") in options and ("US", "ایالات متحده") in options
    names = [name for _, name in options]
    assert names.index("برزیل") < names.index("پاکستان") < names.index("ترکیه")
