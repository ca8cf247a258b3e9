"""The analytics pages kept per read model version (web/admin/analytics_cache.py), through HTTP
with two app instances on one database (two processes in production): a page is built once per
version and served from memory until a refresh job replaces a read model; after a refresh (of a
ledger change, or of a new exchange rate) every instance shows the new figures at its next
request, and a kept page is exactly the page a fresh process builds."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.cohort_report import refresh_cohorts
from domain.analytics.exchange_rates import ExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind
from domain.analytics.refresh import refresh_analytics
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency, Rounding
from domain.shared.periods import utc
from tests.integration.db.test_analytics_subscribers import build, refresh
from tests.support.analytics_business import build_cohort_business, business_uow
from tests.support.database import TestDatabase
from tests.support.html import by_testid, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import make_settings, serve
from web.admin.analytics_cache import AnalyticsPageCache
from web.app import create_app
from web.jobs import build_registry

pytestmark = pytest.mark.web

USD = Currency.of("USD")
FIVE_MONTHS = "/admin/analytics?from=2024-02-01&to=2024-06-30"


def _row(sub: str, customer: str, at: datetime, kind: MovementKind, amount: int, mrr: int,
         currency: str = "USD") -> LedgerMovement:  # fmt: skip
    return LedgerMovement(
        subscription_id=sub, customer_id=customer, at=at, kind=kind, customer_kind=kind,
        amount_minor=amount, mrr_minor=mrr, currency=currency, plan_code="pro", country="US",
        version=1,
    )  # fmt: skip


class Instance:
    """One app (one process) with an owner signed in."""

    def __init__(self, app: Litestar, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    @property
    def cache(self) -> AnalyticsPageCache:
        cache = self.app.state.runtime.analytics_pages
        assert cache is not None
        return cache

    async def main(self, path: str) -> str:
        """The page's ``<main>`` (the layout around it holds the session's own tokens)."""
        answer = await self.client.get(path)
        assert answer.status_code == 200, path
        return str(parse(answer.text).select_one("main"))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2024, 6, 30, 12))


async def _instances(stack: AsyncExitStack, db: TestDatabase, clock: FrozenClock,
                     count: int) -> list[Instance]:  # fmt: skip
    out = []
    for _ in range(count):
        app = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
        client = await stack.enter_async_context(serve(app))
        out.append(Instance(app, client))
    return out


async def _signed_in(instances: list[Instance], clock: FrozenClock) -> None:
    for n, one in enumerate(instances):  # one member each (a TOTP code is accepted once)
        member = await make_staff(one.app.state.runtime.uow, clock, role="owner",
                                  email=f"owner{n}@example.com")  # fmt: skip
        assert (await admin_sign_in(one.client, member, clock)).status_code == 303


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _append(db: TestDatabase, clock: FrozenClock, *rows: LedgerMovement) -> None:
    async with _uow(db, clock) as u:
        await u.mrr_ledger.append(list(rows))
        await u.commit()


async def _refresh(db: TestDatabase, clock: FrozenClock) -> None:
    """The job's use case in its own unit of work (another process's job runner)."""
    await refresh_analytics(uow=lambda: _uow(db, clock), clock=clock, reporting=USD)


def _mrr(main: str) -> str:
    card = next(c for c in by_testid(parse(main), "card") if c["data-metric"] == "mrr")
    return text(by_testid(card, "card-value")[0])


async def test_a_refresh_of_a_ledger_change_shows_in_every_instance_at_its_next_request(
    db: TestDatabase, clock: FrozenClock
) -> None:
    async with AsyncExitStack() as stack:
        one, other = await _instances(stack, db, clock, 2)
        await _signed_in([one, other], clock)
        await _append(db, clock, _row("s1", "c1", utc(2024, 3, 3), MovementKind.NEW, 5000, 5000))
        await _refresh(db, clock)
        for instance in (one, other):
            assert _mrr(await instance.main(FIVE_MONTHS)) == "$50.00"
        builds = other.cache.builds
        assert _mrr(await other.main(FIVE_MONTHS)) == "$50.00"
        assert other.cache.builds == builds and other.cache.hits >= 1  # served from memory

        # a ledger change is in the figures from the refresh that reads it (not before:
        # the page states "Figures as of" the refresh)
        await _append(db, clock, _row("s1", "c1", utc(2024, 5, 3), MovementKind.EXPANSION,
                                      2000, 7000))  # fmt: skip
        assert _mrr(await other.main(FIVE_MONTHS)) == "$50.00"
        await _refresh(db, clock)
        assert _mrr(await other.main(FIVE_MONTHS)) == "$70.00"
        assert _mrr(await one.main(FIVE_MONTHS)) == "$70.00"
        assert other.cache.builds == builds + 1

        # the CSV is kept and dropped the same way
        csv_path = FIVE_MONTHS + "&format=csv&table=mrr"
        assert (await other.client.get(csv_path)).text.splitlines()[-1].split(",")[3] == "70.00"
        await _append(db, clock, _row("s1", "c1", utc(2024, 6, 3), MovementKind.CHURN,
                                      -7000, 0))  # fmt: skip
        await _refresh(db, clock)
        assert (await other.client.get(csv_path)).text.splitlines()[-1].split(",")[3] == "0.00"


async def test_a_new_exchange_rate_shows_after_the_refresh_that_uses_it(
    db: TestDatabase, clock: FrozenClock
) -> None:
    async with AsyncExitStack() as stack:
        (one,) = await _instances(stack, db, clock, 1)
        await _signed_in([one], clock)
        await _append(
            db, clock,
            _row("s1", "c1", utc(2024, 3, 3), MovementKind.NEW, 5000, 5000),
            _row("s2", "c2", utc(2024, 4, 3), MovementKind.NEW, 4000, 4000, currency="EUR"),
        )  # fmt: skip
        await _refresh(db, clock)
        page = await one.main(FIVE_MONTHS)
        assert _mrr(page) == "$50.00" and by_testid(parse(page), "missing-rate")
        async with _uow(db, clock) as u:
            await u.exchange_rates.add(ExchangeRate(
                id="eur", currency="EUR", reporting="USD", rate=Decimal("1.10"),
                effective_on=date(2024, 1, 1), entered_by="x@example.com", entered_at=clock.now(),
            ))  # fmt: skip
            await u.commit()
        await _refresh(db, clock)
        page = await one.main(FIVE_MONTHS)
        assert _mrr(page) == "$94.00" and not by_testid(parse(page), "missing-rate")


async def test_a_kept_page_is_the_page_a_fresh_process_builds(
    db: TestDatabase, clock: FrozenClock
) -> None:
    paths = (FIVE_MONTHS, FIVE_MONTHS + "&bucket=week&plan=pro", "/admin/analytics",
             "/admin/analytics/cohorts", "/admin/analytics/subscribers")  # fmt: skip
    async with AsyncExitStack() as stack:
        (kept,) = await _instances(stack, db, clock, 1)
        await _signed_in([kept], clock)
        await _append(
            db, clock,
            _row("s1", "c1", utc(2024, 3, 3), MovementKind.NEW, 5000, 5000),
            _row("s2", "c2", utc(2024, 4, 9), MovementKind.NEW, 1999, 1999),
            _row("s1", "c1", utc(2024, 5, 3), MovementKind.CHURN, -5000, 0),
        )  # fmt: skip
        await _refresh(db, clock)
        first = {p: await kept.main(p) for p in paths}
        builds = kept.cache.builds
        again = {p: await kept.main(p) for p in paths}
        assert kept.cache.builds == builds  # every page served from memory
        (fresh,) = await _instances(stack, db, clock, 1)
        member = await make_staff(kept.app.state.runtime.uow, clock, role="billing",
                                  email="billing@example.com")  # fmt: skip
        assert (await admin_sign_in(fresh.client, member, clock)).status_code == 303
        for path in paths:
            built = await fresh.main(path)
            # the member's e-mail is only in the layout, outside <main>
            assert again[path] == first[path] == built, path
        # the reader's display is part of the key: Persian digits are a page of their own
        persian = await kept.client.get(FIVE_MONTHS, headers={"Accept-Language": "fa"})
        english = await kept.client.get(FIVE_MONTHS)
        assert str(parse(persian.text).select_one("main")) != str(
            parse(english.text).select_one("main"))  # fmt: skip


async def test_the_subscriber_page_shows_each_refresh(db: TestDatabase) -> None:
    clock = FrozenClock(utc(2024, 1, 1))
    async with AsyncExitStack() as stack:
        (one,) = await _instances(stack, db, clock, 1)
        await build(db, clock)  # the subscriber metrics' business (left on 1 Mar 2024)
        await _signed_in([one], clock)
        path = "/admin/analytics/subscribers?from=2024-01&to=2024-03"
        assert "Not computed yet" in text(by_testid(parse(await one.main(path)), "as-of")[0])
        await refresh(db, clock)
        page = parse(await one.main(path))
        assert text(by_testid(page, "as-of")[0]).startswith("Figures as of 1 Mar 2024")
        assert text(by_testid(page, "stat-conversion")[0]) == "75.0%"


async def test_the_cohort_page_shows_each_refresh(db: TestDatabase) -> None:
    clock = FrozenClock(utc(2024, 1, 1))
    async with AsyncExitStack() as stack:
        (one,) = await _instances(stack, db, clock, 1)
        await build_cohort_business(db, clock)  # left on 15 Apr 2024
        await _signed_in([one], clock)
        path = "/admin/analytics/cohorts?from=2024-01&to=2024-04"
        assert not by_testid(parse(await one.main(path)), "cohort-row")  # not computed yet
        await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock,
                              reporting=USD, rounding=Rounding.HALF_UP)  # fmt: skip
        rows = by_testid(parse(await one.main(path)), "cohort-row")
        assert [r["data-cohort"] for r in rows][:2] == ["2024-01", "2024-02"]
