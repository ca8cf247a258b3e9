"""Rendered regions kept beside the read model they show (the pricing page's ``#pricing``).

The pricing page's read model is built once per catalog snapshot and set of inputs
(``domain/catalog/service.py``, ``show_cached_pricing_page``); rendering it is most of what is
left of a request, so its HTML is kept too. An entry is reused only while the use case hands back
the very same read-model object (identity, not equality): a catalog change makes a new snapshot,
hence new read models, hence a fresh render, with no version to compare here. The key holds
everything else the region's HTML depends on: the template, the inputs as typed, the messages,
the page's path and the display (language, locale, digits, calendar). The region reads nothing
else of the request (no session, CSRF token or time): keep it so when editing
``templates/public/_pricing.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from markupsafe import Markup

LIMIT = 512  # entries per process (the inputs are the visitors': bounded, cleared when full)


class RenderedRegions:
    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._entries: dict[Hashable, tuple[object, Markup]] = {}

    def get(self, key: Hashable, model: object, render: Callable[[], str]) -> Markup:
        """The region's HTML for ``key`` as rendered from ``model``; ``render()`` when there is
        none, or when it was rendered from another object."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] is model:
            return entry[1]
        html = Markup(render())  # noqa: S704 - rendered by the autoescaping environment
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (model, html)
        return html


PRICING_REGIONS = RenderedRegions()
