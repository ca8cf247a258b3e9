"""The process's catalog cache on Piccolo (``domain/catalog/cache.py``): the version is the
``catalog_version`` row, a snapshot is read in one read transaction, the version first."""

from __future__ import annotations

from collections.abc import Callable

from domain.adapters.db.repositories.catalog_version import read_catalog_version
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.cache import CatalogCache
from domain.catalog.snapshot import CatalogSnapshot, read_catalog_in


def piccolo_catalog_cache(read_uow: Callable[[], PiccoloUnitOfWork]) -> CatalogCache:
    async def load() -> CatalogSnapshot:
        async with read_uow() as uow:
            version = await read_catalog_version()  # first: the rows are at least this new
            return await read_catalog_in(uow, version=version)

    return CatalogCache(current_version=read_catalog_version, load=load)
