"""The app driven in the test's own event loop, on the per-run database, with a frozen clock.

Litestar's ``AsyncTestClient`` runs the app in a portal thread with a second event loop; an
asyncpg pool created there cannot be used by the test's loop (and the other way round), so the
tests run the lifespan themselves and talk to the app through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from litestar import Litestar

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


@asynccontextmanager
async def serve(
    app: Litestar, base_url: str = "http://testserver.local"
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan in this loop and give an httpx client bound to it.

    The lifespan lives in a task of its own: it uses anyio cancel scopes, which must be left in
    the task that entered them (a fixture's teardown runs in another task).
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # startup failed: raise its error
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as c:
        yield c
