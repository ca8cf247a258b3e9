"""Two app instances on one database (two processes in production): each keeps the promotion
codes its checkout summaries looked up in memory (``domain/promotions/cache.py``), and a code
created, deactivated or used up through staff's use cases and an order's redemption is on the
other's (and its own) next summary, the kept pages answered in front of the router included."""

from __future__ import annotations

import httpx
import pytest

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.service import load_demo_catalog
from domain.promotions.admin import (
    create_coupon,
    create_promotion_code,
    deactivate_promotion_code,
)
from domain.promotions.redemption import count_redemption, find_promotion
from domain.shared.clock import FrozenClock
from domain.staff.model import Role, SignedInStaff
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.web.conftest import make_settings, serve
from web.app import create_app
from web.jobs import build_registry
from web.public.fast_path import FAST_PATH_STATE

pytestmark = pytest.mark.web

SUMMARY = "/checkout/team-monthly/summary?currency=USD&quantity=2&country=US&promotion_code="
STAFF = SignedInStaff(staff_id="s-billing", email="billing@example.com", name="Billing",
                      role=Role.BILLING, session_id="s")  # fmt: skip


async def _summary(client: httpx.AsyncClient, code: str) -> tuple[str, str]:
    """The summary's total due today and the code's message (applied, or why not)."""
    answer = await client.get(SUMMARY + code, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    html = parse(answer.text)
    message = by_testid(html, "promotion-error") or by_testid(html, "promotion-applied")
    return text(by_testid(html, "summary-total")[0]), text(message[0])


async def _page_total(client: httpx.AsyncClient, code: str) -> str:
    page = await client.get("/checkout/team-monthly?currency=USD&quantity=2&country=US"
                            f"&promotion_code={code}")  # fmt: skip
    assert page.status_code == 200
    return text(by_testid(parse(page.text), "summary-total")[0])


async def test_staff_changes_to_a_code_are_on_the_next_summary_in_every_instance(
    db: TestDatabase, clock: FrozenClock
) -> None:
    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())

    first = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    second = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(first) as mine, serve(second) as other:
        await load_demo_catalog(uow=uow())
        for client in (mine, other):  # unknown: kept as such in both instances
            assert await _summary(client, "SPRING50") == (
                "$24.00",
                "The code SPRING50 is not valid.",
            )

        coupon = await create_coupon(
            STAFF, {"name": "Spring", "kind": "percent", "percent_off": "50", "duration": "once"},
            [], uow=uow(), clock=clock,
        )  # fmt: skip
        code = await create_promotion_code(
            STAFF, coupon.id, {"code": "SPRING50", "max_redemptions": "1"}, first_only=False,
            uow=uow(), clock=clock,
        )  # fmt: skip
        for client in (mine, other):
            assert await _summary(client, "spring50") == ("$12.00", "SPRING50 applied.")
            assert await _summary(client, "SPRING50") == ("$12.00", "SPRING50 applied.")

        async with uow() as tx:  # an order redeems the code's one use
            promotion = await find_promotion(tx, "SPRING50", lock=True)
            assert promotion is not None
            await count_redemption(tx, promotion)
            await tx.commit()
        for client in (other, mine):
            assert await _summary(client, "SPRING50") == (
                "$24.00", "The code SPRING50 has been used up.",
            )  # fmt: skip

        second_code = await create_promotion_code(
            STAFF, coupon.id, {"code": "AUTUMN50"}, first_only=False, uow=uow(), clock=clock
        )
        assert await _summary(other, "AUTUMN50") == ("$12.00", "AUTUMN50 applied.")
        assert await _page_total(mine, "AUTUMN50") == "$12.00"
        await deactivate_promotion_code(STAFF, coupon.id, second_code.id, uow=uow(), clock=clock)
        for client in (other, mine):
            assert await _summary(client, "AUTUMN50") == (
                "$24.00", "The code AUTUMN50 is no longer active.",
            )  # fmt: skip
        assert await _page_total(mine, "AUTUMN50") == "$24.00"  # the whole page too
        assert code.code == "SPRING50"
        # the anonymous summaries were answered in front of the router, from the kept pages
        assert first.state[FAST_PATH_STATE].served > 0
        assert second.state[FAST_PATH_STATE].served > 0


async def test_a_code_is_read_once_per_version_and_its_expiry_is_checked_at_each_request(
    db: TestDatabase, clock: FrozenClock
) -> None:
    """The cache keeps the stored code; whether it can be used is decided per request, at the
    request's instant."""

    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())

    app = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(app) as client:
        await load_demo_catalog(uow=uow())
        coupon = await create_coupon(
            STAFF, {"name": "Day", "kind": "percent", "percent_off": "25", "duration": "once"},
            [], uow=uow(), clock=clock,
        )  # fmt: skip
        # expires at the end of today (the clock: 23:59:30 UTC on a 31st)
        await create_promotion_code(
            STAFF, coupon.id, {"code": "TODAY25", "expires_at": clock.now().date().isoformat()},
            first_only=False, uow=uow(), clock=clock,
        )  # fmt: skip
        cache = app.state.runtime.promotions
        loads = cache.loads
        assert await _summary(client, "TODAY25") == ("$18.00", "TODAY25 applied.")
        for _ in range(3):
            assert await _summary(client, "today25") == ("$18.00", "TODAY25 applied.")
        assert cache.loads == loads + 1  # read once for this version
        clock.advance(seconds=30)  # midnight: the code has expired
        assert await _summary(client, "TODAY25") == ("$24.00", "The code TODAY25 has expired.")
        assert cache.loads == loads + 1  # nothing was written: still from memory


@pytest.mark.parametrize(
    "code",
    ["X" * 41, "X" * 64, "X" * 65, "%D9%A1%DB%B2%DB%B3", "%20%20", "WEL%27COME", "🙂"],
)
async def test_odd_codes_get_a_message_never_an_error(
    db: TestDatabase, clock: FrozenClock, code: str
) -> None:
    """(A NUL in the address is the request guard's 400: ``test_refused_fields.py``.)"""
    app = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(app) as client:
        await load_demo_catalog(
            uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())
        )
        for _ in range(2):
            answer = await client.get(SUMMARY + code, headers={"HX-Request": "true"})
            assert answer.status_code == 200
            html = parse(answer.text)
            assert text(by_testid(html, "summary-total")[0]) == "$24.00"
        assert app.state.runtime.promotions.loads <= 1
