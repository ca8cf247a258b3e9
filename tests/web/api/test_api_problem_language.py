"""Problem details speak the caller's language: the ``title`` follows ``Accept-Language``
(Persian for ``fa``; no header: the site's language, ``APP_LOCALE``) and ``Content-Language``
says which; ``type``, ``code``, ``status`` and the field names of ``errors`` never change."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.web.api.support import CUSTOMER, bearer, make_key
from tests.web.conftest import make_settings, serve
from web.app import create_app

pytestmark = pytest.mark.web

STABLE = ("type", "code", "status", "instance")


def _problem(answer: httpx.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert "Accept-Language" in answer.headers["vary"]
    body: dict[str, object] = answer.json()
    return body


async def test_the_same_refusal_in_english_and_persian(client: httpx.AsyncClient) -> None:
    en = await client.get("/api/v1/customers", headers={"Accept-Language": "en"})
    fa = await client.get("/api/v1/customers", headers={"Accept-Language": "fa-IR, en;q=0.5"})
    english, persian = _problem(en, 401), _problem(fa, 401)

    assert {k: english[k] for k in STABLE} == {k: persian[k] for k in STABLE}
    assert english["code"] == "api_key.missing" and english["type"] == "/problems/api_key.missing"
    assert (english["title"], persian["title"]) == ("Sign-in required", "ورود لازم است")
    assert (en.headers["content-language"], fa.headers["content-language"]) == ("en", "fa")
    assert fa.headers["www-authenticate"].startswith("Bearer")  # its own headers kept


async def test_field_errors_keep_their_names_in_every_language(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    key = await make_key(app)
    bad = CUSTOMER | {"email": "not-an-address", "country": "ZZ"}
    answers = [
        await client.post(
            "/api/v1/customers", json=bad, headers=bearer(key) | {"Accept-Language": language}
        )
        for language in ("en", "fa")
    ]
    english, persian = (_problem(a, 422) for a in answers)
    assert {k: english[k] for k in STABLE} == {k: persian[k] for k in STABLE}
    assert isinstance(english["errors"], dict) and isinstance(persian["errors"], dict)
    assert set(english["errors"]) == set(persian["errors"]) >= {"email", "country"}
    assert english["title"] == "Unprocessable content"
    assert persian["title"] == "محتوای پردازش‌نشدنی"


async def test_an_unknown_customer_in_persian(app: Litestar, client: httpx.AsyncClient) -> None:
    key = await make_key(app)
    answer = await client.get(
        "/api/v1/customers/nope", headers=bearer(key) | {"Accept-Language": "fa"}
    )
    body = _problem(answer, 404)
    assert (body["title"], body["code"]) == ("یافت نشد", "customer.not_found")


async def test_no_accept_language_is_the_sites_language(
    db: TestDatabase, clock: FrozenClock, client: httpx.AsyncClient
) -> None:
    # this site (APP_LOCALE en_US): English; a quality of 0 is "not this one"
    for headers in ({}, {"Accept-Language": "fa;q=0"}, {"Accept-Language": "de"}):
        answer = await client.get("/api/v1/customers", headers=headers)
        assert _problem(answer, 401)["title"] == "Sign-in required"
        assert answer.headers["content-language"] == "en"
    persian_site = create_app(make_settings(db, APP_LOCALE="fa_IR"), clock=clock,
                              engine=db.engine, start_runner=False)  # fmt: skip
    async with serve(persian_site) as other:
        default = await other.get("/api/v1/customers")
        asked = await other.get("/api/v1/customers", headers={"Accept-Language": "en"})
    assert _problem(default, 401)["title"] == "ورود لازم است"
    assert default.headers["content-language"] == "fa"
    assert _problem(asked, 401)["title"] == "Sign-in required"


async def test_detail_and_field_messages_follow_accept_language(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    key = await make_key(app)
    bad = CUSTOMER | {"email": "not-an-address", "country": "ZZ"}
    answers = [
        await client.post("/api/v1/customers", json=bad,
                          headers=bearer(key) | {"Accept-Language": language})
        for language in ("en", "fa")
    ]  # fmt: skip
    en, fa = (_problem(answer, 422) for answer in answers)
    assert en["errors"] == {
        "email": "Enter an e-mail address like name@example.com.",
        "country": "Choose a country (a two-letter ISO 3166 code).",
    }
    assert fa["errors"] == {
        "email": "یک نشانی ایمیل مانند name@example.com وارد کنید.",
        "country": "کشوری انتخاب کنید (کد دوحرفی ISO 3166).",
    }
    assert en["detail"] == ("email: Enter an e-mail address like name@example.com.; "
                            "country: Choose a country (a two-letter ISO 3166 code).")  # fmt: skip
    assert fa["detail"] == ("email: یک نشانی ایمیل مانند name@example.com وارد کنید.; "
                            "country: کشوری انتخاب کنید (کد دوحرفی ISO 3166).")  # fmt: skip
    assert en["code"] == fa["code"] and en["type"] == fa["type"]


async def test_not_found_and_conflict_in_persian(app: Litestar, client: httpx.AsyncClient) -> None:
    key = await make_key(app)
    persian = bearer(key) | {"Accept-Language": "fa"}
    missing = _problem(await client.get("/api/v1/customers/nope", headers=persian), 404)
    assert (missing["detail"], missing["code"]) == ("چنین مشتری‌ای وجود ندارد.",
                                                    "customer.not_found")  # fmt: skip
    english = await client.get("/api/v1/customers/nope", headers=bearer(key))
    assert _problem(english, 404)["detail"] == "No such customer."

    assert (
        await client.post("/api/v1/customers", json=CUSTOMER, headers=bearer(key))
    ).status_code == 201
    twice = _problem(await client.post("/api/v1/customers", json=CUSTOMER, headers=persian), 409)
    assert (twice["detail"], twice["code"]) == ("مشتری‌ای با این ایمیل وجود دارد.",
                                                "customer.invalid")  # fmt: skip

    no_key = _problem(await client.get("/api/v1/customers", headers={"Accept-Language": "fa"}), 401)
    assert no_key["detail"] == "کلید API خود را بفرستید: Authorization: Bearer <key>."


async def test_a_malformed_body_and_a_message_without_translation(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    key = await make_key(app)
    persian = bearer(key) | {"Accept-Language": "fa"}
    malformed = _problem(await client.post("/api/v1/customers", json={"email": 1}, headers=persian),
                         400)  # fmt: skip
    assert malformed["detail"] == "درخواست POST /api/v1/customers نامعتبر است"
    assert malformed["errors"] == {"email": "`str` لازم است، `int` آمد"}  # msgspec's, in Persian
    cases = [
        ("/api/v1/customers", {}, "data", "فیلد لازم `email` در شیء نیست"),
        ("/api/v1/customers", CUSTOMER | {"x": 1}, "data", "شیء فیلد ناشناختهٔ `x` دارد"),
        ("/api/v1/customers", CUSTOMER | {"name": "n" * 201}, "name",
         "یک `str` با طول حداکثر ۲۰۰ لازم است"),
        ("/api/v1/subscriptions", {"customer_id": "c", "plan_code": "team", "quantity": 0},
         "quantity", "یک `int` دست‌کم ۱ لازم است"),
    ]  # fmt: skip
    for path, body, field, persian_message in cases:
        english = _problem(await client.post(path, json=body, headers=bearer(key)), 400)
        answer = _problem(await client.post(path, json=body, headers=persian), 400)
        assert answer["errors"] == {field: persian_message}, answer
        assert set(english["errors"]) == {field}  # the field names never change
        assert english["errors"][field].startswith(("Object", "Expected"))
    truncated = await client.post("/api/v1/customers", content=b'{"email": ',
                                  headers=persian | {"content-type": "application/json"})  # fmt: skip
    assert _problem(truncated, 400)["detail"] == "داده‌های ورودی ناقص است"
    broken = await client.post("/api/v1/customers", content=b"{bad",
                               headers=persian | {"content-type": "application/json"})  # fmt: skip
    assert _problem(broken, 400)["detail"].startswith("JSON نادرست است: ")  # msgspec's why kept
