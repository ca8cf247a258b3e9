"""The analytics pages' cache (web/admin/analytics_cache.py) on its own: a body is served at the
version it was built at and never after the version moves (nor when the version moved while it
was built, nor when it went back), and the cache stays within its bounds, least recently used
dropped first."""

from __future__ import annotations

import asyncio

import pytest

from domain.shared.errors import PermissionDenied
from domain.staff.model import Role, SignedInStaff
from web.admin.analytics_cache import AnalyticsPageCache

OWNER = SignedInStaff("o", "owner@example.com", "Olga", Role.OWNER, "s")
SUPPORT = SignedInStaff("p", "support@example.com", "Pat", Role.SUPPORT, "s")


class Versions:
    def __init__(self) -> None:
        self.value = 1
        self.reads = 0

    async def __call__(self) -> int:
        self.reads += 1
        return self.value


def builder(text: str, built: list[str]):  # type: ignore[no-untyped-def]
    async def build() -> str:
        built.append(text)
        return text

    return build


async def test_a_body_is_kept_at_its_version_and_built_anew_when_the_version_moves() -> None:
    versions, built = Versions(), []
    cache = AnalyticsPageCache(versions)
    assert await cache.body("a", builder("a@1", built), reader=OWNER) == "a@1"
    assert (
        await cache.body("a", builder("other", built), reader=OWNER) == "a@1"
    )  # kept: not built again
    assert (
        await cache.body("b", builder("b@1", built), reader=OWNER) == "b@1"
    )  # another key is its own
    assert built == ["a@1", "b@1"] and cache.hits == 1 and cache.builds == 2
    assert versions.reads == 3  # the version is read for every request

    versions.value = 2  # a refresh committed
    assert await cache.body("a", builder("a@2", built), reader=OWNER) == "a@2"
    assert len(cache) == 1  # the bodies of version 1 were dropped
    versions.value = 1  # the version went back (a restored database): nothing kept is served
    assert await cache.body("a", builder("a@1 again", built), reader=OWNER) == "a@1 again"


async def test_a_body_built_while_the_version_moved_is_not_kept() -> None:
    versions = Versions()
    cache = AnalyticsPageCache(versions)
    other_request_done = asyncio.Event()

    async def slow_build() -> str:
        versions.value = 2  # a refresh commits while this body is built from rows...
        assert await cache.version() == 2  # ...and another request sees the new version
        other_request_done.set()
        return "built from version 1's read"

    assert await cache.body("a", slow_build, reader=OWNER) == "built from version 1's read"
    assert other_request_done.is_set()
    assert len(cache) == 0  # stamped with version 1, which is no longer current
    assert await cache.body("a", builder("a@2", []), reader=OWNER) == "a@2"


async def test_the_cache_is_bounded_in_entries_and_characters_least_recently_used_first() -> None:
    cache = AnalyticsPageCache(Versions(), max_entries=3, max_chars=10)
    for key in ("a", "b", "c"):
        await cache.body(key, builder(key * 2, []), reader=OWNER)
    await cache.body("a", builder("unused", []), reader=OWNER)  # "a" used: "b" is now the oldest
    await cache.body("d", builder("dd", []), reader=OWNER)
    assert len(cache) == 3
    assert await cache.body("b", builder("B", []), reader=OWNER) == "B"  # "b" was dropped
    assert await cache.body("a", builder("unused", []), reader=OWNER) == "aa"  # "a" was not
    await cache.body(
        "big", builder("x" * 9, []), reader=OWNER
    )  # over the characters: older ones go
    assert (
        len(cache) == 1 and await cache.body("big", builder("unused", []), reader=OWNER) == "x" * 9
    )
    await cache.body(
        "huge", builder("y" * 11, []), reader=OWNER
    )  # larger than the whole cache: not kept
    assert await cache.body("huge", builder("y-rebuilt", []), reader=OWNER) == "y-rebuilt"


async def test_a_kept_body_is_refused_to_a_reader_without_the_analytics_permission() -> None:
    versions, built = Versions(), []
    cache = AnalyticsPageCache(versions)
    assert await cache.body("a", builder("a@1", built), reader=OWNER) == "a@1"
    with pytest.raises(PermissionDenied):
        await cache.body("a", builder("never", built), reader=SUPPORT)
    assert built == ["a@1"]
