"""The portal and the sign-in flow in Persian: every page a subscriber sees is right to left, in
Persian, with no English left over but the merchant's own words (plan and line names) and
codes; the flash messages and the domain's form errors are Persian too."""

from __future__ import annotations

import re

import httpx
import pytest
from bs4 import BeautifulSoup
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, one, parse, text
from tests.support.portal_history import make_subscriber
from tests.web.conftest import serve

pytestmark = pytest.mark.web
PERSIAN = {"Accept-Language": "fa-IR,fa;q=0.9"}
# Latin words a Persian page may show: the merchant's catalog text (plan, add-on and line names
# written by the test data), brands, formats and codes
ALLOWED = {"Team", "PDF", "Visa", "Goodwill", "credit", "day", "downtime", "credited", "USD",
           "Sam", "Subscriber", "sam", "example", "com", "Tessera", "Tax", "seat", "seats",
           "plan", "fee", "Starter", "Scale", "API", "UTC", "CVC", "INV"}  # fmt: skip
# sentences that were English before this page was translated: none may be left
KNOWN_ENGLISH = (
    "Overview", "Your subscriptions", "Next bill", "billed every", "Invoice history",
    "Every invoice we issued", "Download PDF", "Billed to", "Subtotal", "Amount due",
    "Saved cards", "Add a card", "Card number", "Make default", "Cancel your subscription",
    "Why are you leaving", "It is too expensive", "When should it end", "Keep my subscription",
    "Upcoming invoices", "Coming up", "Pay now", "Sign in", "Forgot your password",
    "E-mail me a sign-in link", "Credit notes", "Payments", "Active", "Paid",
)  # fmt: skip


def _main(html: BeautifulSoup, skip: tuple[str, ...] = ()) -> str:
    """The visible text of the page's main region, without the parts ``skip`` selects (text the
    merchant or the domain writes: addresses, invoice line descriptions)."""
    main = one(html, "main")
    for selector in skip:
        for part in main.select(selector):
            part.decompose()
    return text(main)


def _latin_words(visible: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z]{3,}", visible) if w not in ALLOWED}


def _assert_persian(
    page: httpx.Response, *, must: str, skip: tuple[str, ...] = ()
) -> BeautifulSoup:
    assert page.status_code == 200, page.text[:500]
    html = parse(page.text)
    root = one(html, "html")
    assert (root.get("lang"), root.get("dir")) == ("fa", "rtl")
    visible = _main(html, skip)
    assert must in visible, visible[:400]
    left = [s for s in KNOWN_ENGLISH if s in visible]
    assert not left, left
    assert not _latin_words(visible), (_latin_words(visible), visible)
    return html


async def test_the_portal_pages_are_persian(
    app: Litestar, db: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        client.headers.update(PERSIAN)
        who = await make_subscriber(app, clock, email="sam@example.com")
        assert (await sign_in(client, who.email)).status_code == 303
        sub = f"/account/subscriptions/{who.subscription_id}"

        overview = _assert_persian(await client.get("/account"), must="نمای کلی")
        (card,) = by_testid(overview, "subscription")
        assert "صورتحساب هر ماه" in text(by_testid(card, "plan")[0])
        assert re.search(r"[۰-۹]", text(by_testid(card, "next-bill")[0]))  # Persian digits
        assert one(card, "[data-status]").get_text(strip=True) == "فعال"

        invoices = _assert_persian(await client.get("/account/invoices"), must="سابقهٔ صورتحساب‌ها")
        (row,) = by_testid(invoices, "invoice-row")
        assert row.select_one("bdi") is not None  # the invoice number stays left to right
        invoice = await client.get(f"/account/invoices/{who.invoice_ids[0]}")
        _assert_persian(
            invoice,
            must="صورتحساب به نام",
            # the seller's address and the lines' descriptions are the merchant's and the
            # domain's text (docs/localisation.md: pending)
            skip=("address", "[data-testid=invoice-line] td:first-child"),
        )
        _assert_persian(
            await client.get(f"/account/credit-notes/{who.credit_note_id}"),
            must="جمع بستانکاری",
            skip=("[data-testid=credit-note-lines] td:first-child", ".page-subtitle"),
        )
        methods = _assert_persian(
            await client.get("/account/payment-methods"), must="کارت‌های ذخیره‌شده"
        )
        assert one(methods, "#f-card_number").get("dir") == "ltr"
        _assert_persian(
            await client.get(sub),
            must="صورتحساب‌های آینده",
            skip=("[data-testid=upcoming-row] td:nth-child(2) > div:not(.muted)",),
        )
        _assert_persian(await client.get(f"{sub}/cancel"), must="چرا می‌روید؟")
        step2 = _assert_persian(
            await client.get(f"{sub}/cancel?reason=too_expensive"), must="کی پایان یابد؟"
        )

        # a refused form: the domain's message in Persian beside the field
        refused = await client.post(
            f"{sub}/cancel",
            data={"reason": "other", "comment": "", "timing": "period_end",
                  "_csrf_token": csrf_token(str(step2))},
        )  # fmt: skip
        assert refused.status_code == 422
        assert "کمی بیشتر برایمان بگویید." in text(parse(refused.text))

        # the flash after cancelling at the period's end, with its date in Persian
        done = await client.post(
            f"{sub}/cancel",
            data={"reason": "too_expensive", "comment": "", "timing": "period_end",
                  "_csrf_token": csrf_token(str(step2))},
        )  # fmt: skip
        assert done.status_code == 303
        after = parse((await client.get(done.headers["location"])).text)
        flash = text(one(after, "#flash"))
        assert "اشتراک شما در" in flash and "پایان می‌یابد" in flash
        assert not _latin_words(flash), flash


async def test_the_sign_in_pages_are_persian(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    await make_account(app.state.runtime.uow(), clock, email="sam@example.com")
    async with serve(app) as client:
        client.headers.update(PERSIAN)
        login = _assert_persian(await client.get("/auth/login"), must="ورود")
        assert one(login, "#f-email").get("dir") == "ltr"
        wrong = await client.post(
            "/auth/login",
            data={"email": "sam@example.com", "password": "not the password",
                  "next": "/account", "_csrf_token": csrf_token(str(login))},
        )  # fmt: skip
        assert wrong.status_code == 401
        error = text(by_testid(parse(wrong.text), "signin-error")[0])
        assert error == "این ایمیل و گذرواژه با هیچ حسابی مطابقت ندارد."
        _assert_persian(await client.get("/auth/forgot"), must="بازنشانی گذرواژه")
        magic = _assert_persian(await client.get("/auth/magic"), must="ورود با پیوند ایمیلی")
        bad = await client.post(
            "/auth/magic", data={"email": "nope", "_csrf_token": csrf_token(str(magic))}
        )
        assert "یک نشانی ایمیل مانند name@example.com وارد کنید." in text(parse(bad.text))
        invalid = await client.get("/auth/reset/not-a-token")
        assert invalid.status_code == 410
        assert "این پیوند قابل استفاده نیست" in text(parse(invalid.text))


async def test_the_error_pages_are_persian(app: Litestar, catalog: TestDatabase) -> None:
    async with serve(app) as client:
        client.headers.update(PERSIAN)
        missing = await client.get("/no-such-page")
        assert missing.status_code == 404
        html = parse(missing.text)
        assert one(html, "html").get("dir") == "rtl"
        assert "آن صفحه را پیدا نکردیم" in _main(html)
        assert "خطای ۴۰۴" in _main(html)
        # the support reference is a hex request id, which may hold runs of Latin letters
        words = _main(html, skip=(".error-page__reference code",))
        assert not _latin_words(words), _latin_words(words)
