"""Each process's cache of the built analytics pages (issue 16, "Scale": the dashboard, the cohort
table and the subscriber metrics, their CSVs): what a page shows changes only when a refresh job
replaces a read model, so the page's body (its queries, its figures, its charts and tables and
their markup) is built once per read model version and reused until the next refresh.

**The key**: everything the body depends on besides the read models: the page, its checked
filters (range, bucket, plan, currency, country, measure), the configured reporting currency
and the reader's display (language, locale, digits, calendar, time zone). Nothing of the
signed-in member is in a body (the layout around it, with their name and navigation, is
rendered per request), and a page with refused filters (their messages, the text as typed) is
never kept.

**The version**: every replace of a read model raises ``analytics_version`` in its transaction
(``domain/adapters/db/repositories/analytics_version.py``); a new exchange rate or a ledger change
reaches the pages only through the next refresh, which raises it. Each request reads the version
(one indexed one-row read on a connection of its own, coalesced as the catalog cache's check is:
``domain/catalog/cache.py``, ``CoalescedRead``: never an answer read before the request arrived)
and is served a kept body only when it was built at that version; when the version read differs
from the one the kept bodies were built at, they are all dropped. A body is built from rows at
least as new as the version read first (the read model is read after it), and is kept only if
the version has not moved meanwhile. So after a refresh commits, every request in every process
sees the new figures; there is no time-to-live.

**Bounded**: at most ``max_entries`` bodies and ``max_chars`` characters (a five-year dashboard
is about 0.2 MB), least recently used dropped first.

Concurrent requests for the same missing body each build it (no single flight: a build takes
tens of milliseconds, and only the first requests after a refresh miss).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar, cast

from litestar import Request, Response
from markupsafe import Markup

from domain.catalog.cache import CoalescedRead
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

T = TypeVar("T", bound=str)  # a page's markup (``Markup``) or a CSV's text

MAX_ENTRIES = 512
MAX_CHARS = 64_000_000  # about 300 five-year dashboards


class AnalyticsPageCache:
    """The bodies of the analytics pages, kept per read model version (see the module)."""

    def __init__(
        self, current_version: Callable[[], Awaitable[int]], *, max_entries: int = MAX_ENTRIES,
        max_chars: int = MAX_CHARS,
    ) -> None:  # fmt: skip
        self._version = CoalescedRead(current_version)
        self._seen: int | None = None  # the version the kept bodies were built at
        self._bodies: OrderedDict[Hashable, str] = OrderedDict()
        self._chars = 0
        self.max_entries = max_entries
        self.max_chars = max_chars
        self.builds = 0  # bodies built so far (for tests and the benchmark)
        self.hits = 0

    def __len__(self) -> int:
        return len(self._bodies)

    async def version(self) -> int:
        """The read models' version now (read after the call began); the kept bodies are
        dropped when it is not the one they were built at."""
        version = await self._version()
        if version != self._seen:
            self._bodies.clear()
            self._chars = 0
            self._seen = version
        return version

    def get(self, key: Hashable, version: int) -> str | None:
        if version != self._seen:
            return None
        body = self._bodies.get(key)
        if body is not None:
            self._bodies.move_to_end(key)
            self.hits += 1
        return body

    def put(self, key: Hashable, version: int, body: str) -> None:
        """Keep ``body`` built at ``version``, unless the version moved while it was built."""
        if version != self._seen or len(body) > self.max_chars:
            return
        old = self._bodies.pop(key, None)
        if old is not None:
            self._chars -= len(old)
        self._bodies[key] = body
        self._chars += len(body)
        while len(self._bodies) > self.max_entries or self._chars > self.max_chars:
            _, dropped = self._bodies.popitem(last=False)
            self._chars -= len(dropped)

    async def body(
        self, key: Hashable, build: Callable[[], Awaitable[T]], *, reader: SignedInStaff
    ) -> T:
        """The body of ``key`` at the current version: kept, or built now (and kept). The
        reader's permission is the domain's rule, checked before anything kept is served (the
        build's use case checks it again)."""
        require(reader, Permission.ANALYTICS_READ)
        version = await self.version()
        kept = self.get(key, version)
        if kept is not None:
            return cast(T, kept)  # what ``build`` gave for this key
        built = await build()
        self.builds += 1
        self.put(key, version, built)
        return built

    async def body_unless_errors(
        self, key: Hashable, build: Callable[[], Awaitable[T]], *, reader: SignedInStaff,
        errors: Mapping[str, str],
    ) -> T:  # fmt: skip
        """``body``, except for a page showing messages and the text as typed: never kept,
        built each time."""
        if errors:
            return await build()
        return await self.body(key, build, reader=reader)


def render_body(request: Request[Any, Any, Any], template: str, context: Mapping[str, Any]
                ) -> Markup:  # fmt: skip
    """A page's body template rendered with ``context`` as the page's response would render it
    (the request in the context: its display gives the language, digits, calendar and zone)."""
    engine = request.app.template_engine
    assert engine is not None
    html = engine.get_template(template).render({**context, "request": request})
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment


def errors_as_text(errors: Mapping[str, str]) -> Response[str]:
    """A CSV export's refusal: one ``field: message`` line per error, 422."""
    text = "".join(f"{field}: {message}\n" for field, message in sorted(errors.items()))
    return Response(text, status_code=422, media_type="text/plain; charset=utf-8")
