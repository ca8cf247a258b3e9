"""The httpx sender against a real receiver on 127.0.0.1: one POST with the headers and body
given, a redirect is an answer (not followed, not a success), the answer's first kilobyte is
kept; outside development a loopback or private address is refused before connecting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domain.adapters.webhooks_http import HttpxWebhookSender
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = await WebhookReceiver().start()
    yield server
    await server.stop()


async def test_one_post_no_redirect_followed_and_a_kilobyte_kept(receiver: WebhookReceiver) -> None:
    sender = HttpxWebhookSender(allow_local=True)
    receiver.answer = b"x" * 5000
    sent = await sender.post(receiver.url, body=b'{"a":1}', headers={"webhook-id": "evt_1"},
                             timeout_s=5)  # fmt: skip
    assert sent.ok and sent.status_code == 200 and sent.error is None
    assert len(sent.body_excerpt) == 1024
    [request] = receiver.requests
    assert request.method == "POST" and request.body == b'{"a":1}'
    assert request.headers["webhook-id"] == "evt_1"
    receiver.status = 302  # its location points elsewhere: never followed
    moved = await sender.post(receiver.url, body=b"{}", headers={}, timeout_s=5)
    assert moved.status_code == 302 and not moved.ok
    assert len(receiver.requests) == 2


async def test_production_refuses_loopback_and_private_addresses(receiver: WebhookReceiver) -> None:
    sender = HttpxWebhookSender(allow_local=False)
    for url in (receiver.url, f"http://localhost:{receiver.port}/", "https://10.0.0.1/hook"):
        refused = await sender.post(url, body=b"{}", headers={}, timeout_s=5)
        assert refused.status_code is None and refused.error, url
        assert "private or reserved" in refused.error or "DNS" in refused.error, url
    assert receiver.requests == []


async def test_a_closed_port_is_an_error_not_an_exception() -> None:
    sender = HttpxWebhookSender(allow_local=True)
    failed = await sender.post("http://127.0.0.1:9/hook", body=b"{}", headers={}, timeout_s=2)
    assert failed.status_code is None and failed.error and not failed.ok
