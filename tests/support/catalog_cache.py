"""The app's catalog cache (``domain/catalog/cache.py``) over an in-memory unit of work, for
service tests of the cached use cases the pages call (``show_cached_pricing_page``)."""

from __future__ import annotations

from domain.catalog.cache import CatalogCache
from domain.catalog.snapshot import CatalogSnapshot, read_catalog_in
from tests.fakes import InMemoryUnitOfWork


def memory_catalog_cache(uow: InMemoryUnitOfWork) -> CatalogCache:
    """A cache whose version moves with every check: each snapshot is read from ``uow`` as it
    stands (a write made through ``uow`` is on the next page, as the version row makes it in
    the database)."""
    version = 0

    async def current_version() -> int:
        nonlocal version
        version += 1
        return version

    async def load() -> CatalogSnapshot:
        async with uow:
            return await read_catalog_in(uow, version=version)

    return CatalogCache(current_version=current_version, load=load)
