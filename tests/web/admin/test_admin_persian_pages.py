"""The staff admin in Persian (issue 19, part B): an owner saves Persian as their display
(``POST /admin/display``) and reads the analytics overview, the job queue, the webhook endpoints
and the API keys right to left in Persian: headings, tables, the charts' labels (mirrored: time
runs from right to left), numbers in Persian digits; the CSV export stays English (a data
file); a flash message after a form is Persian too."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest
from litestar import Litestar

from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind
from domain.analytics.refresh import refresh_analytics
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.shared.periods import utc
from tests.support.html import by_testid, csrf_token, one, parse, text
from tests.support.staff import persian_admin_sign_in

pytestmark = pytest.mark.web

PERSIAN_DIGIT = re.compile("[۰-۹]")
LATIN_LETTERS = re.compile("[A-Za-z]{4,}")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 6, 30, 12))


def _rtl_persian(html: str) -> None:
    root = one(parse(html), "html")
    assert (root.get("lang"), root.get("dir")) == ("fa", "rtl")


async def _ledger(app: Litestar, clock: FrozenClock) -> None:
    rows = [
        LedgerMovement(
            subscription_id=f"s{who}", customer_id=f"c{who}", at=utc(2024, month, 3),
            kind=kind, customer_kind=kind, amount_minor=amount, mrr_minor=mrr,
            currency="USD", plan_code="pro", country="DE", version=1,
        )
        for who, month, kind, amount, mrr in [
            (1, 2, MovementKind.NEW, 5000, 5000), (2, 3, MovementKind.NEW, 12000, 12000),
            (1, 5, MovementKind.CHURN, -5000, 0),
        ]
    ]  # fmt: skip
    async with app.state.runtime.uow() as u:
        await u.mrr_ledger.append(rows)
        await u.commit()
    await refresh_analytics(uow=app.state.runtime.uow, clock=clock, reporting=Currency.of("USD"))


async def test_the_analytics_overview_reads_in_persian_with_mirrored_charts(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await persian_admin_sign_in(app.state.runtime.uow, client, clock, email="owner@example.com")
    await _ledger(app, clock)
    response = await client.get("/admin/analytics")
    assert response.status_code == 200
    _rtl_persian(response.text)
    page = parse(response.text)
    assert text(one(page, "h1")) == "تحلیل‌ها"
    assert "ارقام تا" in text(by_testid(page, "as-of")[0])
    labels = [text(c.select_one(".metric__label")) for c in by_testid(page, "card")]
    assert "مشترکان" in labels and "ریزش درآمد" in labels
    tabs = [text(a) for a in page.select(".analytics-tabs a")]
    assert tabs == ["نمای کلی", "گروه‌ها", "مشترکان"]

    chart = by_testid(page, "mrr-chart")[0]
    ticks = chart.select(".chart__tick")
    assert ticks and all(t["text-anchor"] == "start" for t in ticks)  # the axis on the right
    assert all(PERSIAN_DIGIT.search(text(t)) for t in ticks)
    xlabels = chart.select(".chart__xlabel")
    xs = [float(x["x"]) for x in xlabels]
    assert xs == sorted(xs, reverse=True)  # the first month on the right: time right to left
    assert "ژوئیه" in text(xlabels[0]) and PERSIAN_DIGIT.search(text(xlabels[0]))
    waterfall = by_testid(page, "waterfall-chart")[0]
    titles = [text(t) for t in waterfall.select("rect title")]
    assert any("جدید" in t for t in titles) and any("ریزش" in t for t in titles)

    rows = by_testid(page, "mrr-row")
    march = next(r for r in rows if r["data-start"] == "2024-03-01")
    assert text(march.select_one("th")) == "مارس ۲۰۲۴"
    assert "۱۷۰٫۰۰" in text(march)  # 50 + 120 dollars, in Persian digits
    for head in page.select("thead"):  # Persian, but the metric abbreviations (MRR, ARPU...)
        assert not LATIN_LETTERS.search(re.sub(r"\b[A-Z]{3,4}\b", "", text(head)))

    # the CSV is a data export: English headers and Latin digits whatever the display
    exported = await client.get("/admin/analytics?format=csv&table=mrr")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert "bucket" in table[0] and table[8]["bucket"] == "Mar 2024"
    assert table[8]["mrr"] == "170.00"


async def test_jobs_webhook_endpoints_and_api_keys_read_in_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await persian_admin_sign_in(app.state.runtime.uow, client, clock, email="owner@example.com")
    jobs = await client.get("/admin/jobs")
    assert jobs.status_code == 200
    _rtl_persian(jobs.text)
    page = parse(jobs.text)
    assert text(one(page, "h1")) == "کارها"
    assert text(by_testid(page, "count-dead")[0]).startswith("متوقف")

    endpoints = await client.get("/admin/webhook-endpoints")
    _rtl_persian(endpoints.text)
    page = parse(endpoints.text)
    assert text(one(page, "h1")) == "نقطه‌های پایانی وب‌هوک"
    assert "افزودن نقطهٔ پایانی" in endpoints.text

    keys = await client.get("/admin/api-keys")
    _rtl_persian(keys.text)
    assert text(one(parse(keys.text), "h1")) == "کلیدهای API"
    made = await client.post(
        "/admin/api-keys",
        data={"name": "CRM sync", "scope": "read_only", "_csrf_token": csrf_token(keys.text)},
    )
    assert made.status_code == 201
    shown = parse(made.text)
    secret = by_testid(shown, "new-secret")[0]
    assert "کلید CRM sync ساخته شد" in text(secret)
    assert one(shown, '[data-testid="secret"]').get("dir") == "ltr"
    key_id = by_testid(shown, "key-row")[0]["data-key-id"]
    confirm = await client.get(f"/admin/api-keys/{key_id}/revoke")
    revoked = await client.post(
        f"/admin/api-keys/{key_id}/revoke",
        data={"confirm": "yes", "_csrf_token": csrf_token(confirm.text)},
    )
    assert revoked.status_code == 303
    after = parse((await client.get(revoked.headers["location"])).text)
    flash = text(one(after, ".flash__message"))
    # the key's name and prefix keep their own direction inside the Persian sentence
    assert flash.startswith("کلید \u2068CRM sync\u2069") and "باطل شد" in flash
