"""/admin/dunning through the real forms: every role reads the policy and its timeline; billing
previews a change and saves exactly what was previewed (signed), audited with before and after;
bad input and a forged or stale preview write nothing; viewers and support cannot change it."""

from __future__ import annotations

import json

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import DunningPolicyTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

NEW = {"retry_days": "2, 4, 9", "final_subscription_action": "unpaid",
       "final_invoice_action": "open"}  # fmt: skip


def said(tag: object) -> str:
    """A sentence's text as read (the helper puts a space after every <strong>)."""
    return text(tag).replace(" ,", ",").replace(" .", ".")  # type: ignore[arg-type]


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin/dunning")).text)


async def _changes() -> list[dict[str, object]]:
    rows = await AuditEntryTable.select().where(AuditEntryTable.action == "dunning_policy.changed")
    return [{k: json.loads(r[k]) if isinstance(r[k], str) else r[k] for k in ("before", "after")}
            for r in rows]  # fmt: skip


async def test_billing_previews_and_saves_exactly_what_was_previewed(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    page = parse((await client.get("/admin/dunning")).text)
    # the clock is Jan 31, 2024: retries on days 1, 3, 5 and 7 by default
    sentence = said(by_testid(page, "current-timeline-sentence")[0])
    assert "fails on Jan 31, 2024" in sentence
    assert "Feb 1, 2024, Feb 3, 2024, Feb 5, 2024 and Feb 7, 2024" in sentence
    assert "subscription is canceled and the invoice marked uncollectible" in sentence
    assert "0 unpaid invoices" in text(by_testid(page, "open-cases")[0])
    assert by_testid(page, "policy-form")[0].select_one("#f-retry_days")["value"] == "1, 3, 5, 7"

    shown = await client.post("/admin/dunning/preview", data={**NEW, "_csrf_token": token})
    assert shown.status_code == 200
    preview = parse(shown.text)
    shown_text = said(by_testid(preview, "preview-timeline-sentence")[0])
    assert "retried on Feb 2, 2024, Feb 4, 2024 and Feb 9, 2024" in shown_text
    assert "subscription is marked unpaid" in shown_text and "invoice left open" in shown_text
    assert "No payment is in dunning now" in text(by_testid(preview, "preview-open-cases")[0])
    agreement = by_testid(preview, "confirm-form")[0].select_one('input[name="agreement"]')
    assert await DunningPolicyTable.count() == 0, "a preview writes nothing"

    # a forged or missing agreement is refused
    for forged in ("", agreement["value"][:-2] + "00", "garbage.x"):
        refused = await client.post("/admin/dunning",
                                    data={"agreement": forged, "_csrf_token": token})  # fmt: skip
        assert refused.status_code == 422 and "Preview the change first" in refused.text
    assert await DunningPolicyTable.count() == 0

    saved = await client.post(
        "/admin/dunning", data={"agreement": agreement["value"], "_csrf_token": token}
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/dunning"
    [row] = await DunningPolicyTable.select()
    days = row["retry_days"]
    assert (json.loads(days) if isinstance(days, str) else days) == [2, 4, 9]
    assert (row["final_subscription_action"], row["final_invoice_action"]) == ("unpaid", "open")
    assert await _changes() == [
        {
            "before": {"retry_days": [1, 3, 5, 7], "final_subscription_action": "cancel",
                       "final_invoice_action": "uncollectible"},
            "after": {"retry_days": [2, 4, 9], "final_subscription_action": "unpaid",
                      "final_invoice_action": "open"},
        }
    ]  # fmt: skip
    after = parse((await client.get("/admin/dunning")).text)
    assert "marked unpaid" in text(by_testid(after, "current-timeline-sentence")[0])
    assert "dunning policy is saved" in text(after)

    # the same preview confirmed again is stale: the policy changed since; the page previews again
    stale = await client.post(
        "/admin/dunning", data={"agreement": agreement["value"], "_csrf_token": token}
    )
    assert stale.status_code == 409 and "changed since this preview" in stale.text
    assert by_testid(parse(stale.text), "unchanged"), "the new preview: nothing left to save"
    assert len(await _changes()) == 1

    # previewing the policy as it is offers nothing to save
    same = parse((await client.post("/admin/dunning/preview",
                                     data={**NEW, "_csrf_token": token})).text)  # fmt: skip
    assert by_testid(same, "unchanged") and not by_testid(same, "confirm-form")


async def test_bad_input_re_renders_the_form_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for change, field, message in (
        ({"retry_days": ""}, "retry_days", "at least one retry day"),
        ({"retry_days": "1, 2, 70"}, "retry_days", "1 to 60 days"),
        ({"retry_days": "7, 3"}, "retry_days", "increasing order"),
        ({"retry_days": "1 2 3 4 5 6 7 8 9"}, "retry_days", "at most 8 retries"),
        ({"retry_days": "1\x00"}, "retry_days", "special characters"),
        ({"retry_days": "1," * 60}, "retry_days", "at most 100 characters"),
        ({"final_subscription_action": "delete"}, "final_subscription_action", "Choose what"),
        ({"final_invoice_action": ["open", 3]}, "final_invoice_action", "Choose what"),
    ):
        answer = await client.post("/admin/dunning/preview",
                                   data={**NEW, **change, "_csrf_token": token})  # fmt: skip
        assert answer.status_code == 422, change
        assert message in answer.text, change
        doc = parse(answer.text)
        assert doc.select_one(f"#f-{field}")["aria-invalid"] == "true", change
        assert not by_testid(doc, "confirm-form")
    assert await DunningPolicyTable.count() == 0 and await _changes() == []


async def test_viewers_and_support_read_but_cannot_change(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    for role in ("viewer", "support"):
        async with serve(app) as other:
            token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            page = parse((await other.get("/admin/dunning")).text)
            assert by_testid(page, "current-timeline") and not by_testid(page, "policy-form")
            preview = await other.post("/admin/dunning/preview",
                                       data={**NEW, "_csrf_token": token})  # fmt: skip
            assert preview.status_code == 403
            save = await other.post("/admin/dunning", data={"agreement": "x", "_csrf_token": token})
            assert save.status_code == 403
    assert await DunningPolicyTable.count() == 0 and await _changes() == []
