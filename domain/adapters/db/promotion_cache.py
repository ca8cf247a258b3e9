"""The process's promotion cache on Piccolo (``domain/promotions/cache.py``): a code is read with
its coupon in one read transaction, the promotions' version first; the per-request version
check has a connection of its own (``catalog_cache.version_probe``, as the catalog's)."""

from __future__ import annotations

from collections.abc import Callable

from piccolo.engine.base import Engine

from domain.adapters.db.catalog_cache import VersionProbe, version_probe
from domain.adapters.db.repositories.promotions_version import (
    VERSION_SQL,
    read_promotions_version,
)
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.promotions.cache import PromotionCache
from domain.promotions.model import Promotion
from domain.promotions.redemption import find_promotion


def promotions_probe(engine: Engine) -> VersionProbe:
    """The promotions' version read per request on a connection of its own."""
    return version_probe(engine, VERSION_SQL, read_promotions_version)


def piccolo_promotion_cache(
    read_uow: Callable[[], PiccoloUnitOfWork], probe: VersionProbe
) -> PromotionCache:
    """The cache; ``probe`` reads the version per request (the app closes it at shutdown)."""

    async def load(code: str) -> tuple[int, Promotion | None]:
        async with read_uow() as uow:
            version = await read_promotions_version()  # first: the rows are at least this new
            return version, await find_promotion(uow, code)

    return PromotionCache(current_version=probe, load=load)
