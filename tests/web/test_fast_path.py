"""The kept storefront pages answered in front of Litestar's router (``web/public/fast_path.py``):
the same bytes and headers as the full stack (the security headers, the CSRF cookie with its
flags), the CSRF token still checked on the POST that follows, the display negotiated as before
(a page per language), a catalog change shown at once, and everything that is not an anonymous
GET of a kept page answered by the full stack."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.service import publish_plan_version
from domain.shared.clock import FrozenClock
from tests.support.accounts import make_account, sign_in
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.web.conftest import serve
from tests.web.test_catalog_cache_pages import _seats
from web.jobs import build_registry
from web.public import fast_path
from web.public.fast_path import FAST_PATH_STATE, KeptPagesFastPath

pytestmark = pytest.mark.web

SUMMARY = (
    "/checkout/team-annual/summary?currency=USD&quantity=5&promotion_code=WELCOME20&country=US"
)
PAGES = (
    "/",
    "/pricing",
    "/pricing?interval=year&seats=5&currency=EUR",
    "/pricing?seats=abc",  # refused: 422 with its message, kept too
    "/pricing?currency=&seats=&utm_source=mail",  # empty and unknown parameters
    "/checkout/team-monthly",
    "/checkout/team-monthly?currency=USD&quantity=3&country=DE",
    SUMMARY,
)
HTMX = {"HX-Request": "true"}
_TOKENS = re.compile(r'(name="checkout_token" value=|"X-CSRFToken": "|name="_csrf_token" value=")'
                     r'"?[A-Za-z0-9_-]+')  # fmt: skip
_PER_RESPONSE = {"x-request-id", "date"}


def _fast(app: Litestar) -> KeptPagesFastPath:
    fast: KeptPagesFastPath = app.state[FAST_PATH_STATE]
    return fast


@contextmanager
def _full_stack_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as m:
        m.setattr(fast_path, "_route", lambda _: None)
        yield


def _headers(path: str, **extra: str) -> dict[str, str]:
    return {**(HTMX if "/summary" in path else {}), **extra}


def _body(response: httpx.Response) -> str:
    return _TOKENS.sub(lambda m: m.group(1) + "T", response.text)


def _response_headers(response: httpx.Response) -> list[tuple[str, str]]:
    """The headers in order, the CSRF cookie's token replaced (its flags kept)."""
    return [
        (k, re.sub(r"^csrftoken=[0-9a-f]+;", "csrftoken=T;", v) if k == "set-cookie" else v)
        for k, v in response.headers.multi_items()
        if k not in _PER_RESPONSE
    ]


