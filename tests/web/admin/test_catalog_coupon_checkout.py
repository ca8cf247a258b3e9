"""Issue 15's first journey across the admin and the storefront: a billing user creates a plan
priced in two currencies, a coupon for that plan and a promotion code for the coupon; a buyer
checks out in euros with the code and pays the discounted total the summary showed; the code's
and the coupon's redemption counts move on the admin pages."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import InvoiceTable, PromotionCodeTable
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.web.admin.test_catalog_pages import NEW_PLAN, _billing
from tests.web.admin.test_coupon_pages import _codes, _post
from tests.web.conftest import serve

pytestmark = pytest.mark.web

BUYER = {
    "currency": "EUR", "quantity": "1", "name": "Ada Lovelace", "email": "ada@example.com",
    "password": "analytical engine 1843", "country": "DE", "region": "",
    "address_line1": "Unter den Linden 1", "address_line2": "", "city": "Berlin",
    "postal_code": "10117", "tax_id": "", "card_number": "4242424242424242", "exp_month": "12",
    "exp_year": "34", "cvc": "123",
}  # fmt: skip


async def test_a_plan_made_in_the_admin_is_sold_with_its_own_promotion_code(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as staff:
        token = await _billing(app, staff, clock)
        made = await staff.post("/admin/catalog/plans", data={**NEW_PLAN, "_csrf_token": token})
        assert made.status_code == 303, made.text

        # the new plan is offered on the coupon form, and the coupon is limited to it
        form = parse((await staff.get("/admin/coupons")).text)
        assert form.select_one('input[name="plans"][value="pro-monthly"]') is not None
        coupon = await _post(staff, "/admin/coupons", "/admin/coupons", name="Pro launch",
                             kind="percent", percent_off="20", duration="forever",
                             plans=["pro-monthly"])  # fmt: skip
        assert coupon.status_code == 303, coupon.text
        page = coupon.headers["location"]
        code = await _post(staff, page, page + "/codes", code="PRO20", max_redemptions="100")
        assert code.status_code == 303, code.text
        assert _codes(parse((await staff.get(page)).text)) == {"PRO20": "0 / 100"}

        async with _client(app) as buyer:
            checkout = await buyer.get(
                "/checkout/pro-monthly?currency=EUR&country=DE&promotion_code=pro20"
            )
            assert checkout.status_code == 200
            doc = parse(checkout.text)
            shown_total = text(by_testid(doc, "summary-total")[0])
            summary = doc.select_one('input[name="summary_token"]')
            session = doc.select_one('input[name="checkout_token"]')
            assert summary is not None and session is not None
            placed = await buyer.post(
                "/checkout/pro-monthly",
                data={
                    **BUYER, "promotion_code": "pro20", "_csrf_token": csrf_token(checkout.text),
                    "summary_token": str(summary["value"]),
                    "checkout_token": str(session["value"]),
                },
            )  # fmt: skip
            assert placed.status_code == 303, placed.text
            done = parse((await buyer.get(placed.headers["location"])).text)
            charged = text(by_testid(done, "done-charged")[0])

        # €45.00 and the €10.00 setup fee, 20% off the whole first invoice (no tax rate here)
        (invoice,) = await InvoiceTable.select()
        assert (invoice["currency"], invoice["subtotal_minor"], invoice["discount_minor"]) == (
            "EUR", 5500, 1100,
        )  # fmt: skip
        assert invoice["amount_due_minor"] == 4400 and charged == "€44.00"
        assert charged == shown_total  # what the buyer was shown is what was charged
        assert _codes(parse((await staff.get(page)).text)) == {"PRO20": "1 / 100"}
        listed = parse((await staff.get("/admin/coupons")).text)
        assert text(by_testid(listed, "coupon-redeemed")[0]) == "1"
    (row,) = await PromotionCodeTable.select().where(PromotionCodeTable.code == "PRO20")
    assert row["times_redeemed"] == 1


def _client(app: Litestar) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
    )
