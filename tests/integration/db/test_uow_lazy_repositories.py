"""The Piccolo unit of work builds each repository the first time it is read and keeps it for the
rest of the unit (``LazyRepository``): a fresh unit, and one that enters, commits and leaves
without reading, has built none; the API's entitlements read builds only ``api_reads``; a
repository read twice is the same object (its per-transaction reads kept), another unit's is
another; a test may still put its own in place."""

from __future__ import annotations

import pytest

from domain.adapters.db.uow import LazyRepository, PiccoloUnitOfWork
from domain.apikeys.admin import create_api_key
from domain.apikeys.entitlement_reads import entitlements_for_key
from domain.apikeys.model import Mode
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration

OWNER = SignedInStaff("owner-1", "owner@example.com", "Owner", Role.OWNER, "s")
NOW = utc(2026, 3, 1, 9)
REPOSITORIES = frozenset(
    name for name, value in vars(PiccoloUnitOfWork).items() if isinstance(value, LazyRepository)
)


def _uow(db: TestDatabase, clock: FrozenClock, **kw: bool) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry(), **kw)


def _built(uow: PiccoloUnitOfWork) -> set[str]:
    return set(REPOSITORIES & vars(uow).keys())


def test_every_repository_the_unit_offers_is_built_lazily() -> None:
    # the ports the use cases read (a sample across contexts) are all lazy, none eager
    assert {"plans", "customers", "subscriptions", "invoices", "api_keys", "api_reads",
            "outbound_events", "entitlements", "audit"} <= REPOSITORIES  # fmt: skip
    assert len(REPOSITORIES) > 50


async def test_a_repository_is_built_on_first_read_and_kept(db: TestDatabase) -> None:
    clock = FrozenClock(NOW)
    uow, other = _uow(db, clock), _uow(db, clock)
    assert _built(uow) == set()
    customers = uow.customers
    assert uow.customers is customers
    assert _built(uow) == {"customers"}
    assert other.customers is not customers
    plans = uow.plans  # built with the engine's row-locking choice, as before
    assert plans is uow.plans and _built(uow) == {"customers", "plans"}


async def test_a_unit_that_reads_nothing_builds_nothing(db: TestDatabase) -> None:
    clock = FrozenClock(NOW)
    uow = _uow(db, clock)
    async with uow:
        await uow.commit()
    assert _built(uow) == set()
    rolled_back = _uow(db, clock)
    async with rolled_back:
        await rolled_back.rollback()
    assert _built(rolled_back) == set()


async def test_the_entitlements_read_builds_only_the_api_reads(db: TestDatabase) -> None:
    clock = FrozenClock(NOW)
    made = await create_api_key(OWNER, name="Product", scope="read_only", mode=Mode.TEST,
                                uow=_uow(db, clock), clock=clock)  # fmt: skip
    ada = await create_customer(email="ada@example.test", name="Ada", currency="USD",
                                country="US", uow=_uow(db, clock), clock=clock)  # fmt: skip
    statement = _uow(db, clock, read_only=True, statement=True)
    _, rows = await entitlements_for_key(
        made.secret, CustomerId(ada.id), uow=statement, new_uow=lambda: _uow(db, clock),
        clock=clock,
    )  # fmt: skip
    assert rows == []
    assert _built(statement) == {"api_reads"}


async def test_a_repository_put_in_place_is_the_one_read(db: TestDatabase) -> None:
    uow = _uow(db, FrozenClock(NOW))
    stand_in = object()
    uow.customers = stand_in  # type: ignore[assignment]
    assert uow.customers is stand_in
