"""/admin/imports through the real forms: a HubSpot-style CSV with errors in some rows is
uploaded, its mapping guessed, the dry run lists exactly the bad rows and writes nothing, the
import (the job) creates the good ones, and re-importing the file updates them and creates
nothing twice; subscriptions are created once with the first invoice paid offline; bad files
re-render with a message; viewers and support are refused; CSRF is required."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import CustomerTable, InvoiceTable, SubscriptionTable
from domain.adapters.db.tables_integrations import CustomerExternalRefTable, CustomerImportTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.billing.config import BillingConfig
from domain.integrations.imports import run_import
from domain.shared.clock import FrozenClock
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.jobs import drain_jobs
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

HEADER = ("Record ID;Company name;First Name;Last Name;Email;Country/Region;State/Region;"
          "Street Address;City;Postal Code;Currency;VAT number;Plan;Seats")  # fmt: skip
ROWS = [
    "101;Acme GmbH;;;billing@acme.example;Germany;;Hauptstr. 1;Berlin;10115;EUR;DE123456789;;",
    "102;;Ada;Lovelace;ada@example.com;GB;;1 Analytical Way;London;N1 1AA;USD;;;",
    "103;Bad Mail Ltd;;;not-an-email;FR;;;;;EUR;;;",  # row 4: e-mail
    "104;Nowhere Inc;;;now@example.com;Atlantis;;;;;USD;;;",  # row 5: country
    "105;Yen Corp;;;yen@example.com;JP;;;;;JPY;;;",  # row 6: currency not sold
    "106;Dup Corp;;;billing@acme.example;DE;;;;;EUR;;;",  # row 7: e-mail of row 2
    "107;Seat Co;;;seat@example.com;US;CA;;;;USD;;team-monthly;3",
    "108;Ghost plan;;;ghost@example.com;US;;;;;USD;;no-such-plan;",  # row 9: plan
]
EXPECTED_ERRORS = {(4, "Email"), (5, "Country/Region"), (6, "Currency"), (7, "Email"),
                   (9, "Plan")}  # fmt: skip


def _csv(rows: list[str] = ROWS, *, bom: bool = True) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join([HEADER, *rows]) + "\r\n").encode()


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin")).text)


async def _upload(client: httpx.AsyncClient, token: str, content: bytes,
                  name: str = "hubspot.csv") -> httpx.Response:  # fmt: skip
    return await client.post("/admin/imports", data={"_csrf_token": token, "source": "hubspot"},
                             files={"file": (name, content, "text/csv")})  # fmt: skip


def _mapping(page: Any) -> dict[str, str]:
    form = by_testid(page, "mapping-form")[0]
    out = {}
    for select in form.select("select"):
        chosen = select.select_one("option[selected]")
        out[select["name"]] = chosen["value"] if chosen else ""
    return out


async def _dry_run(client: httpx.AsyncClient, token: str, import_id: str,
                   subscriptions: bool = False) -> Any:  # fmt: skip
    page = parse((await client.get(f"/admin/imports/{import_id}")).text)
    data = {**_mapping(page), "_csrf_token": token}
    if subscriptions:
        data["subscriptions"] = "on"
    answer = await client.post(f"/admin/imports/{import_id}/check", data=data)
    assert answer.status_code == 303, answer.text
    return parse((await client.get(f"/admin/imports/{import_id}")).text)


def _errors(page: Any) -> set[tuple[int, str]]:
    return {(int(r["data-row"]), r["data-column"]) for r in by_testid(page, "row-error")}


async def test_dry_run_lists_the_bad_rows_import_creates_the_good_and_reimport_updates(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any
) -> None:
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    page = parse((await client.get("/admin/imports")).text)
    assert page.select_one('a[href="/admin/imports"]') is not None  # in the sidebar
    made = await _upload(client, token, _csv())
    assert made.status_code == 303
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    mapping = _mapping(parse((await client.get(f"/admin/imports/{import_id}")).text))
    assert mapping["map-external_id"] == "Record ID" and mapping["map-name"] == "Company name"
    assert mapping["map-country"] == "Country/Region" and mapping["map-quantity"] == "Seats"

    page = await _dry_run(client, token, import_id)
    assert _errors(page) == EXPECTED_ERRORS
    assert text(by_testid(page, "dry-created")[0]) == "3"
    assert await CustomerTable.count() == 0  # the dry run wrote nothing

    started = await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})
    assert started.status_code == 303
    polling = await client.get(
        f"/admin/imports/{import_id}/progress", headers={"HX-Request": "true"}
    )
    assert 'hx-trigger="every 2s"' in polling.text  # queued: the fragment polls itself
    assert text(by_testid(parse(polling.text), "progress-text")[0]) == "0 of 8 rows (0 %)"
    assert await drain_jobs(app, include_schedule=False) >= 1
    page = parse((await client.get(f"/admin/imports/{import_id}")).text)
    assert by_testid(page, "import-progress")[0]["data-status"] == "done"
    assert text(by_testid(page, "count-created")[0]) == "3"
    assert _errors(page) == EXPECTED_ERRORS
    rows = {r["email"]: r for r in await CustomerTable.select()}
    assert set(rows) == {"billing@acme.example", "ada@example.com", "seat@example.com"}
    acme = rows["billing@acme.example"]
    assert (acme["name"], acme["country"], acme["currency"], acme["tax_id"]) == (
        "Acme GmbH", "DE", "EUR", "DE123456789")  # fmt: skip
    assert rows["ada@example.com"]["name"] == "Ada Lovelace"
    assert await CustomerExternalRefTable.count() == 3
    assert await SubscriptionTable.count() == 0  # subscriptions were not asked for

    # the same file again, one name changed: updates by Record ID, creates nothing
    changed = [ROWS[0].replace("Acme GmbH", "Acme Group GmbH"), *ROWS[1:]]
    again = await _upload(client, token, _csv(changed, bom=False))
    second = again.headers["location"].rsplit("/", 1)[-1]
    page = await _dry_run(client, token, second)
    assert text(by_testid(page, "dry-created")[0]) == "0"
    assert text(by_testid(page, "dry-updated")[0]) == "3"
    await client.post(f"/admin/imports/{second}/start", data={"_csrf_token": token})
    await drain_jobs(app, include_schedule=False)
    assert await CustomerTable.count() == 3 and await CustomerExternalRefTable.count() == 3
    name = await CustomerTable.select(CustomerTable.name).where(
        CustomerTable.email == "billing@acme.example").first()  # fmt: skip
    assert name == {"name": "Acme Group GmbH"}
    listing = parse((await client.get("/admin/imports")).text)
    assert len(by_testid(listing, "import-row")) == 2
    actions = [r["action"] for r in await AuditEntryTable.select(AuditEntryTable.action).where(
        AuditEntryTable.action.like("customer_import.%"))]  # fmt: skip
    assert sorted(set(actions)) == [
        "customer_import.checked",
        "customer_import.finished",
        "customer_import.started",
        "customer_import.uploaded",
    ]
    # once the job has ended, the polling fragment asks htmx to reload the whole page
    fragment = await client.get(f"/admin/imports/{second}/progress", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["hx-refresh"] == "true"
    plain = await client.get(f"/admin/imports/{second}/progress")
    assert "hx-trigger" not in plain.text
    assert text(by_testid(parse(plain.text), "progress-text")[0]) == "8 of 8 rows (100 %)"


async def test_subscriptions_are_created_once_with_the_first_invoice_paid_offline(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for attempt in range(2):
        made = await _upload(client, token, _csv([ROWS[6]]))
        import_id = made.headers["location"].rsplit("/", 1)[-1]
        page = await _dry_run(client, token, import_id, subscriptions=True)
        assert _errors(page) == set()
        await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})
        done = await run_import(import_id, new_uow=app.state.runtime.uow, clock=clock,
                                config=BillingConfig())  # fmt: skip
        assert done.subscribed == (1 if attempt == 0 else 0)
        clock.advance(seconds=60)
    subs = await SubscriptionTable.select(SubscriptionTable.quantity, SubscriptionTable.status)
    assert subs == [{"quantity": 3, "status": "active"}]
    invoices = await InvoiceTable.select(InvoiceTable.status, InvoiceTable.offline_payment)
    assert len(invoices) == 1 and invoices[0]["status"] == "paid"
    assert "CRM import" in str(invoices[0]["offline_payment"])


BAD_FILES = [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary content"),
    ("Record ID,Company name,Email\n1,Café Müller,a@example.com\n".encode("latin-1"), "not UTF-8"),
    (b"Record ID,Email\n", "no rows"),
    (b'Record ID,Email\n1,"unterminated\n', "well-formed"),
]


async def test_bad_files_re_render_with_a_message_and_write_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for content, message in BAD_FILES:
        answer = await _upload(client, token, content)
        assert answer.status_code == 422, message
        assert message in text(by_testid(parse(answer.text), "file-error")[0]), message
    too_large = b"Record ID,Email\n" + b"1,a@example.com\n" * (20 * 1024 * 1024 // 16 + 1)
    answer = await _upload(client, token, too_large)
    assert answer.status_code == 422 and "larger than 20 MB" in answer.text
    no_file = await client.post("/admin/imports", data={"_csrf_token": token, "source": "x"},
                                files={"other": ("a.txt", b"x", "text/plain")})  # fmt: skip
    assert no_file.status_code == 422 and "Choose the CSV file" in no_file.text
    assert await CustomerImportTable.count() == 0
    # a file without the columns the import needs: the mapping step says which (and a name
    # with a path and control characters is kept as its printable base name)
    made = await _upload(client, token, b"Record ID,Company name\n1,Acme\n",
                         name="C:\\exports\\crm\x1b.csv")  # fmt: skip
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    page = parse((await client.get(f"/admin/imports/{import_id}")).text)
    answer = await client.post(f"/admin/imports/{import_id}/check",
                               data={**_mapping(page), "_csrf_token": token})  # fmt: skip
    assert answer.status_code == 422
    assert text(by_testid(parse(answer.text), "import-title")[0]) == "crm.csv"
    assert "column that holds the e-mail" in answer.text
    assert parse(answer.text).select_one("#f-email")["aria-invalid"] == "true"
    # starting before a dry run is refused (409: flashed, back to the page)
    refused = await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})
    assert refused.status_code == 303 and await CustomerTable.count() == 0


async def test_viewers_and_support_are_refused_and_csrf_is_required(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any
) -> None:
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    assert (await client.post("/admin/imports", files={"file": ("a.csv", _csv(), "text/csv")},
                              data={"source": "hubspot"})).status_code == 403  # fmt: skip
    made = await _upload(client, token, _csv())
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    for role in ("viewer", "support"):
        async with serve(app) as other:
            other_token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            assert (await other.get("/admin/imports")).status_code == 403
            assert (await other.get(f"/admin/imports/{import_id}")).status_code == 403
            assert (await _upload(other, other_token, _csv())).status_code == 403
            start = await other.post(f"/admin/imports/{import_id}/start",
                                     data={"_csrf_token": other_token})  # fmt: skip
            assert start.status_code == 403
            nav = parse((await other.get("/admin")).text)
            assert nav.select_one('a[href="/admin/imports"]') is None
    assert await CustomerImportTable.count() == 1 and await CustomerTable.count() == 0


async def test_a_failed_batch_loses_only_itself_and_the_run_continues_after_the_last_commit(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from domain.integrations import imports

    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    made = await _upload(client, token, _csv())
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    await _dry_run(client, token, import_id)
    await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})
    monkeypatch.setattr(imports, "BATCH", 2)  # rows 2-3, 4-5, 6-7, 8-9
    real = imports.apply_batch
    calls = 0

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:  # rows 8-9: Seat Co written, then the transaction fails
            await real(*args, **kwargs)
            raise RuntimeError("the database went away")
        return await real(*args, **kwargs)

    monkeypatch.setattr(imports, "apply_batch", flaky)
    new_uow = app.state.runtime.uow
    with pytest.raises(RuntimeError):
        await run_import(import_id, new_uow=new_uow, clock=clock, config=BillingConfig())
    async with new_uow() as uow:
        stopped = await uow.imports.get(import_id)
    assert stopped is not None and (stopped.done_rows, stopped.created) == (6, 2)
    assert await CustomerTable.count() == 2  # the failed batch's customer was rolled back
    assert {e.row for e in stopped.errors} == {4, 5, 6, 7}
    done = await run_import(import_id, new_uow=new_uow, clock=clock, config=BillingConfig())
    assert (done.done_rows, done.created, done.error_count) == (8, 3, 5)
    assert sorted(e.row for e in done.errors) == [4, 5, 6, 7, 9]  # each error once
    assert await CustomerTable.count() == 3 and await CustomerExternalRefTable.count() == 3


async def test_the_last_failed_attempt_marks_the_import_failed_and_it_can_be_continued(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, catalog: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from domain.integrations import jobs
    from domain.integrations.imports import RUN_IMPORT_JOB
    from domain.jobs.context import JobContext

    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    made = await _upload(client, token, _csv())
    import_id = made.headers["location"].rsplit("/", 1)[-1]
    await _dry_run(client, token, import_id)
    await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(jobs, "run_import", broken)
    job = jobs.build_jobs(BillingConfig()).get(RUN_IMPORT_JOB)
    runtime = app.state.runtime
    for attempt in (1, jobs.MAX_ATTEMPTS):
        ctx = JobContext(clock, runtime.uow, runtime.job_store, "job-1", attempt)
        with pytest.raises(RuntimeError):
            await job.fn(ctx, import_id=import_id)
        page = parse((await client.get(f"/admin/imports/{import_id}")).text)
        status = by_testid(page, "import-progress")[0]["data-status"]
        assert status == ("queued" if attempt == 1 else "failed")
    assert by_testid(page, "start-form")  # "Continue the import"
    again = await client.post(f"/admin/imports/{import_id}/start", data={"_csrf_token": token})
    assert again.status_code == 303
    page = parse((await client.get(f"/admin/imports/{import_id}")).text)
    assert by_testid(page, "import-progress")[0]["data-status"] == "queued"
