"""Parse HTML responses and find elements by ``data-testid`` (never assert on raw markup)."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag


def parse(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def by_testid(doc: BeautifulSoup | Tag, testid: str) -> list[Tag]:
    return list(doc.select(f'[data-testid="{testid}"]'))


def one(doc: BeautifulSoup | Tag, selector: str) -> Tag:
    found = doc.select(selector)
    assert len(found) == 1, f"expected one {selector!r}, found {len(found)}"
    return found[0]


def text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def csrf_token(html: str) -> str:
    """The page's CSRF token (from the ``hx-headers`` on <body>), for posting its forms."""
    import json

    body = parse(html).find("body")
    assert isinstance(body, Tag), "no <body> in the page"
    return str(json.loads(str(body["hx-headers"]))["X-CSRFToken"])
