"""Storefront pages kept rendered (``web/public/rendered.py``): the kept page is byte for byte the
page the template renders for the same request, the per-request values (CSRF token, checkout
token) are each request's own, and what the page shows changing (a catalog change in another
process, the next day's dates) renders it again."""

from __future__ import annotations

import re

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.service import publish_plan_version
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.web.conftest import make_settings, serve
from tests.web.test_catalog_cache_pages import _seats
from web.app import create_app
from web.jobs import build_registry
from web.public import checkout as checkout_module
from web.public import pricing as pricing_module
from web.public.rendered import pages_of

pytestmark = pytest.mark.web

SUMMARY = (
    "/checkout/team-annual/summary?currency=USD&quantity=5&promotion_code=WELCOME20&country=US"
)
PAGES = ("/pricing", "/pricing?interval=year&seats=5", "/checkout/team-monthly", SUMMARY)
HTMX = {"HX-Request": "true"}
_CHECKOUT_TOKEN = re.compile(r'name="checkout_token" value="([^"]*)"')
_PER_RESPONSE = {"set-cookie", "x-request-id", "date", "content-length"}


def _headers(path: str) -> dict[str, str]:
    return HTMX if "/summary" in path else {}


def _same_token(body: str) -> str:
    return _CHECKOUT_TOKEN.sub('name="checkout_token" value="T"', body)


def _kept_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in _PER_RESPONSE}


async def test_a_kept_page_is_the_rendered_page_byte_for_byte(
    app: Litestar, catalog: TestDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(app) as client:
        await client.get("/")  # the CSRF cookie: one token for every request below
        for path in PAGES:
            with monkeypatch.context() as m:  # the template rendered as before, nothing kept
                m.setattr(pricing_module, "keepable", lambda _: False)
                m.setattr(checkout_module, "keepable", lambda _: False)
                rendered = await client.get(path, headers=_headers(path))
            before = pages_of(app).renders
            first = await client.get(path, headers=_headers(path))  # rendered and kept
            again = await client.get(path, headers=_headers(path))  # from the kept page
            assert pages_of(app).renders == before + 1, path
            assert rendered.status_code == first.status_code == again.status_code == 200, path
            assert _same_token(rendered.text) == _same_token(first.text) == _same_token(again.text)
            assert _kept_headers(rendered) == _kept_headers(first) == _kept_headers(again), path
            assert rendered.headers["content-type"] == "text/html; charset=utf-8"


async def test_each_request_gets_its_own_csrf_and_checkout_tokens(
    app: Litestar, catalog: TestDatabase
) -> None:
    async with serve(app) as one_visitor, serve(app) as another:
        mine = await one_visitor.get("/checkout/team-monthly")
        theirs = await another.get("/checkout/team-monthly")
        mine_again = await one_visitor.get("/checkout/team-monthly")
    csrf = {r.cookies.get("csrftoken") or "" for r in (mine, theirs)}
    assert len(csrf) == 2 and all(csrf)
    for response, token in (
        (mine, mine.cookies["csrftoken"]),
        (theirs, theirs.cookies["csrftoken"]),
    ):
        assert f'value="{token}"' in response.text
        assert token[:20] in response.text.split("X-CSRFToken")[1][:200]
    tokens = [_CHECKOUT_TOKEN.search(r.text) for r in (mine, theirs, mine_again)]
    assert all(tokens)
    assert len({t.group(1) for t in tokens if t}) == 3  # a new checkout token each time
    assert "hole" not in mine.text and "hole" not in mine_again.text


async def test_a_catalog_change_renders_the_kept_pages_again_in_every_process(
    db: TestDatabase, clock: FrozenClock, catalog: TestDatabase
) -> None:
    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())

    first = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    second = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    checkout = "/checkout/team-monthly?currency=USD&quantity=2"
    async with serve(first) as writer_side, serve(second) as other:
        for client in (writer_side, other):  # both keep the three pages
            for path in ("/pricing", checkout, checkout):
                assert (await client.get(path)).status_code == 200
        kept = pages_of(second).renders

        await publish_plan_version(
            "team-monthly", prices=_seats(1500, 1400), uow=uow(), clock=clock
        )

        page = parse((await other.get(checkout)).text)
        assert text(by_testid(page, "summary-total")[0]) == "$30.00"
        assert "$15.00" in (await other.get("/pricing")).text
        assert pages_of(second).renders == kept + 2
        assert "$15.00" in (await writer_side.get("/pricing")).text


async def test_the_checkout_page_is_kept_for_the_day_and_rendered_again_the_next(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        first = await client.get("/checkout/team-monthly")
        renders = pages_of(app).renders
        clock.advance(seconds=1)
        assert _same_token((await client.get("/checkout/team-monthly")).text) == _same_token(
            first.text
        )
        assert pages_of(app).renders == renders  # the same day: the same dates on the page
        clock.advance(days=1)
        later = await client.get("/checkout/team-monthly")
        assert pages_of(app).renders == renders + 1
        assert _same_token(later.text) != _same_token(first.text)  # the next renewal's date
