"""One-time links, for both audiences (subscribers' e-mailed links in ``email_token``, staff's
``staff create --link`` in ``staff_token``): the secret travels in the link once, storage keeps
its digest as the token's id; a link works until it expires and only once, and a concurrent
redeem that lost is refused like a used link."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from domain.accounts.errors import BadToken
from domain.accounts.rules import digest, new_secret


class OneTimeToken(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def used_at(self) -> datetime | None: ...


T = TypeVar("T", bound=OneTimeToken)


def new_link_secret() -> tuple[str, str]:
    """A new link's secret (for the URL, shown once) and the token id stored for it."""
    secret = new_secret()
    return secret, digest(secret)


def usable(token: T | None, now: datetime, *, expired_message: str | None = None) -> T:
    """The token when its link still works; else ``BadToken`` (``expired_message`` when it only
    expired, if the audience says so)."""
    if token is None or token.used_at is not None:
        raise BadToken()
    if now >= token.expires_at:
        raise BadToken(expired_message) if expired_message else BadToken()
    return token


async def spend(
    use_token: Callable[[str, datetime], Awaitable[bool]], token: OneTimeToken, now: datetime
) -> None:
    """Mark the token used; ``BadToken`` when another request used it first."""
    if not await use_token(token.id, now):
        raise BadToken()
