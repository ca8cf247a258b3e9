"""The request guard (an app-wide ``before_request`` hook): the parts of a request no form spec
sees are checked before any handler, dependency or query runs. A path or query string with a
control character (``%00``), bytes that are not UTF-8, a path segment or query value longer than
any id, code or field of ours, or a header carrying a NUL answers 400 (an error page, or problem
details under /api/). Form bodies are checked field by field by ``web.forms``; their size by
``MAX_BODY_BYTES`` (413)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_to_bytes

from litestar import Request
from litestar.exceptions import ClientException

from domain.shared.text import has_control_characters

MAX_SEGMENT = 200  # ids are 36 characters, e-mailed secrets 43, plan codes 64
MAX_QUERY_VALUE = 4_000  # a provider's authorization code (some are over 1,000), a return path
MAX_BODY_BYTES = 1_048_576  # our largest form (checkout) is a few kilobytes

UNREADABLE = "This address has characters we cannot read. Check the link and try again."
TOO_LONG = "This address is longer than any page of ours. Check the link and try again."


def _text(raw: bytes) -> str | None:
    """Percent-decoded UTF-8 without control characters, or None."""
    try:
        value = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if has_control_characters(value) else value


def check_request(scope: dict[str, Any]) -> None:
    raw_path = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    for segment in raw_path.split(b"/"):
        text = _text(segment)
        if text is None:
            raise ClientException(detail=UNREADABLE, status_code=400)
        if len(text) > MAX_SEGMENT:
            raise ClientException(detail=TOO_LONG, status_code=400)
    query: bytes = scope.get("query_string", b"")
    for pair in query.replace(b"+", b" ").split(b"&") if query else ():
        for part in pair.split(b"=", 1):
            text = _text(part)
            if text is None:
                raise ClientException(detail=UNREADABLE, status_code=400)
            if len(text) > MAX_QUERY_VALUE:
                raise ClientException(detail=TOO_LONG, status_code=400)
    for _, value in scope.get("headers", ()):
        if b"\x00" in value or b"\r" in value or b"\n" in value:
            raise ClientException(detail="A request header has characters we cannot read.",
                                  status_code=400)  # fmt: skip


async def guard_request(request: Request[Any, Any, Any]) -> None:
    check_request(request.scope)  # type: ignore[arg-type]
