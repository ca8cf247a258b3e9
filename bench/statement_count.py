"""SQL statements counted at the driver (asyncpg), by kind, for a stretch of a benchmark.

PostgreSQL's own counter, ``pg_stat_statements``, needs the server started with it in
``shared_preload_libraries`` (``CREATE EXTENSION`` alone is not enough: reading the view then
fails with "must be loaded via shared_preload_libraries"), which a shared development server
is not. So the statements are counted where they are sent: while ``counting()`` is open, every
``Connection`` method that sends one (``execute``, ``fetch``, ``fetchrow``, ``fetchval``,
``fetchmany``, ``executemany``: one per row of arguments, the ``copy_*`` methods) adds one to
the kind named by its first keyword (``select``, ``insert``, ``begin``, ``commit``,
``savepoint``...). Pool connections are proxies that call the class's methods, so the pool's
statements count too, and so do the transaction statements asyncpg sends itself.

A task that should not count (the benchmark's own polling of the queue) runs that part inside
``with not_counted():``; tasks it starts there inherit that, those started before do not.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asyncpg.connection import Connection

_COUNTED: ContextVar[bool] = ContextVar("statements_counted", default=True)
_LABEL: ContextVar[str | None] = ContextVar("statements_label", default=None)
QUERY_METHODS = ("execute", "fetch", "fetchrow", "fetchval", "fetchmany")
COPY_METHODS = ("copy_records_to_table", "copy_to_table", "copy_from_table", "copy_from_query")
_KEYWORD = re.compile(r"[A-Za-z]+")
_ALIASES = {"start": "begin", "end": "commit", "release": "savepoint"}


def kind_of(query: str) -> str:
    """The statement's first keyword, lower case (``WITH ... INSERT`` stays ``with``)."""
    match = _KEYWORD.search(query)
    word = match.group(0).lower() if match else "other"
    return _ALIASES.get(word, word)


@contextmanager
def not_counted() -> Iterator[None]:
    """Statements this task sends inside the block (and those of tasks it starts there) are not
    counted."""
    token = _COUNTED.set(False)
    try:
        yield
    finally:
        _COUNTED.reset(token)


@contextmanager
def labelled(label: str) -> Iterator[None]:
    """Statements this task sends inside the block are also counted under ``label`` (the
    ``by_label`` counters of ``counting``): the renewal jobs' share of a run."""
    token = _LABEL.set(label)
    try:
        yield
    finally:
        _LABEL.reset(token)


@contextmanager
def counting(by_label: dict[str, Counter[str]] | None = None) -> Iterator[Counter[str]]:
    """Count statements by kind until the block ends; yields the live counter. ``by_label``:
    those sent inside ``labelled(label)`` are counted there too, by label and kind."""
    counts: Counter[str] = Counter()
    saved: dict[str, Callable[..., Any]] = {}

    def wrap(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        async def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
            if _COUNTED.get():
                if name in COPY_METHODS:
                    kind, n = "copy", 1
                elif name == "executemany":
                    kind, n = kind_of(args[0]), len(args[1]) if len(args) > 1 else 1
                else:
                    kind, n = kind_of(args[0]), 1
                counts[kind] += n
                label = _LABEL.get()
                if by_label is not None and label is not None:
                    by_label.setdefault(label, Counter())[kind] += n
            return await original(self, *args, **kwargs)

        return counted

    for name in (*QUERY_METHODS, "executemany", *COPY_METHODS):
        saved[name] = getattr(Connection, name)
        setattr(Connection, name, wrap(name, saved[name]))
    try:
        yield counts
    finally:
        for name, original in saved.items():
            setattr(Connection, name, original)
