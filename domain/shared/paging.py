"""Cursor pages over an ordered list (the API's ``?limit=&starting_after=``): the items after
the one whose id is the cursor, at most ``limit`` of them, and whether more follow. A cursor
that is not in the list is refused (``api.bad_cursor``), never read as "from the start"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.shared.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    has_more: bool
    next_cursor: str | None


def bad_cursor(what: str) -> ValidationFailed:
    return ValidationFailed({"starting_after": f"Not {what} in this list."}, code="api.bad_cursor")


def page_after(
    items: Sequence[T], *, id_of: Callable[[T], str], after: str | None, limit: int, what: str
) -> Page[T]:
    """The page of ``items`` (already in their order) after the item with id ``after``."""
    limit = min(max(1, limit), MAX_LIMIT)
    start = 0
    if after is not None:
        ids = [id_of(i) for i in items]
        if after not in ids:
            raise bad_cursor(what)
        start = ids.index(after) + 1
    chosen = tuple(items[start : start + limit])
    more = start + limit < len(items)
    return Page(chosen, more, id_of(chosen[-1]) if more and chosen else None)


def page_of_rows(rows: Sequence[T], *, id_of: Callable[[T], str], limit: int) -> Page[T]:
    """A page from ``limit + 1`` rows read after the cursor (keyset): the extra row says more
    follow."""
    chosen = tuple(rows[:limit])
    more = len(rows) > limit
    return Page(chosen, more, id_of(chosen[-1]) if more and chosen else None)
