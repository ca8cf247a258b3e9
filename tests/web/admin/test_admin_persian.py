"""A staff member who chose Persian reads the admin in Persian, right to left: the home page, the
customer search, a customer record and the catalog carry Persian headings, navigation and status
words, numbers in Persian digits, and e-mails and invoice numbers isolated left to right (<bdi>);
no English chrome is left on those pages."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, one, parse, text
from tests.support.portal_history import make_subscriber
from tests.support.staff import make_staff, persian_admin_sign_in

pytestmark = pytest.mark.web

# chrome that must not stay English on a Persian page (whole words, as the pages wrote them)
ENGLISH = ["Overview", "Customers", "Catalog", "Sign out", "Storefront", "Subscriptions",
           "Invoices", "Balance", "Search customers", "Plans", "Subscribers", "Your access",
           "Payment methods", "Timeline", "Notes"]  # fmt: skip


def _rtl(html: str) -> None:
    root = one(parse(html), "html")
    assert (root.get("lang"), root.get("dir")) == ("fa", "rtl")


def _no_english_chrome(html: str) -> None:
    doc = parse(html)
    main = text(one(doc, "main")) + " " + text(one(doc, "header.app-header"))
    left = [w for w in ENGLISH if re.search(rf"\b{re.escape(w)}\b", main)]
    assert not left, left


async def test_the_admin_in_persian_home_customers_record_and_catalog(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await persian_admin_sign_in(app.state.runtime.uow, client, clock, role="billing",
                                name="Nika Staff")  # fmt: skip

    home = await client.get("/admin")
    assert home.status_code == 200
    _rtl(home.text)
    assert "Nika Staff، خوش آمدید" in home.text
    assert "نمای کلی" in home.text and "مشتریان" in home.text and "کاتالوگ" in home.text
    assert "دسترسی شما" in home.text and "خروج از حساب" in home.text
    assert text(one(parse(home.text), ".page-subtitle bdi")) == "olive@example.com"
    assert "مالی" in text(one(parse(home.text), ".page-subtitle"))  # the role, translated
    _no_english_chrome(home.text)

    found = await client.get("/admin/customers?q=lovel")
    _rtl(found.text)
    assert "جست‌وجوی مشتریان" in found.text and "۱ مشتری" in found.text
    (row,) = by_testid(parse(found.text), "customer-row")
    assert "Ada Lovelace" in text(row) and "ada@example.com" in text(row)
    assert "نام" in text(row)  # what matched: the name
    assert "۱ فعال" in text(row)  # its subscriptions: one active
    _no_english_chrome(found.text)

    record = await client.get(f"/admin/customers/{ada.customer_id}")
    assert record.status_code == 200
    _rtl(record.text)
    html = parse(record.text)
    assert "اشتراک‌ها" in record.text and "صورتحساب‌ها" in record.text
    assert "روش‌های پرداخت" in record.text and "یادداشت‌ها" in record.text
    (sub_row,) = by_testid(html, "subscription-row")
    assert "فعال" in text(sub_row)  # the status badge
    assert re.search(r"[۰-۹]", text(one(html, '[data-testid="customer-balance"]')))
    invoice = by_testid(html, "invoice-row")[0]
    assert invoice.find("bdi") is not None  # the invoice number keeps left to right
    assert "<bdi>ada@example.com</bdi>" in record.text
    _no_english_chrome(record.text)

    catalog = await client.get("/admin/catalog")
    _rtl(catalog.text)
    assert "طرح‌ها" in catalog.text and "مشترکان" in catalog.text and "طرح جدید" in catalog.text
    (team,) = [
        r for r in by_testid(parse(catalog.text), "catalog-row") if r.get("data-code") == "team"
    ]
    assert "هر ماه" in text(team)  # billed every month
    assert text(one(team, '[data-testid="plan-subscribers"]')).startswith("۱")
    _no_english_chrome(catalog.text)

    plan = await client.get("/admin/catalog/plans/team")
    _rtl(plan.text)
    assert "نسخهٔ ۱" in plan.text and "انتشار نسخهٔ جدید" in plan.text


async def test_a_refused_sign_in_reads_in_persian(app: Litestar, clock: FrozenClock) -> None:
    from tests.web.conftest import serve

    member = await make_staff(app.state.runtime.uow, clock, role="support")
    async with serve(app) as client:
        page = await client.get("/admin/login", headers={"Accept-Language": "fa-IR"})
        _rtl(page.text)
        assert "ورود به بخش مدیریت" in page.text and "ایمیل کاری" in page.text
        # not signed in yet: the visitor's switch, which keeps the choice in the cookie
        switch = one(parse(page.text), '[data-testid="language-switch"]')
        assert switch.get("action") == "/display"
        refused = await client.post(
            "/admin/login",
            headers={"Accept-Language": "fa-IR"},
            data={
                "email": member.email,
                "password": "not the password",
                "_csrf_token": csrf_token(page.text),
            },
        )
        assert refused.status_code == 401
        error = text(one(parse(refused.text), '[data-testid="admin-error"]'))
        assert error == "این ایمیل و گذرواژه با هیچ حساب کارمندی مطابقت ندارد."
