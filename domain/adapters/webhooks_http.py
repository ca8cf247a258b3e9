"""The webhook sender on httpx: one POST, no redirects followed, a short timeout, the answer's
first kilobyte kept. Outside development the host's addresses are resolved first and a private,
loopback or link-local one is refused (the endpoint URL was checked when saved, but a public
name may later point inside)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from urllib.parse import urlsplit

import httpx

from domain.webhooks_out.model import EXCERPT_BYTES, SendResult
from domain.webhooks_out.urls import is_public_address


class HttpxWebhookSender:
    def __init__(self, *, allow_local: bool) -> None:
        self.allow_local = allow_local

    async def _refused(self, url: str) -> str | None:
        if self.allow_local:
            return None
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
            except OSError as exc:
                return f"DNS lookup failed: {exc}"
            addresses = [str(info[4][0]) for info in infos]
        if not addresses or not all(is_public_address(a) for a in addresses):
            return "The host resolves to a private or reserved address."
        return None

    async def post(
        self, url: str, *, body: bytes, headers: dict[str, str], timeout_s: float
    ) -> SendResult:
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        refused = await self._refused(url)
        if refused:
            return SendResult(None, elapsed(), error=refused)
        try:
            async with (
                httpx.AsyncClient(follow_redirects=False, timeout=timeout_s) as client,
                client.stream("POST", url, content=body, headers=headers) as response,
            ):
                raw = b""
                async for chunk in response.aiter_bytes():
                    raw += chunk
                    if len(raw) >= EXCERPT_BYTES:
                        break
            text = raw[:EXCERPT_BYTES].decode("utf-8", "replace")
            return SendResult(response.status_code, elapsed(), body_excerpt=text)
        except httpx.TimeoutException:
            return SendResult(None, elapsed(), error=f"No answer within {timeout_s:g} s.")
        except httpx.HTTPError as exc:
            return SendResult(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:500])
