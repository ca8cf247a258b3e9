"""/admin/coupons: a billing user creates a coupon and a promotion code for a plan, a buyer
checks out with the code, and the redemption count moves on the admin pages; bad input is
shown beside its field and writes nothing; a viewer reads but cannot change."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CouponTable, PromotionCodeTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.catalog.service import load_demo_catalog
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.test_checkout import _open, _order

pytestmark = pytest.mark.web


def _buyer(app: Litestar) -> httpx.AsyncClient:
    """A second browser while the admin's client keeps the app running."""
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


def _codes(html: Any) -> dict[str, str]:
    """Each promotion code on a coupon's page and its redemptions ("1 / 1")."""
    return {
        text(by_testid(r, "code-code")[0]): text(by_testid(r, "code-redeemed")[0])
        for r in by_testid(html, "code-row")
    }


async def _post(client: httpx.AsyncClient, page: str, path: str, **data: object) -> httpx.Response:
    token = csrf_token((await client.get(page)).text)
    return await client.post(path, data={"_csrf_token": token, **data})


async def test_a_coupon_and_its_code_are_created_redeemed_and_counted(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, db: TestDatabase
) -> None:
    await load_demo_catalog(uow=app.state.runtime.uow())
    billing = await make_staff(app.state.runtime.uow, clock, role="billing", email="bo@example.com")
    await admin_sign_in(client, billing, clock)

    listing = await client.get("/admin/coupons")
    assert listing.status_code == 200 and by_testid(parse(listing.text), "new-coupon-form")
    bad = await _post(client, "/admin/coupons", "/admin/coupons", name="", kind="percent",
                      percent_off="120", duration="repeating", plans=["nope"],
                      redeem_by="2020-01-01", max_redemptions="-3")  # fmt: skip
    assert bad.status_code == 422
    html = parse(bad.text)
    for name in ("name", "percent_off", "duration_in_months", "redeem_by", "max_redemptions"):
        assert html.select_one(f"#f-{name}-error") is not None, name
    assert "Choose plans from the catalog." in bad.text
    assert await CouponTable.count() == 0

    created = await _post(client, "/admin/coupons", "/admin/coupons", name="Launch 25",
                          kind="percent", percent_off="25", duration="once",
                          plans=["team-annual"])  # fmt: skip
    assert created.status_code == 303, created.text
    page_path = created.headers["location"]
    coupon = parse((await client.get(page_path)).text)
    assert "25% off, once" in text(coupon.select_one(".page-subtitle"))  # type: ignore[arg-type]

    refused = await _post(client, page_path, page_path + "/codes", code="no way!")
    assert refused.status_code == 422 and "letters A-Z and digits" in refused.text
    made = await _post(client, page_path, page_path + "/codes", code="launch25",
                       max_redemptions="1", **{"minimum-USD": "100.00"})  # fmt: skip
    assert made.status_code == 303, made.text
    taken = await _post(client, page_path, page_path + "/codes", code="LAUNCH25")
    assert taken.status_code == 422 and "The code LAUNCH25 is taken" in taken.text
    generated = await _post(client, page_path, page_path + "/codes")
    assert generated.status_code == 303
    shown = await client.get(page_path)
    assert "orders of $100.00 or more" in shown.text
    codes = _codes(parse(shown.text))
    assert sorted(codes.values()) == ["0", "0 / 1"] and codes["LAUNCH25"] == "0 / 1"
    assert all(len(c) == 8 and c.isalnum() and c.isupper() for c in codes if c != "LAUNCH25")

    async with _buyer(app) as buyer:
        _, csrf, token = await _open(
            buyer, query="?currency=USD&quantity=5&promotion_code=launch25"
        )
        placed = await buyer.post(
            "/checkout/team-annual", data=_order(csrf, token, promotion_code="launch25")
        )
        assert placed.status_code == 303, placed.text
        done = parse((await buyer.get(placed.headers["location"])).text)
        # 5 seats x $120.00 = $600.00, 25% off once
        assert text(by_testid(done, "done-charged")[0]) == "$450.00"
    async with _buyer(app) as late:
        again = await late.get(
            "/checkout/team-annual?currency=USD&quantity=5&promotion_code=LAUNCH25"
        )
        assert "The code LAUNCH25 has been used up." in again.text

    after = parse((await client.get(page_path)).text)
    assert text(by_testid(after, "coupon-times-redeemed")[0]).startswith("1")
    assert _codes(after)["LAUNCH25"] == "1 / 1"
    listed = parse((await client.get("/admin/coupons")).text)
    assert text(by_testid(listed, "coupon-redeemed")[0]) == "1"

    (row,) = await PromotionCodeTable.select().where(PromotionCodeTable.code == "LAUNCH25")
    off = await _post(client, page_path, f"{page_path}/codes/{row['id']}/deactivate")
    assert off.status_code == 303
    rows = by_testid(parse((await client.get(page_path)).text), "code-row")
    assert ["Inactive" in text(r) for r in rows] == ["LAUNCH25" in text(r) for r in rows]
    actions = [r["action"] for r in await AuditEntryTable.select(AuditEntryTable.action)]
    assert actions.count("coupon.created") == 1
    assert actions.count("promotion_code.created") == 2
    assert actions.count("promotion_code.deactivated") == 1


async def test_a_viewer_reads_coupons_but_cannot_change_them(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, db: TestDatabase
) -> None:
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@example.com")
    await admin_sign_in(client, viewer, clock)
    page = await client.get("/admin/coupons")
    assert page.status_code == 200 and not by_testid(parse(page.text), "new-coupon-form")
    token = csrf_token(page.text)
    denied = await client.post("/admin/coupons", data={"_csrf_token": token, "name": "X"})
    assert denied.status_code == 403
    assert (await client.get("/admin/coupons/nope")).status_code == 404
    assert await CouponTable.count() == 0
