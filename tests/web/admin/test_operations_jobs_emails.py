"""/admin/jobs and /admin/emails: an operator (billing) retries a dead job and it runs; discards
one after confirming; resends an e-mail and the copy is delivered; every change is audited;
other roles read and cannot act; secrets stay hidden from every role."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import JobTable
from domain.adapters.db.tables_operations import JobFailureTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.jobs.model import JobStatus
from domain.notifications.model import EmailKind, EmailStatus, OutboxEmail
from domain.notifications.service import queue_email
from domain.shared.clock import FrozenClock
from domain.shared.ids import new_id
from tests.support.emails import sample_context
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.jobs import drain_jobs
from tests.support.outbox import outbox_emails
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

SECRET = "Zx9" + "q" * 40  # a token_urlsafe-like secret


async def _dead_job(
    clock: FrozenClock, name: str = "jobs.purge_finished", kwargs: dict | None = None
) -> str:
    job_id = new_id()
    await JobTable.insert(
        JobTable(
            id=job_id, name=name, kwargs=json.dumps(kwargs or {}), status="dead", attempts=3,
            max_attempts=3, timeout_s=60, run_at=clock.now() - timedelta(hours=1),
            last_error="attempt 3/3: OperationalError: database is locked",
            created_at=clock.now() - timedelta(hours=1), finished_at=clock.now(),
        )
    )  # fmt: skip
    for attempt in (1, 2, 3):
        await JobFailureTable.insert(
            JobFailureTable(id=new_id(), job_id=job_id, attempt=attempt,
                            error=f"OperationalError: database is locked (try {attempt})",
                            failed_at=clock.now() - timedelta(minutes=10 - attempt))
        )  # fmt: skip
    return job_id


async def _audit(action: str) -> list[dict]:
    return await AuditEntryTable.select().where(AuditEntryTable.action == action)


async def test_an_operator_retries_a_dead_job_and_it_runs(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    operator = await make_staff(
        app.state.runtime.uow, clock, role="billing", email="bo@example.com"
    )
    job_id = await _dead_job(clock)
    await admin_sign_in(client, operator, clock)

    page = parse((await client.get("/admin/jobs")).text)
    assert text(by_testid(page, "count-dead")[0]).split()[1] == "1"
    [row] = by_testid(page, "job-row")
    assert row["data-job-id"] == job_id and "database is locked" in text(row)
    assert "3/3" in text(row)
    dead_only = parse((await client.get("/admin/jobs?status=dead&kind=jobs.purge_finished")).text)
    assert len(by_testid(dead_only, "job-row")) == 1
    assert by_testid(parse((await client.get("/admin/jobs?status=queued")).text), "job-row") == []

    answer = await client.get(f"/admin/jobs/{job_id}")
    job = parse(answer.text)
    assert [text(f).split()[1] for f in by_testid(job, "job-failure")] == ["1", "2", "3"]
    token = csrf_token(answer.text)
    refused = await client.post(f"/admin/jobs/{job_id}/retry", data={"_csrf_token": token})
    assert refused.status_code == 422 and "Say why" in refused.text
    assert (await JobTable.select(JobTable.status).where(JobTable.id == job_id))[0][
        "status"
    ] == "dead"

    done = await client.post(
        f"/admin/jobs/{job_id}/retry",
        data={"_csrf_token": token, "reason": "database back after maintenance"},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/admin/jobs/{job_id}"
    [stored] = await JobTable.select().where(JobTable.id == job_id)
    assert (stored["status"], stored["attempts"]) == ("queued", 0)
    [entry] = await _audit("job.retried")
    assert entry["object_id"] == job_id and entry["reason"] == "database back after maintenance"
    assert entry["actor_email"] == "bo@example.com"
    queued = parse((await client.get("/admin/jobs?status=queued")).text)
    assert [r["data-job-id"] for r in by_testid(queued, "job-row")] == [job_id]
    retrying = parse((await client.get("/admin/jobs?status=retrying")).text)
    assert by_testid(retrying, "job-row") == [], "its attempts start again from 0"
    again = await client.post(
        f"/admin/jobs/{job_id}/retry", data={"_csrf_token": token, "reason": "twice"}
    )
    assert again.status_code == 409 and "Only a dead job" in again.text

    await drain_jobs(app, include_schedule=False)
    [stored] = await JobTable.select().where(JobTable.id == job_id)
    assert stored["status"] == JobStatus.SUCCEEDED
    page = parse((await client.get(f"/admin/jobs/{job_id}")).text)
    assert by_testid(page, "retry-form") == [] and by_testid(page, "job-not-dead")


async def test_discarding_a_dead_job_is_confirmed_first_and_audited(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    operator = await make_staff(app.state.runtime.uow, clock, role="owner", email="ow@example.com")
    job_id = await _dead_job(clock, name="documents.render_invoice_pdf",
                             kwargs={"invoice_id": "gone"})  # fmt: skip
    await admin_sign_in(client, operator, clock)
    token = csrf_token((await client.get(f"/admin/jobs/{job_id}")).text)

    confirm = await client.post(
        f"/admin/jobs/{job_id}/discard", data={"_csrf_token": token, "reason": "invoice deleted"}
    )
    assert confirm.status_code == 200
    assert by_testid(parse(confirm.text), "job-confirm")
    assert await JobTable.count().where(JobTable.id == job_id) == 1, "nothing yet"

    done = await client.post(
        f"/admin/jobs/{job_id}/discard",
        data={"_csrf_token": token, "reason": "invoice deleted", "confirm": "yes"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/admin/jobs?status=dead"
    assert await JobTable.count().where(JobTable.id == job_id) == 0
    assert await JobFailureTable.count().where(JobFailureTable.job_id == job_id) == 0
    [entry] = await _audit("job.discarded")
    assert entry["object_id"] == job_id
    assert "documents.render_invoice_pdf" in str(entry["before"])
    assert (await client.get(f"/admin/jobs/{job_id}")).status_code == 404


async def test_other_roles_read_jobs_but_cannot_act_and_secrets_stay_hidden(
    app: Litestar, clock: FrozenClock
) -> None:
    job_id = await _dead_job(
        clock, name="notifications.notify",
        kwargs={"key": "receipt:inv-1", "api_token": "abc",
                "extra": {"link": f"https://example.test/auth/magic/{SECRET}?next=/x"}},
    )  # fmt: skip
    for role in ("viewer", "support"):
        member = await make_staff(app.state.runtime.uow, clock, role=role, email=f"{role}@ex.com")
        async with serve(app) as client:
            await admin_sign_in(client, member, clock)
            answer = await client.get(f"/admin/jobs/{job_id}")
            page = parse(answer.text)
            payload = text(by_testid(page, "job-payload")[0])
            assert SECRET not in answer.text and '"abc"' not in payload
            assert "receipt:inv-1" in payload and "[redacted]" in payload
            assert by_testid(page, "retry-form") == [] and by_testid(page, "job-read-only")
            token = csrf_token(answer.text)
            refused = await client.post(
                f"/admin/jobs/{job_id}/retry", data={"_csrf_token": token, "reason": "try"}
            )
            assert refused.status_code == 403
    [stored] = await JobTable.select(JobTable.status).where(JobTable.id == job_id)
    assert stored["status"] == "dead"


async def _queue(app: Litestar, clock: FrozenClock, kind: EmailKind, key: str,
                 to: str = "ada@example.com", **context: object) -> OutboxEmail:  # fmt: skip
    email = await queue_email(
        kind, to=to, context={**sample_context(kind), **context}, dedupe_key=key,
        uow=app.state.runtime.uow(),
        clock=clock, renderer=JinjaEmailRenderer(brand_name="Tessera"),
    )  # fmt: skip
    assert email is not None
    return email


async def test_an_operator_resends_an_email_and_the_copy_is_delivered(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    operator = await make_staff(
        app.state.runtime.uow, clock, role="billing", email="bo@example.com"
    )
    receipt = await _queue(app, clock, EmailKind.RECEIPT, "receipt:inv-1")
    clock.advance(minutes=2)
    await _queue(app, clock, EmailKind.WELCOME, "welcome:cus-2", to="bob@example.org")
    await drain_jobs(app, include_schedule=False)
    await admin_sign_in(client, operator, clock)

    listing = parse((await client.get("/admin/emails")).text)
    assert len(by_testid(listing, "outbox-row")) == 2
    ada = parse((await client.get("/admin/emails?q=ADA@")).text)
    [row] = by_testid(ada, "outbox-row")
    assert row["data-email-id"] == receipt.id
    assert by_testid(row, "outbox-subject")[0]["href"] == f"/admin/emails/{receipt.id}"
    queued = parse((await client.get("/admin/emails?status=queued")).text)
    assert by_testid(queued, "outbox-row") == []

    answer = await client.get(f"/admin/emails/{receipt.id}")
    page = parse(answer.text)
    assert text(by_testid(page, "email-subject")[0]) == receipt.subject
    assert by_testid(page, "email-text")[0].get_text() == receipt.text_body
    frame = by_testid(page, "email-html-frame")[0]
    assert frame.has_attr("sandbox") and not frame["sandbox"]
    assert frame["src"] == f"/admin/emails/{receipt.id}/html"
    html = await client.get(frame["src"])
    assert html.status_code == 200 and html.text == receipt.html_body
    csp = html.headers["content-security-policy"]
    assert "sandbox" in csp and "script-src" not in csp and "default-src 'none'" in csp
    assert html.headers["x-frame-options"] == "SAMEORIGIN"

    token = csrf_token(answer.text)
    refused = await client.post(f"/admin/emails/{receipt.id}/resend", data={"_csrf_token": token})
    assert refused.status_code == 422
    assert len(await outbox_emails(app)) == 2
    done = await client.post(
        f"/admin/emails/{receipt.id}/resend",
        data={"_csrf_token": token, "reason": "customer lost the receipt"},
    )
    assert done.status_code == 303
    copy_id = done.headers["location"].rsplit("/", 1)[1]
    emails = await outbox_emails(app, to="ada@")
    assert [e.id for e in emails] == [copy_id, receipt.id]
    copy = emails[0]
    assert copy.status is EmailStatus.QUEUED and copy.html_body == receipt.html_body
    [entry] = await _audit("email.resent")
    assert entry["object_id"] == receipt.id and entry["reason"] == "customer lost the receipt"
    assert entry["customer_id"] is None, "no customer has this address in this test"

    await drain_jobs(app, include_schedule=False)
    [copy, original] = await outbox_emails(app, to="ada@")
    assert copy.status is EmailStatus.SENT and original.status is EmailStatus.SENT
    copy_page = parse((await client.get(f"/admin/emails/{copy.id}")).text)
    assert by_testid(copy_page, "resent-from")[0]["href"] == f"/admin/emails/{receipt.id}"


async def test_sign_in_links_are_hidden_and_not_resent(app: Litestar, clock: FrozenClock) -> None:
    secret_url = f"https://billing.example.test/auth/magic/{SECRET}"
    link = await _queue(app, clock, EmailKind.MAGIC_LINK, "magic_link:tok-1",
                        sign_in_url=secret_url)  # fmt: skip
    assert secret_url in link.html_body and secret_url in link.text_body
    await drain_jobs(app, include_schedule=False)
    support = await make_staff(app.state.runtime.uow, clock, role="support", email="su@ex.com")
    owner = await make_staff(app.state.runtime.uow, clock, role="owner", email="ow@ex.com")
    async with serve(app) as client:
        await admin_sign_in(client, support, clock)
        page = await client.get(f"/admin/emails/{link.id}")
        assert by_testid(parse(page.text), "resend-form") == []
        token = csrf_token(page.text)
        refused = await client.post(
            f"/admin/emails/{link.id}/resend", data={"_csrf_token": token, "reason": "asked"}
        )
        assert refused.status_code == 403
    async with serve(app) as client:
        await admin_sign_in(client, owner, clock)
        page = await client.get(f"/admin/emails/{link.id}")
        html = await client.get(f"/admin/emails/{link.id}/html")
        token = csrf_token(page.text)
        for shown in (page.text, html.text):
            assert secret_url not in shown and "[redacted]" in shown
        assert by_testid(parse(page.text), "resend-refused")
        refused = await client.post(
            f"/admin/emails/{link.id}/resend", data={"_csrf_token": token, "reason": "asked"}
        )
        assert refused.status_code == 409 and "single-use" in refused.text
    assert len(await outbox_emails(app)) == 1


async def test_an_unknown_job_or_email_is_404(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@ex.com")
    await admin_sign_in(client, viewer, clock)
    for path in ("/admin/jobs/nope", "/admin/emails/nope", "/admin/emails/nope/html",
                 f"/admin/jobs/{'x' * 37}", f"/admin/emails/{new_id()}"):  # fmt: skip
        assert (await client.get(path)).status_code == 404, path
