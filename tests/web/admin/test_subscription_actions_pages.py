"""Subscription actions through the pages: the record's subscription menu offers what fits the
subscription's state, cancel/uncancel/pause/resume previews and confirms work with and without
htmx, bad input shows its message, and the subscriber's portal shows what staff did."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.shared.clock import FrozenClock
from tests.support.accounts import sign_in
from tests.support.html import by_testid, parse, text
from tests.support.portal_history import make_subscriber
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


def _menu(page: str) -> list[str]:
    """The subscription's lifecycle actions in its menu (coupons are offered beside them)."""
    return [a["data-testid"].removeprefix("action-") for a in parse(page).select(
        '[data-testid="customer-subscriptions"] [data-testid^="action-subscription."]')
        if "coupon" not in a["data-testid"]]  # fmt: skip


def _confirm_form(page: str) -> dict[str, str]:
    doc = parse(page)
    return {i["name"]: i.get("value", "") for i in doc.select('[data-testid="confirm-form"] input')}


async def test_support_cancels_at_period_end_undoes_it_pauses_and_resumes(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada Lovelace")
    member = await make_staff(app.state.runtime.uow, clock, role="support", email="s@example.com")
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    record_url = f"/admin/customers/{ada.customer_id}"
    base = f"{record_url}/actions"
    sub = ada.subscription_id

    assert _menu((await client.get(record_url)).text) == [
        "subscription.pause", "subscription.cancel",
    ]  # fmt: skip

    cancel = f"{base}/subscription.cancel/{sub}"
    fragment = await client.get(cancel + "?when=period_end&refund=none",
                                headers={"HX-Request": "true"})  # fmt: skip
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "at the end of the period" in text(by_testid(parse(fragment.text), "action-preview")[0])
    bad = await client.get(cancel + "?when=period_end&refund=prorated_refund")
    assert bad.status_code == 200 and "nothing to refund" in bad.text
    page = await client.get(cancel + "?when=period_end&refund=none")
    form = _confirm_form(page.text)
    assert form["when"] == "period_end" and form["agreement"]
    no_reason = await client.post(cancel, data={**form, "reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    done = await client.post(cancel, data={**form, "reason": "Asked by phone"})
    assert done.status_code == 303 and done.headers["location"] == record_url
    record = await client.get(record_url)
    assert "Cancels at period end" in record.text and "ends on" in record.text  # the flash
    assert _menu(record.text) == [
        "subscription.uncancel", "subscription.pause", "subscription.cancel",
    ]  # fmt: skip

    uncancel = f"{base}/subscription.uncancel/{sub}"
    page = await client.get(uncancel)
    assert "Nothing is charged now" in page.text
    done = await client.post(uncancel, data={**_confirm_form(page.text), "reason": "Changed mind"})
    assert done.status_code == 303
    assert "Cancels at period end" not in (await client.get(record_url)).text

    pause = f"{base}/subscription.pause/{sub}"
    refused = await client.get(pause + "?periods=until&until=yesterday")
    assert "YYYY-MM-DD" in refused.text
    page = await client.get(pause + "?periods=1")
    done = await client.post(pause, data={**_confirm_form(page.text), "reason": "Travelling"})
    assert done.status_code == 303
    record = await client.get(record_url)
    assert _menu(record.text) == ["subscription.resume", "subscription.cancel"]

    audit = await client.get("/admin/audit")
    for code in ("subscription.cancel", "subscription.uncancel", "subscription.pause"):
        assert code in audit.text

    # the subscriber sees the pause in the portal (the same client: another cookie path)
    assert (await sign_in(client, ada.email)).status_code == 303
    portal = await client.get(f"/account/subscriptions/{sub}")
    assert portal.status_code == 200 and by_testid(parse(portal.text), "paused")

    clock.advance(hours=3)
    resume = f"{base}/subscription.resume/{sub}"
    page = await client.get(resume)
    assert "Nothing is invoiced now" in page.text
    done = await client.post(resume, data={**_confirm_form(page.text), "reason": "Back early"})
    assert done.status_code == 303
    assert _menu((await client.get(record_url)).text) == [
        "subscription.pause", "subscription.cancel",
    ]  # fmt: skip
    portal = await client.get(f"/account/subscriptions/{sub}")
    assert not by_testid(parse(portal.text), "paused")
