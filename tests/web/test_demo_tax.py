"""A fresh demo database (what ``serve --demo`` and ``seed-demo`` load) shows tax at checkout
for an EU address, and the tax shown on the page, in the summary as the form changes, on the
invoice charged and on that invoice in the buyer's portal is the same amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable, SandboxPaymentTable, TaxRateTable
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.web.conftest import serve
from web.cli import load_demo_data

pytestmark = pytest.mark.web

PATH = "/checkout/team-annual"


def eur(minor: int) -> str:
    return f"€{minor // 100:,}.{minor % 100:02d}"


GERMANY = "?currency=EUR&quantity=3&country=DE&region="


async def test_a_fresh_demo_shows_german_vat_at_checkout_and_charges_it(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    said = await load_demo_data(app.state.runtime.uow, clock)
    assert any("demo tax rates (8" in line for line in said), said
    assert await load_demo_data(app.state.runtime.uow, clock) == [], "loading again adds nothing"
    rates = {(r["country"], r["region"]): r["percentage"] for r in await TaxRateTable.select()}
    assert rates[("DE", None)] == "19" and rates[("US", "WA")] == "6.5"

    async with serve(app) as client:
        page = parse((await client.get(PATH + GERMANY)).text)
        label = text(page.select_one('[data-testid="summary-tax"]').find_previous("dt"))
        assert label == "VAT (19%)"
        subtotal = text(by_testid(page, "summary-subtotal")[0])
        tax = text(by_testid(page, "summary-tax")[0])
        assert tax != "€0.00"
        # the summary the form refreshes (htmx) as the buyer types says the same
        fragment = parse(
            (await client.get(PATH + "/summary" + GERMANY, headers={"HX-Request": "true"})).text
        )
        assert text(by_testid(fragment, "summary-tax")[0]) == tax
        # and no country yet: no tax, with a note
        nowhere = parse((await client.get(PATH + "?currency=EUR&quantity=3")).text)
        assert "once you choose your country" in text(by_testid(nowhere, "summary-tax-note")[0])

        html = parse((await client.get(PATH + GERMANY)).text)
        form = {
            "summary_token": html.select_one('input[name="summary_token"]')["value"],
            "checkout_token": html.select_one('input[name="checkout_token"]')["value"],
            "_csrf_token": csrf_token(str(html)), "currency": "EUR", "quantity": "3",
            "promotion_code": "", "name": "Grete Beispiel", "email": "grete@example.de",
            "password": "analytical engine 1843", "country": "DE", "region": "",
            "address_line1": "Unter den Linden 1", "address_line2": "", "city": "Berlin",
            "postal_code": "10117", "tax_id": "", "card_number": "4242424242424242",
            "exp_month": "12", "exp_year": "34", "cvc": "123",
        }  # fmt: skip
        placed = await client.post(PATH, data=form)
        assert placed.status_code == 303, placed.text
        done = parse((await client.get(placed.headers["location"])).text)
        charged = text(by_testid(done, "done-charged")[0])
        # the buyer, signed in, reads the same tax on the invoice in the portal
        [invoice_id] = [r["id"] for r in await InvoiceTable.select(InvoiceTable.id)]
        portal = parse((await client.get(f"/account/invoices/{invoice_id}")).text)
        totals = {text(d.find("dt")): text(d.find("dd"))
                  for d in by_testid(portal, "invoice-totals")[0].find_all("div")}  # fmt: skip

    [invoice] = await InvoiceTable.select()
    assert invoice["currency"] == "EUR"
    assert eur(invoice["subtotal_minor"]) == subtotal and eur(invoice["tax_minor"]) == tax
    assert invoice["tax_minor"] == round(invoice["subtotal_minor"] * Decimal("0.19"))
    assert invoice["total_minor"] == invoice["subtotal_minor"] + invoice["tax_minor"]
    assert eur(invoice["total_minor"]) == charged
    # the invoice names the tax as checkout did: the rate's name ("VAT"), not the seller's "Tax"
    assert totals["VAT 19%"] == tax, totals
    assert totals["Total"] == charged
    [payment] = await SandboxPaymentTable.select()
    assert payment["amount_minor"] == invoice["total_minor"]
