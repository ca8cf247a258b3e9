"""Staff notes on the customer page (support writes, a viewer only reads; bad text re-renders
with its message, 422, htmx gets the panel; each note audited; on the timeline), and the
record's lists past the newest 50 (a pager: a full page without JavaScript, the list alone for
htmx)."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.shared.clock import FrozenClock
from domain.staff.model import SignedInStaff
from domain.support.notes import MAX_NOTE, add_note
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.portal_history import make_subscriber
from tests.support.staff import admin_sign_in, make_staff

pytestmark = pytest.mark.web


async def _signed_in(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str
) -> SignedInStaff:
    member = await make_staff(
        app.state.runtime.uow, clock, role=role, email=f"{role}@example.com", name=f"{role} one"
    )
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return SignedInStaff(member.id, member.email, member.name, member.role, "s")


async def test_support_adds_a_note_shown_on_the_panel_and_timeline_and_audited(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    await _signed_in(app, client, clock, "support")
    url = f"/admin/customers/{ada.customer_id}"
    page = await client.get(url)
    (panel,) = by_testid(parse(page.text), "customer-notes")
    assert "No notes yet" in text(panel) and panel.find("textarea")
    token = csrf_token(page.text)

    added = await client.post(
        url + "/notes", data={"_csrf_token": token, "body": "Refund promised.\nCall Friday."}
    )
    assert added.status_code == 303 and added.headers["location"] == url + "#notes"
    record = parse((await client.get(url)).text)
    (row,) = by_testid(record, "note-row")
    assert "Refund promised." in text(row) and "support one" in text(row)
    timeline = [text(t) for t in by_testid(record, "timeline-event")]
    assert any("Note by support one: Refund promised.…" in t for t in timeline)
    (entry,) = await AuditEntryTable.select().where(AuditEntryTable.action == "customer.note_added")
    assert entry["customer_id"] == ada.customer_id and entry["actor_email"] == "support@example.com"

    for bad, message in [
        ("   ", "Write the note first."),
        ("x" * (MAX_NOTE + 1), "at most"),
        ("a \x00 b", "special characters"),
    ]:
        refused = await client.post(url + "/notes", data={"_csrf_token": token, "body": bad})
        assert refused.status_code == 422, bad[:10]
        (error,) = by_testid(parse(refused.text), "note-error")
        assert message in text(error)
    fragment = await client.post(
        url + "/notes", data={"_csrf_token": token, "body": ""}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 422 and "<html" not in fragment.text
    assert 'id="notes"' in fragment.text
    assert await AuditEntryTable.count().where(
        AuditEntryTable.action == "customer.note_added"
    ) == 1  # fmt: skip


async def test_a_viewer_reads_notes_but_cannot_write_one(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    writer = SignedInStaff("w", "w@example.com", "Wendy", "support", "s")  # type: ignore[arg-type]
    await add_note(writer, ada.customer_id, "VIP", uow=app.state.runtime.uow(), clock=clock)
    await _signed_in(app, client, clock, "viewer")
    page = await client.get(f"/admin/customers/{ada.customer_id}")
    (panel,) = by_testid(parse(page.text), "customer-notes")
    assert "VIP" in text(panel) and panel.find("textarea") is None
    answer = await client.post(
        f"/admin/customers/{ada.customer_id}/notes",
        data={"_csrf_token": csrf_token(page.text), "body": "hi"},
    )
    assert answer.status_code == 403


async def test_lists_past_the_newest_50_page_with_and_without_javascript(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    ada = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
    writer = SignedInStaff("w", "w@example.com", "Wendy", "support", "s")  # type: ignore[arg-type]
    for n in range(53):
        clock.advance(seconds=1)
        await add_note(
            writer, ada.customer_id, f"note {n:02}", uow=app.state.runtime.uow(), clock=clock
        )
    await _signed_in(app, client, clock, "viewer")
    url = f"/admin/customers/{ada.customer_id}"

    record = parse((await client.get(url)).text)
    (panel,) = by_testid(record, "customer-notes")
    assert len(by_testid(panel, "note-row")) == 50
    (more,) = by_testid(panel, "more")
    assert "1–50 of 53" in text(more)
    nxt = more.find("a", rel="next")
    assert nxt["href"] == url + "/notes?page=2" and nxt["hx-target"] == "#customer-notes-list"

    second = await client.get(url + "/notes?page=2")  # without JavaScript: a page of its own
    assert second.status_code == 200 and "<html" in second.text
    rows = [text(r) for r in by_testid(parse(second.text), "note-row")]
    assert len(rows) == 3
    assert "note 00" in rows[-1] and "51–53 of 53" in second.text

    swapped = await client.get(url + "/notes?page=2", headers={"HX-Request": "true"})
    assert "<html" not in swapped.text and 'id="customer-notes-list"' in swapped.text

    for kind in ("invoices", "payments", "refunds", "emails"):
        listed = await client.get(f"{url}/{kind}?page=abc")
        assert listed.status_code == 200, kind
    assert (await client.get(url + "/invoices?page=999")).status_code == 200  # the last page
    assert (await client.get("/admin/customers/no-such-customer/invoices")).status_code == 404
