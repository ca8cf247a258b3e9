"""The per-process promotion cache: a code is read once per promotions version, every code is
dropped when the version moves, and a code read at a newer version than the one checked is not
kept under the older one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing.coupons import CouponDuration
from domain.promotions.cache import PromotionCache
from domain.promotions.model import Promotion, PromotionCode, StoredCoupon

pytestmark = pytest.mark.unit


def _promotion(code: str, times_redeemed: int = 0) -> Promotion:
    coupon = StoredCoupon(code, code.title(), CouponDuration.ONCE, percent_off=Decimal(10))
    return Promotion(PromotionCode(code, code, code, times_redeemed=times_redeemed), coupon)


class Store:
    """The database as the cache sees it: a version and the codes stored at it."""

    def __init__(self) -> None:
        self.version = 1
        self.codes: dict[str, Promotion] = {"SAVE10": _promotion("SAVE10")}
        self.loaded: list[str] = []
        self.write_during_load = False

    async def current(self) -> int:
        return self.version

    async def load(self, code: str) -> tuple[int, Promotion | None]:
        read_at = self.version  # the version first, then the rows
        if self.write_during_load:  # a write commits between the two reads
            self.write_during_load = False
            self.version += 1
            self.codes[code] = _promotion(code, times_redeemed=1)
        self.loaded.append(code)
        return read_at, self.codes.get(code)


def _cache(store: Store, limit: int = 512) -> PromotionCache:
    return PromotionCache(current_version=store.current, load=store.load, limit=limit)


async def test_a_code_is_read_once_per_version_in_any_case() -> None:
    store = Store()
    cache = _cache(store)
    found = await cache.find("save10")
    assert found is not None and found.code.code == "SAVE10"
    assert await cache.find(" SAVE10 ") is found
    assert await cache.find("NOPE") is None
    assert await cache.find("nope") is None  # an unknown code is kept too
    assert store.loaded == ["SAVE10", "NOPE"]
    assert await cache.find("") is None and await cache.find("X" * 41) is None
    assert store.loaded == ["SAVE10", "NOPE"]  # never looked up


async def test_every_code_is_read_again_once_the_version_moves() -> None:
    store = Store()
    cache = _cache(store)
    assert await cache.find("SAVE10") is not None
    assert await cache.find("NEW5") is None
    store.version += 1  # staff add NEW5 and an order redeems SAVE10
    store.codes["NEW5"] = _promotion("NEW5")
    store.codes["SAVE10"] = _promotion("SAVE10", times_redeemed=1)
    new = await cache.find("NEW5")
    assert new is not None
    saved = await cache.find("SAVE10")
    assert saved is not None and saved.code.times_redeemed == 1
    assert store.loaded == ["SAVE10", "NEW5", "NEW5", "SAVE10"]


async def test_a_code_read_during_a_write_is_never_kept_under_the_older_version() -> None:
    store = Store()
    cache = _cache(store)
    store.write_during_load = True  # the load's version read sees 1; the rows are newer
    await cache.find("SAVE10")
    # held at version 1 (rows at least as new); the next check sees 2 and reads again
    found = await cache.find("SAVE10")
    assert found is not None and found.code.times_redeemed == 1
    assert store.loaded == ["SAVE10", "SAVE10"]
    assert await cache.find("SAVE10") is found
    assert store.loaded == ["SAVE10", "SAVE10"]


async def test_the_codes_kept_are_bounded() -> None:
    store = Store()
    cache = _cache(store, limit=2)
    for code in ("A1", "A2", "A3", "A1"):
        await cache.find(code)
    assert store.loaded == ["A1", "A2", "A3", "A1"]  # full at A3: cleared, A1 read again
