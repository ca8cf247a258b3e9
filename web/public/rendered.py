"""Rendered HTML kept beside the read model it shows: the pricing page's ``#pricing`` region, and
whole storefront pages (``/pricing``, the checkout page, the checkout summary) with their
per-request values left as holes.

The pricing page's read model is built once per catalog snapshot and set of inputs
(``domain/catalog/service.py``, ``show_cached_pricing_page``); rendering it is most of what is
left of a request, so its HTML is kept too. An entry is reused only while the use case hands back
the very same read-model object (identity), or, for read models built per request (the checkout
page and summary: a promotion code's counts, today's date), one equal to it (value equality of
frozen dataclasses): a catalog change makes a new snapshot, hence new or different read models,
hence a fresh render in every process, with no version to compare here. The key holds
everything else the HTML depends on: the template, the inputs as typed, the messages, the path
and query string, the display (language, locale, digits, calendar).

Whole pages (``cached_page``) are rendered with a marker in place of the request's CSRF token
(``csrf_token()`` and ``csrf_input``) and of any other per-request value the caller names (the
checkout token), and the real values are put back in the kept HTML for each response: the bytes
are those the template would have rendered. Only what reads nothing else of the request is
kept: an anonymous visitor (``signed_in_viewer()`` is None) with no flash message queued (the
page would pop it), a token made of URL-safe characters (escaping leaves it as is). Anything else
renders as before. Keep it so when editing the templates these pages use: a value taken from
the request or the session must be in the key or a hole. A request answered with a kept page is
marked (``KEPT_STATE``): ``web/public/fast_path.py`` sends only such answers.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.template.base import csrf_token
from markupsafe import Markup

from domain.adapters.i18n import display_of
from web.auth.session import viewer

LIMIT = 512  # entries per process (the inputs are the visitors': bounded, cleared when full)

# never a real token: what a token is replaced with while a page is rendered for keeping
CSRF_HOLE = "csrfhole" + secrets.token_hex(16)
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")  # what escaping leaves unchanged


class RenderedRegions:
    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._entries: dict[Hashable, tuple[object, str]] = {}
        self.renders = 0  # entries rendered so far (for tests)

    def get(
        self,
        key: Hashable,
        model: object,
        render: Callable[[], str],
        *,
        same: Callable[[object, object], bool] = operator.is_,
    ) -> Markup:
        """The HTML for ``key`` as rendered from ``model``; ``render()`` when there is none, or
        when it was rendered from another read model (``same``: identity by default)."""
        entry = self._entries.get(key)
        if entry is not None and (entry[0] is model or same(entry[0], model)):
            return Markup(entry[1])  # noqa: S704 - rendered by the autoescaping environment
        html = render()
        self.renders += 1
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (model, html)
        return Markup(html)  # noqa: S704 - rendered by the autoescaping environment

    def clear(self) -> None:
        self._entries.clear()


PRICING_REGIONS = RenderedRegions()
PAGES_STATE = "rendered_pages"  # the app's whole pages, with holes (``cached_page``)
KEPT_STATE = "kept_page"  # set in a request's state when it was answered with a kept page


def pages_of(app: Any) -> RenderedRegions:
    """The app's kept pages (one set per app: they carry its settings, e.g. signed summaries)."""
    pages = app.state.get(PAGES_STATE)
    if pages is None:
        pages = app.state[PAGES_STATE] = RenderedRegions()
    return pages  # type: ignore[no-any-return]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def same_by_date(timezone: str) -> Callable[[object, object], bool]:
    """Whether two read models (dataclasses, lists, tuples, dicts) show the same thing in pages
    that show their instants as dates only in ``timezone`` (the checkout summary:
    ``date_local("date")``): equal values of the same types, instants equal when their dates
    are, in order. One object is equal to itself without a look inside (the catalog snapshot's
    plans and add-ons, shared by every read model built from one snapshot, are immutable)."""
    zone = ZoneInfo(timezone)

    def same(a: Any, b: Any) -> bool:
        if a is b:
            return True
        if type(a) is not type(b):
            return False
        if isinstance(a, datetime):
            return bool(a.astimezone(zone).date() == b.astimezone(zone).date())
        if dataclasses.is_dataclass(a):
            return all(same(getattr(a, n), getattr(b, n)) for n in _field_names(type(a)))
        if isinstance(a, list | tuple):
            return len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, dict):
            return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
        return bool(a == b)

    return same


def keepable(request: Request[Any, Any, Any]) -> bool:
    """Whether this request's page may be served from (and kept in) the kept pages: an anonymous
    visitor, no flash message waiting, a CSRF token escaping leaves as it is."""
    if viewer(request) is not None:
        return False
    session = request.scope.get("session")
    if isinstance(session, dict) and session.get("_messages"):
        return False
    token = csrf_token({"request": request})
    return not token or _PLAIN.fullmatch(token) is not None


Context = Mapping[str, Any] | Callable[[], Mapping[str, Any]]  # a callable: made only to render


def _render_with_holes(
    request: Request[Any, Any, Any], template_name: str, context: Context
) -> str:
    """The page as Litestar's ``Template`` response renders it, with ``CSRF_HOLE`` for the
    request's CSRF token (the token given to the template context shadows the global)."""
    engine = request.app.template_engine
    assert engine is not None
    return str(
        engine.get_template(template_name).render(
            **(context() if callable(context) else context),
            request=request,
            csrf_input=f'<input type="hidden" name="_csrf_token" value="{CSRF_HOLE}" />',
            csrf_token=lambda: CSRF_HOLE,
        )
    )


def cached_page(
    request: Request[Any, Any, Any],
    template_name: str,
    context: Context,
    *,
    key: Hashable,
    model: object,
    same: Callable[[object, object], bool] = operator.is_,
    holes: Mapping[str, str] | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response[bytes]:
    """``template_name`` rendered with ``context`` (or what ``context()`` gives: called only when
    the page is rendered) (call only when ``keepable(request)``), from
    the app's kept pages when it was rendered for the same key from the same ``model``; ``holes`` maps each
    marker the context carries to this request's value (each marker must be URL-safe and
    appear nowhere else)."""
    full_key = (
        template_name,
        key,
        request.scope["path"],
        request.scope.get("query_string", b""),
        display_of({"request": request}),
    )
    html = str(
        pages_of(request.app).get(
            full_key, model, lambda: _render_with_holes(request, template_name, context), same=same
        )
    )
    request.scope["state"][KEPT_STATE] = True  # the fast path may use it (fast_path.py)
    html = html.replace(CSRF_HOLE, csrf_token({"request": request}))
    for marker, value in (holes or {}).items():
        html = html.replace(marker, value)
    return Response(
        content=html.encode(),
        status_code=status_code,
        headers=dict(headers or {}),
        media_type=MediaType.HTML,
    )
