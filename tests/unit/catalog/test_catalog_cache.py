"""The per-process catalog cache: served from memory while the version stands, read again when
it moves, and never answered with a version read before the caller asked."""

from __future__ import annotations

import asyncio

import pytest

from domain.catalog.cache import CatalogCache, CoalescedRead
from domain.catalog.demo import demo_plans
from domain.catalog.model import PlanKind
from domain.catalog.snapshot import CatalogSnapshot

pytestmark = pytest.mark.unit


class Versions:
    """A catalog version whose reads the test releases one at a time."""

    def __init__(self) -> None:
        self.version = 1
        self.reads = 0
        self.gate: asyncio.Event | None = None

    async def current(self) -> int:
        self.reads += 1
        seen = self.version  # what the database answers when the read starts
        if self.gate is not None:
            await self.gate.wait()
        return seen


def _snapshot(version: int) -> CatalogSnapshot:
    plans = demo_plans()
    base = tuple(p for p in plans if p.kind is PlanKind.BASE and p.is_public)
    addons = tuple(p for p in plans if p.kind is PlanKind.ADDON and p.is_public)
    return CatalogSnapshot(version, base, addons, ())


def _cache(versions: Versions) -> CatalogCache:
    async def load() -> CatalogSnapshot:
        return _snapshot(versions.version)

    return CatalogCache(current_version=versions.current, load=load)


async def test_the_snapshot_is_kept_while_the_version_stands_and_read_again_when_it_moves() -> None:
    versions = Versions()
    cache = _cache(versions)
    first = await cache.snapshot()
    assert (await cache.snapshot()) is first and cache.loads == 1
    versions.version = 2
    second = await cache.snapshot()
    assert second.version == 2 and second is not first and cache.loads == 2
    assert versions.reads == 3, "the version is read for every request"


async def test_a_caller_never_gets_a_version_read_that_started_before_it_asked() -> None:
    versions = Versions()
    read = CoalescedRead(versions.current)
    versions.gate = asyncio.Event()
    early = asyncio.create_task(read())
    while versions.reads == 0:  # until the first read is in flight, at version 1
        await asyncio.sleep(0)
    versions.version = 2  # a write commits while it is in flight
    late = [asyncio.create_task(read()) for _ in range(20)]
    await asyncio.sleep(0)
    versions.gate.set()
    assert await early == 1
    assert [await t for t in late] == [2] * 20, "they waited for a read that began after them"
    assert versions.reads == 2, "the twenty shared one read"


async def test_a_failed_read_reaches_its_callers_and_the_next_read_is_tried_again() -> None:
    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database gone")
        return 7

    read = CoalescedRead(flaky)
    with pytest.raises(ConnectionError):
        await read()
    assert await read() == 7


async def test_concurrent_requests_after_a_change_load_the_snapshot_once() -> None:
    versions = Versions()
    cache = _cache(versions)
    await cache.snapshot()
    versions.version = 5
    got = await asyncio.gather(*(cache.snapshot() for _ in range(30)))
    assert {s.version for s in got} == {5} and len({id(s) for s in got}) == 1
    assert cache.loads == 2


def test_the_snapshot_finds_public_base_plans_only_and_memoises_per_key() -> None:
    snapshot = _snapshot(1)
    assert snapshot.public_plan("team-monthly") is not None
    assert snapshot.public_plan("priority-support") is None, "an add-on is not bought alone"
    assert snapshot.public_plan("no-such-plan") is None
    made: list[int] = []
    assert snapshot.memo("k", lambda: made.append(1) or len(made)) == 1
    assert snapshot.memo("k", lambda: made.append(1) or len(made)) == 1
    assert made == [1]