@pytest.mark.parametrize("language", ["en", "fa"])
async def test_the_fast_path_answers_what_the_full_stack_answers(
    app: Litestar, catalog: TestDatabase, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    for path in PAGES:
        headers = _headers(path, **{"Accept-Language": language})
        async with serve(app) as visitor:  # a first visit: no cookie, the CSRF cookie is set
            with _full_stack_only(monkeypatch):
                full = await visitor.get(path, headers=headers)
                full_again = await visitor.get(path, headers=headers)
        async with serve(app) as visitor:
            served = _fast(app).served
            fast = await visitor.get(path, headers=headers)
            fast_again = await visitor.get(path, headers=headers)  # with the cookie now
            assert _fast(app).served == served + 2, path
        assert full.status_code == fast.status_code, path
        assert _body(full) == _body(fast) == _body(full_again) == _body(fast_again), path
        assert _response_headers(full) == _response_headers(fast), path
        assert _response_headers(full_again) == _response_headers(fast_again), path
        assert "set-cookie" in fast.headers and "set-cookie" not in fast_again.headers
        assert fast.headers["content-security-policy"].startswith("default-src 'self'")
        assert fast.headers["x-request-id"] != fast_again.headers["x-request-id"]
        token = fast.cookies["csrftoken"]
        assert f'name="_csrf_token" value="{token}"' in fast.text or "/summary" in path
        if language == "fa":
            assert '<html lang="fa" dir="rtl"' in fast.text or "/summary" in path


async def test_the_csrf_token_of_a_fast_page_is_checked_on_the_post(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as visitor:
        page = await visitor.get("/pricing")
        assert "csrftoken" in page.cookies
        refused = await visitor.post("/display", data={"language": "fa", "next": "/pricing"})
        assert refused.status_code == 403
        forged = await visitor.post(
            "/display", data={"language": "fa", "next": "/pricing", "_csrf_token": "0" * 128}
        )
        assert forged.status_code == 403
        switched = await visitor.post(
            "/display",
            data={"language": "fa", "next": "/pricing", "_csrf_token": csrf_token(page.text)},
        )
        assert switched.status_code == 303
        persian = await visitor.get("/pricing", headers={"Accept-Language": "en"})
    assert '<html lang="fa" dir="rtl"' in persian.text  # the display cookie chose the page


async def test_a_signed_in_subscriber_gets_their_own_page_from_the_full_stack(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        assert "Sign in" in (await client.get("/pricing")).text
        await make_account(app.state.runtime.uow(), clock)
        assert (await sign_in(client)).status_code == 303
        served = _fast(app).served
        for path in ("/", "/pricing"):
            page = await client.get(path)
            nav = text(parse(page.text).select_one(".site-header nav"))  # type: ignore[arg-type]
            assert "Your account" in nav and "Sign in" not in nav, path
        page = await client.get("/checkout/team-monthly")
        assert "sam@example.com" in page.text  # the buyer's own checkout form
        assert _fast(app).served == served


async def test_whatever_is_not_a_kept_anonymous_get_goes_through_the_full_stack(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as visitor:
        await visitor.get("/pricing")
        served = _fast(app).served
        assert (await visitor.get("/pricing", headers=HTMX)).status_code == 200  # a fragment
        assert (await visitor.get("/checkout/team-monthly/summary")).status_code == 200  # page
        assert (await visitor.get("/checkout/no-such-plan")).status_code == 404
        assert (await visitor.get("/checkout/complete/summary")).status_code == 404
        assert (await visitor.get("/pricing?seats=2&seats=3")).status_code in (200, 400, 422)
        assert (await visitor.get("/pricing?currency=%00")).status_code == 400
        assert (await visitor.head("/pricing")).status_code in (200, 405)
        assert _fast(app).served == served
        assert (await visitor.get("/pricing")).status_code == 200
        assert _fast(app).served == served + 1


async def test_a_catalog_change_shows_at_once_on_the_fast_path(
    app: Litestar, db: TestDatabase, clock: FrozenClock, catalog: TestDatabase
) -> None:
    checkout = "/checkout/team-monthly?currency=USD&quantity=2"
    async with serve(app) as visitor:
        assert "$12.00" in (await visitor.get("/pricing")).text
        assert (await visitor.get(checkout)).status_code == 200
        served = _fast(app).served
        await publish_plan_version(
            "team-monthly",
            prices=_seats(1500, 1400),
            uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry()),
            clock=clock,
        )
        assert "$15.00" in (await visitor.get("/pricing")).text
        page = parse((await visitor.get(checkout)).text)
        assert text(by_testid(page, "summary-total")[0]) == "$30.00"
        assert _fast(app).served == served + 2


async def test_an_empty_csrf_cookie_is_treated_as_the_csrf_middleware_treats_it(
    app: Litestar, catalog: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"Cookie": "csrftoken=; display="}
    async with serve(app) as visitor:
        with _full_stack_only(monkeypatch):
            full = await visitor.get("/pricing", headers=headers)
        served = _fast(app).served
        fast = await visitor.get("/pricing", headers=headers)
        assert _fast(app).served == served + 1
    assert _body(full) == _body(fast)
    assert _response_headers(full) == _response_headers(fast)
