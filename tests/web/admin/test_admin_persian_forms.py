"""The staff admin's forms in Persian (issue 19): a staff member who reads Persian submits a bad
catalog plan, a bad coupon and a CRM import whose dry run finds bad rows; every message the
domain wrote in English (a field's error, the form's summary, a row's problem, the mapping's
labels) comes back in Persian with its values (numbers in Persian digits, codes as written),
and no English sentence is left on the page (web/admin/form_words.py); so do a staff action's
choices, its preview ("what will happen") and its refusal."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CouponTable, PlanTable
from domain.catalog.service import load_demo_catalog
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal_history import make_subscriber
from tests.support.staff import admin_sign_in, make_staff
from tests.web.admin.test_catalog_pages import NEW_PLAN
from tests.web.admin.test_imports_pages import _csv, _dry_run, _errors, _upload

pytestmark = pytest.mark.web

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+,? [a-z]+ [a-z]+")  # three English words in a row
PERSIAN_LETTER = re.compile("[\u0600-\u06ff]")


async def _persian_owner(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock) -> str:
    member = await make_staff(app.state.runtime.uow, clock, role="owner", email="owner@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    token = csrf_token((await client.get("/admin")).text)
    switched = await client.post(
        "/admin/display", data={"language": "fa", "next": "/admin", "_csrf_token": token}
    )
    assert switched.status_code == 303
    return csrf_token((await client.get("/admin")).text)


def _messages(html: Any) -> list[str]:
    """Every error a form shows: beside a field and in the summary."""
    return [text(e) for e in html.select(".field__error, .form-errors__list li")]


def _all_persian(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert PERSIAN_LETTER.search(message), message
        assert not ENGLISH_SENTENCE.search(message), message


async def test_a_bad_plan_reads_persian_beside_each_field(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _persian_owner(app, client, clock)
    bad = {**NEW_PLAN, "_csrf_token": token, "code": "Pro Monthly!", "name": "",
           "price-0-charge-0-amount": "49.001", "price-1-currency": "XXX",
           "trial_days": "-1", "interval_unit": "week"}  # fmt: skip
    answer = await client.post("/admin/catalog/plans", data=bad)
    assert answer.status_code == 422
    html = parse(answer.text)
    messages = _messages(html)
    _all_persian(messages)
    assert "لطفاً فیلدهای مشخص‌شده را درست کنید." in messages  # the summary
    assert text(html.select_one("#f-name-error")) == "نام طرح را وارد کنید."
    # the values stay: 2 decimals in Persian digits, the currency code as written
    amount = text(html.select_one("#f-price-0-charge-0-amount-error"))
    assert amount == "برای \u2068USD\u2069 حداکثر ۲ رقم اعشار به کار ببرید."
    assert "۷۳۰" in text(html.select_one("#f-trial_days-error"))
    assert int(await PlanTable.count()) == 0


async def test_a_bad_coupon_reads_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=app.state.runtime.uow())
    token = await _persian_owner(app, client, clock)
    bad = await client.post("/admin/coupons", data={
        "_csrf_token": token, "name": "", "kind": "percent", "percent_off": "120",
        "duration": "repeating", "plans": ["nope"], "redeem_by": "2020-01-01",
        "max_redemptions": "-3",
    })  # fmt: skip
    assert bad.status_code == 422
    html = parse(bad.text)
    messages = _messages(html)
    _all_persian(messages)
    assert "طرح‌ها را از کاتالوگ انتخاب کنید." in messages
    assert text(html.select_one("#f-redeem_by-error")) == "روزی را انتخاب کنید که نگذشته باشد."
    assert text(html.select_one("#f-max_redemptions-error")).startswith(
        "حداکثر را به صورت عددی صحیح از ۱ تا "
    )
    assert await CouponTable.count() == 0


async def test_an_import_dry_run_lists_its_row_problems_in_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any
) -> None:
    token = await _persian_owner(app, client, clock)
    made = await _upload(client, token, _csv())
    assert made.status_code == 303
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    page = await _dry_run(client, token, import_id)
    assert _errors(page) == {(4, "Email"), (5, "Country/Region"), (6, "Currency"), (7, "Email"),
                             (9, "Plan")}  # fmt: skip
    problems = {
        int(row["data-row"]): text(row.select("td")[-1]) for row in by_testid(page, "row-error")
    }
    _all_persian(list(problems.values()))
    assert problems[7] == "همان رایانامهٔ ردیف ۲."
    assert problems[5] == "کشوری انتخاب کنید (کد دوحرفی ISO 3166)."
    assert problems[9] == "طرح جاری \u2068'no-such-plan'\u2069 در کاتالوگ نیست."
    # the mapping's labels and help are Persian too
    labels = [text(label) for label in by_testid(page, "mapping-form")[0].select("label")]
    assert "شناسهٔ خارجی" in " ".join(labels)
    # a mapping that leaves a required field out is refused in Persian
    data = {"_csrf_token": token, "map-external_id": "", "map-email": "Email",
            "map-name": "Company name", "map-country": "Country/Region",
            "map-currency": "Currency"}  # fmt: skip
    refused = await client.post(f"/admin/imports/{import_id}/check", data=data)
    assert refused.status_code == 422
    messages = _messages(parse(refused.text))
    _all_persian(messages)
    assert "ستونی را که شناسهٔ خارجی را دارد انتخاب کنید." in messages


async def test_a_staff_actions_fields_preview_and_refusal_read_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await _persian_owner(app, client, clock)
    cancel = f"/admin/customers/{ada.customer_id}/actions/subscription.cancel/{ada.subscription_id}"
    page = parse((await client.get(cancel + "?when=period_end&refund=none")).text)
    inputs = text(by_testid(page, "action-inputs")[0])
    assert "در پایان دورهٔ جاری" in inputs and "بدون بازپرداخت" in inputs  # choice labels
    preview = by_testid(page, "action-preview")[0]
    summary = text(by_testid(preview, "preview-summary")[0])
    assert summary.startswith("لغو \u2068") and "در پایان دوره، در " in summary
    assert PERSIAN_LETTER.search(text(by_testid(preview, "preview-effect")[0]))
    notes = [text(n) for n in preview.select(".action-preview__notes li")]
    _all_persian(notes)
    refused = parse((await client.get(cancel + "?when=period_end&refund=prorated_refund")).text)
    message = text(refused.select_one("#f-refund-error"))
    assert message.startswith("لغو در پایان دوره از کل دوره استفاده می‌کند"), message


async def test_a_confirmed_staff_actions_flash_reads_persian(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """What the action did (``Executed.message``, a ``said(...)`` template and its values) is
    flashed in Persian: the day in Persian digits, the invoice number kept as written."""
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    await _persian_owner(app, client, clock)
    record = f"/admin/customers/{ada.customer_id}"
    cancel = f"{record}/actions/subscription.cancel/{ada.subscription_id}"
    page = parse((await client.get(cancel + "?when=period_end&refund=none")).text)
    form = {
        i["name"]: i.get("value", "") for i in page.select('[data-testid="confirm-form"] input')
    }
    done = await client.post(cancel, data={**form, "reason": "به درخواست مشتری"})
    assert done.status_code == 303
    flashed = [text(f) for f in parse((await client.get(record)).text).select(".flash__message")]
    assert any(f.startswith("اشتراک در ") and f.endswith(" پایان می‌یابد.") for f in flashed), (
        flashed
    )
    (said,) = [f for f in flashed if f.startswith("اشتراک در ")]
    assert re.search("[۰-۹]", said) and not re.search("[A-Za-z0-9]", said), said
    # the audit log names the action in Persian and keeps its code beside it (and as the tooltip)
    audit = parse((await client.get("/admin/audit")).text)
    cell = audit.select_one('[data-testid="audit-action"]')
    assert cell is not None and cell["title"] == "subscription.cancel"
    assert text(cell.select_one(".badge")) == "لغو اشتراک"
    assert text(cell.select_one('[data-testid="audit-action-code"]')) == "subscription.cancel"
    options = [text(o) for o in audit.select("#f-action option")]
    assert "لغو اشتراک (subscription.cancel)" in options
