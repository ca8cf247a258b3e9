"""/admin/catalog through the real forms: a billing member creates a plan in two currencies,
which the pricing page lists and checkout sells; bad input comes back with messages and writes
nothing; "Add ..." buttons add rows without JavaScript; a new version is previewed, then
published, and the subscriber of the old one keeps its price; the display details edit in place.
Every change is audited."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import PlanTable, SubscriptionTable
from domain.shared.clock import FrozenClock
from tests.support.audit import audit_actions
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

NEW_PLAN = {
    "code": "pro-monthly",
    "name": "Pro",
    "description": "For serious teams.",
    "interval_unit": "month",
    "interval_count": "1",
    "kind": "base",
    "trial_days": "0",
    "features": "Unlimited projects\nPhone support\n",
    "sort_order": "40",
    "family": "",
    "is_public": "on",
    "price-0-currency": "USD",
    "price-0-setup_fee": "",
    "price-0-charge-0-model": "flat",
    "price-0-charge-0-amount": "49.00",
    "price-1-currency": "eur",
    "price-1-setup_fee": "10",
    "price-1-charge-0-model": "flat",
    "price-1-charge-0-amount": "45",
}


async def _billing(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock) -> str:
    member = await make_staff(app.state.runtime.uow, clock, role="billing",
                              email="bill@example.com", name="Bill Billing")  # fmt: skip
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin/catalog/plans/new")).text)


async def _actions() -> list[str]:
    return await audit_actions("plan.")


async def test_a_plan_created_in_two_currencies_is_on_the_pricing_page_and_sold_at_checkout(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _billing(app, client, clock)
        made = await client.post("/admin/catalog/plans", data={**NEW_PLAN, "_csrf_token": token})
        assert made.status_code == 303, made.text
        assert made.headers["location"] == "/admin/catalog/plans/pro-monthly"
        page = parse((await client.get(made.headers["location"])).text)
        assert text(by_testid(page, "price-USD")[0]).startswith("USD")
        assert "$49.00" in text(by_testid(page, "price-USD")[0])
        assert "€10.00" in text(by_testid(page, "price-EUR")[0])  # the setup fee
        listing = parse((await client.get("/admin/catalog")).text)
        codes = [row["data-code"] for row in by_testid(listing, "catalog-row")]
        assert codes == ["pro-monthly"]
        assert await _actions() == ["plan.created"]

    async with serve(app) as buyer:
        pricing = await buyer.get("/pricing?currency=EUR")
        assert (
            pricing.status_code == 200 and "Pro" in pricing.text and "Phone support" in pricing.text
        )
        checkout = await buyer.get("/checkout/pro-monthly?currency=EUR&country=DE")
        assert checkout.status_code == 200
        doc = parse(checkout.text)
        assert text(by_testid(doc, "summary-total")[0]) == "€55.00"  # 45.00 + the 10.00 setup fee
        shown = doc.select_one('input[name="summary_token"]')
        session = doc.select_one('input[name="checkout_token"]')
        assert shown is not None and session is not None
        placed = await buyer.post(
            "/checkout/pro-monthly",
            data={
                "summary_token": str(shown["value"]), "_csrf_token": csrf_token(checkout.text),
                "checkout_token": str(session["value"]), "currency": "EUR", "quantity": "1",
                "promotion_code": "", "name": "Ada Lovelace", "email": "ada@example.com",
                "password": "analytical engine 1843", "country": "DE", "region": "",
                "address_line1": "Unter den Linden 1", "address_line2": "", "city": "Berlin",
                "postal_code": "10117", "tax_id": "", "card_number": "4242424242424242",
                "exp_month": "12", "exp_year": "34", "cvc": "123",
            },
        )  # fmt: skip
        assert placed.status_code == 303, placed.text
    rows = await SubscriptionTable.select(SubscriptionTable.plan, SubscriptionTable.currency)
    plan_ids = [r["id"] for r in await PlanTable.select(PlanTable.id)]
    assert [(r["plan"], r["currency"]) for r in rows] == [(plan_ids[0], "EUR")]


async def test_bad_input_is_shown_beside_each_field_and_nothing_is_written(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _billing(app, client, clock)
        bad = {**NEW_PLAN, "_csrf_token": token, "code": "Pro Monthly!", "name": "",
               "price-0-charge-0-amount": "49.001", "price-1-currency": "XXX",
               "trial_days": "-1", "interval_unit": "week"}  # fmt: skip
        answer = await client.post("/admin/catalog/plans", data=bad)
        assert answer.status_code == 422
        doc = parse(answer.text)
        for name in ("code", "name", "price-0-charge-0-amount", "price-1-currency", "trial_days",
                     "interval_unit"):  # fmt: skip
            field = doc.select_one(f"#f-{name}")
            assert field is not None and field.get("aria-invalid") == "true", name
        assert "at most 2 decimal places for USD" in answer.text
        assert doc.select_one("#f-price-0-charge-0-amount") is not None
        assert int(await PlanTable.count()) == 0
        # a tiered charge whose bounds do not increase, and a JPY amount with decimals
        tiers = {**NEW_PLAN, "_csrf_token": token, "price-0-charge-0-model": "graduated",
                 "price-0-charge-0-tier-0-up_to": "100", "price-0-charge-0-tier-0-unit_price": "0",
                 "price-0-charge-0-tier-1-up_to": "50", "price-0-charge-0-tier-1-unit_price": "0.002",
                 "price-0-charge-0-tier-2-unit_price": "0.001",
                 "price-1-currency": "JPY", "price-1-charge-0-amount": "4500.5"}  # fmt: skip
        answer = await client.post("/admin/catalog/plans", data=tiers)
        assert answer.status_code == 422
        assert "Each tier must end above the one before." in answer.text
        assert "JPY has no decimal places" in answer.text
        assert int(await PlanTable.count()) == 0
        assert await _actions() == []


async def test_add_buttons_add_rows_and_save_nothing(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _billing(app, client, clock)
        form = parse((await client.get("/admin/catalog/plans/new")).text)
        assert len(by_testid(form, "currency-block")) == 2
        more = await client.post("/admin/catalog/plans",
                                 data={**NEW_PLAN, "_csrf_token": token, "add": "price"})  # fmt: skip
        assert more.status_code == 200
        doc = parse(more.text)
        assert len(by_testid(doc, "currency-block")) == 3
        assert doc.select_one("#f-price-1-charge-0-amount")["value"] == "45"  # kept as typed
        charge = await client.post("/admin/catalog/plans",
                                   data={**NEW_PLAN, "_csrf_token": token, "add": "price-0"})  # fmt: skip
        assert doc.select_one("#f-price-0-charge-1-model") is None
        assert parse(charge.text).select_one("#f-price-0-charge-1-model") is not None
        tier = await client.post("/admin/catalog/plans",
                                 data={**NEW_PLAN, "_csrf_token": token, "add": "price-0-charge-0"})  # fmt: skip
        assert parse(tier.text).select_one("#f-price-0-charge-0-tier-3-up_to") is not None
        assert int(await PlanTable.count()) == 0


async def test_a_new_version_is_reviewed_then_published_and_details_edit_in_place(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _billing(app, client, clock)
        await client.post("/admin/catalog/plans", data={**NEW_PLAN, "_csrf_token": token})
        form = await client.get("/admin/catalog/plans/pro-monthly/versions/new")
        assert form.status_code == 200
        doc = parse(form.text)
        # prefilled from version 1 (currencies in code order)
        assert doc.select_one("#f-price-0-currency")["value"] == "EUR"
        assert doc.select_one("#f-price-0-setup_fee")["value"] == "10.00"
        assert doc.select_one("#f-price-1-charge-0-amount")["value"] == "49.00"
        values = {
            str(i["name"]): str(i.get("value", ""))
            for i in doc.select("form[data-testid=version-form] input")
        }
        values.update(
            {f"{s['name']}": "" for s in doc.select("form[data-testid=version-form] select")}
        )
        for s in doc.select("form[data-testid=version-form] select"):
            chosen = s.select_one("option[selected]")
            values[str(s["name"])] = str(chosen["value"]) if chosen else ""
        values["price-1-charge-0-amount"] = "59"
        values["_csrf_token"] = token

        review = await client.post("/admin/catalog/plans/pro-monthly/versions", data=values)
        assert review.status_code == 200
        preview = parse(review.text)
        assert by_testid(preview, "change-USD")[0]["data-change"] == "changed"
        assert by_testid(preview, "change-EUR")[0]["data-change"] == "unchanged"
        assert "$59.00" in text(by_testid(preview, "change-USD")[0])
        assert int(await PlanTable.count()) == 1  # the review writes nothing
        hidden = {
            str(i["name"]): str(i.get("value", ""))
            for i in preview.select("form.catalog-confirm input[type=hidden]")
        }
        published = await client.post("/admin/catalog/plans/pro-monthly/versions",
                                       data={**hidden, "confirm": "yes"})  # fmt: skip
        assert published.status_code == 303, published.text
        page = parse((await client.get("/admin/catalog/plans/pro-monthly")).text)
        assert [v["data-version"] for v in by_testid(page, "version")] == ["2", "1"]
        assert "$59.00" in text(by_testid(page, "version")[0])
        assert "$49.00" in text(by_testid(page, "version")[1])

        details = {"_csrf_token": token, "name": "Pro Plus", "description": "", "features": "A",
                   "sort_order": "3", "family": "", "is_public": "on"}  # fmt: skip
        saved = await client.post("/admin/catalog/plans/pro-monthly/details", data=details)
        assert saved.status_code == 303
        bad = await client.post("/admin/catalog/plans/pro-monthly/details",
                                data={**details, "name": "", "sort_order": "many"})  # fmt: skip
        assert bad.status_code == 422 and "Enter the plan" in bad.text
        names = {r["name"] for r in await PlanTable.select(PlanTable.name)}
        assert names == {"Pro Plus"}  # every version, in place
        assert await _actions() == ["plan.created", "plan.version_published", "plan.updated"]


async def test_a_viewer_reads_the_catalog_but_gets_no_forms(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _billing(app, client, clock)
        await client.post("/admin/catalog/plans", data={**NEW_PLAN, "_csrf_token": token})
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="v@example.com")
    async with serve(app) as client:
        assert (await admin_sign_in(client, viewer, clock)).status_code == 303
        listing = parse((await client.get("/admin/catalog")).text)
        assert by_testid(listing, "catalog-row") and not by_testid(listing, "new-plan")
        page = parse((await client.get("/admin/catalog/plans/pro-monthly")).text)
        assert not by_testid(page, "details-form") and not by_testid(page, "new-version")
        assert (await client.get("/admin/catalog/plans/new")).status_code == 403
        assert (await client.get("/admin/catalog/plans/nope-nope")).status_code == 404
