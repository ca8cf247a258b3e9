"""What the cancellation e-mails say: a period-end cancellation is not "canceled" yet (the
subscription stays active until the date it names, and the e-mail links to undo it); undoing
it sends a confirmation; a cancellation that takes effect now says so."""

from __future__ import annotations

import pytest
from litestar import Litestar

from domain.adapters.db.tables import OutboxEmailTable
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import csrf_token
from tests.support.jobs import drain_jobs
from tests.web.conftest import serve
from tests.web.test_portal_subscriptions import _signed_in

pytestmark = pytest.mark.web


async def _emails(kind: str) -> list[dict[str, str]]:
    rows = await OutboxEmailTable.select(
        OutboxEmailTable.subject, OutboxEmailTable.text_body, OutboxEmailTable.html_body
    ).where(OutboxEmailTable.kind == kind)
    return list(rows)


async def _cancel(client, base: str, token: str, timing: str) -> None:  # type: ignore[no-untyped-def]
    done = await client.post(
        f"{base}/cancel",
        data={"_csrf_token": token, "reason": "not_using", "comment": "", "timing": timing},
    )
    assert done.status_code == 303, done.text


async def test_a_period_end_cancellation_says_when_it_ends_and_links_to_undo(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        token = csrf_token((await client.get(base)).text)
        await _cancel(client, base, token, "period_end")
        await drain_jobs(app)
        assert await _emails("subscription_canceled") == []
        (ending,) = await _emails("subscription_cancel_scheduled")
        # subscribed at the frozen clock's Jan 31, 2024: the monthly period ends Feb 29
        assert ending["subject"] == "Your Team subscription ends on Feb 29, 2024"
        for body in (ending["text_body"], ending["html_body"]):
            assert "has been canceled" not in body and "Resubscribe" not in body
            assert "active until Feb 29, 2024" in body
            assert f"http://127.0.0.1:8000{base}" in body  # where "Keep my subscription" is
        assert "Keep my subscription" in ending["html_body"]

        undo = await client.post(f"{base}/uncancel", data={"_csrf_token": token})
        assert undo.status_code == 303
        await drain_jobs(app)
        (kept,) = await _emails("subscription_cancel_undone")
        assert kept["subject"] == "Your Team subscription continues"
        assert "renews on Feb 29, 2024" in kept["text_body"]
        assert "renews on Feb 29, 2024" in kept["html_body"]


async def test_a_cancellation_now_says_it_is_canceled(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        sub = await _signed_in(client, app, clock)
        base = f"/account/subscriptions/{sub.subscription_id}"
        token = csrf_token((await client.get(base)).text)
        await _cancel(client, base, token, "immediate")
        await drain_jobs(app)
        (canceled,) = await _emails("subscription_canceled")
        assert "has been canceled" in canceled["text_body"]
        assert await _emails("subscription_cancel_scheduled") == []
