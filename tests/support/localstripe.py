"""localstripe in-process: memory only, on 127.0.0.1, in a thread with its own event loop.

localstripe's own command binds every interface and pickles its store to /tmp on every change;
here the pickling is switched off and the aiohttp app is served from a loopback socket. Two
small additions make it closer to Stripe for our adapter, each said out loud:

* **Idempotency keys.** localstripe ignores ``Idempotency-Key``. A middleware replays the first
  response to a POST for a key, as Stripe documents (the same key with other parameters is an
  ``idempotency_error``), and records the keys it saw, so a test can prove the adapter sends them.
* **PaymentIntent ``description``.** Stripe accepts it; localstripe rejects any unknown field with
  400 "Unexpected description". The shim keeps it on the object.

Everything else is localstripe as published.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_patched = False


def _patch_localstripe() -> None:
    """Memory-only store and PaymentIntent ``description`` (once per process)."""
    global _patched
    if _patched:
        return
    from localstripe import resources

    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None

    original_init = resources.PaymentIntent.__init__

    def init_with_description(self: Any, *args: Any, description: Any = None, **kw: Any) -> None:
        original_init(self, *args, **kw)
        self.description = description

    resources.PaymentIntent.__init__ = init_with_description
    _patched = True


@dataclass
class _Replay:
    path: str
    body: bytes
    status: int
    response_body: bytes
    content_type: str


@dataclass
class LocalStripe:
    """A running localstripe; ``api_base`` is what ``StripeGateway(api_base=...)`` takes."""

    host: str = "127.0.0.1"
    port: int = 0
    idempotency_keys_seen: list[str] = field(default_factory=list)
    _replays: dict[str, _Replay] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        _patch_localstripe()
        from localstripe.server import app

        if self._idempotency not in app.middlewares:
            app.middlewares.insert(0, self._idempotency)  # outermost: sees final responses

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def serve() -> None:
            self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
            await self._runner.setup()
            await web.SockSite(self._runner, sock).start()
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="localstripe", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("localstripe did not start within 10 s")

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None or self._thread is None:
            return

        async def shutdown() -> None:
            await runner.cleanup()
            # localstripe schedules webhook deliveries a second ahead; drop the ones still waiting
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = self._runner = self._thread = None

    # -- state --------------------------------------------------------------------------------
    def wipe(self) -> None:
        """Forget every object, webhook endpoint and idempotency key."""
        from localstripe import webhooks

        request = urllib.request.Request(f"{self.api_base}/_config/data", method="DELETE")
        with urllib.request.urlopen(request, timeout=5) as response:  # loopback only
            assert response.status == 200
        webhooks._webhooks.clear()  # DELETE /_config/data keeps the webhook endpoints
        assert self._loop is not None
        # deliveries still waiting from the previous test would reach this test's endpoints
        asyncio.run_coroutine_threadsafe(_cancel_webhook_deliveries(), self._loop).result(5)
        self._replays.clear()
        self.idempotency_keys_seen.clear()

    def add_webhook(self, endpoint_id: str, url: str, secret: str) -> None:
        data = json.dumps({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(
            f"{self.api_base}/_config/webhooks/{endpoint_id}",
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    # -- Stripe's idempotency, which localstripe lacks ----------------------------------------
    @web.middleware
    async def _idempotency(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        self.idempotency_keys_seen.append(key)
        body = await request.read()  # aiohttp caches it for the handler
        seen = self._replays.get(key)
        if seen is not None:
            if (seen.path, seen.body) != (request.path, body):
                error = {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with.",
                }
                return web.json_response({"error": error}, status=400)
            return web.Response(
                body=seen.response_body,
                status=seen.status,
                content_type=seen.content_type,
                headers={"Idempotent-Replayed": "true"},
            )
        response = await handler(request)
        if isinstance(response, web.Response) and isinstance(response.body, bytes):
            self._replays[key] = _Replay(
                request.path, body, response.status, response.body, response.content_type
            )
        return response


async def _cancel_webhook_deliveries() -> None:
    waiting = [
        t
        for t in asyncio.all_tasks()
        if t.get_coro().__qualname__ == "_send_webhook"  # type: ignore[union-attr]
    ]
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
