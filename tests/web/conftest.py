"""The app under Litestar's test client, on the per-run database, with a frozen clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.service import load_demo_catalog
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from web.app import create_app
from web.jobs import build_registry
from web.settings import Settings


def make_settings(db: TestDatabase, **env: str) -> Settings:
    return Settings.from_env(
        {"APP_ENV": "test", "DATABASE_URL": db.url, "APP_SECRET_KEY": "t" * 40, **env}
    )


@pytest.fixture
async def catalog(db: TestDatabase, clock: FrozenClock) -> TestDatabase:
    await load_demo_catalog(
        uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())
    )
    return db


@pytest.fixture
def app(db: TestDatabase, clock: FrozenClock) -> Litestar:
    return create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as c:
        yield c
