"""/admin/tax-rates through the real forms: every role reads, billing creates, replaces and
archives (audited), viewers and support cannot; bad input re-renders with messages and writes
nothing; a replaced rate taxes the next checkout quote and the old one is archived."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables import TaxRateTable
from domain.shared.clock import FrozenClock
from tests.support.audit import audit_rows
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web

GERMAN_VAT = {"country": "DE", "region": "", "name": "VAT", "percentage": "19",
              "inclusive": "exclusive"}  # fmt: skip


async def _signed_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str,
                     email: str) -> str:  # fmt: skip
    member = await make_staff(app.state.runtime.uow, clock, role=role, email=email)
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin/tax-rates")).text)


async def _audit() -> list[dict[str, Any]]:
    """The tax rate entries, oldest first, their values read (JSON text on SQLite)."""
    return [r for r in await audit_rows() if r["action"].startswith("tax_rate.")]


async def test_billing_creates_replaces_and_archives_rates_each_audited(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "billing", "bill@example.com")
    empty = parse((await client.get("/admin/tax-rates")).text)
    assert not by_testid(empty, "rate-row") and by_testid(empty, "rate-form")
    # CSRF: nothing without the token
    assert (await client.post("/admin/tax-rates", data=GERMAN_VAT)).status_code == 403

    made = await client.post("/admin/tax-rates", data={**GERMAN_VAT, "_csrf_token": token})
    assert made.status_code == 303 and made.headers["location"] == "/admin/tax-rates"
    washington = {"country": "US", "region": "WA", "name": "Sales tax", "percentage": "6.5",
                  "inclusive": "exclusive", "_csrf_token": token}  # fmt: skip
    assert (await client.post("/admin/tax-rates", data=washington)).status_code == 303
    page = parse((await client.get("/admin/tax-rates")).text)
    rows = by_testid(page, "rate-row")
    assert [text(r.select("td")[0]) for r in rows] == [
        "Germany DE · national",
        "United States US · region WA",
    ]
    assert [text(by_testid(r, "rate-percent")[0]) for r in rows] == ["19%", "6.5%"]
    german_id = rows[0]["data-rate-id"]

    # a second active rate for Germany is refused: replace it instead
    again = await client.post(
        "/admin/tax-rates", data={**GERMAN_VAT, "percentage": "16", "_csrf_token": token}
    )
    assert again.status_code == 422 and "Replace that rate" in again.text

    # replacing: the form keeps the jurisdiction, the old rate is archived in the same step
    form = parse((await client.get(f"/admin/tax-rates?replace={german_id}")).text)
    assert "Germany" in text(by_testid(form, "replacing")[0])
    assert form.select_one('input[name="replaces"]')["value"] == german_id
    replaced = await client.post(
        "/admin/tax-rates",
        data={**GERMAN_VAT, "percentage": "16.0", "replaces": german_id, "_csrf_token": token},
    )
    assert replaced.status_code == 303
    page = parse((await client.get("/admin/tax-rates")).text)
    assert [text(by_testid(r, "rate-percent")[0]) for r in by_testid(page, "rate-row")] == [
        "16%",
        "6.5%",
    ]
    assert [text(by_testid(r, "rate-percent")[0]) for r in by_testid(page, "archived-row")] == [
        "19%"
    ]
    stored = {r["percentage"]: r for r in await TaxRateTable.select()}
    assert stored["19"]["archived_at"] is not None and stored["16"]["archived_at"] is None
    # replacing an archived rate again is refused
    stale = await client.post(
        "/admin/tax-rates",
        data={**GERMAN_VAT, "percentage": "17", "replaces": german_id, "_csrf_token": token},
    )
    assert stale.status_code == 422 and "archived already" in stale.text

    # archiving is confirmed first and says what applies after
    wa_id = next(r["id"] for r in await TaxRateTable.select() if r["region"] == "WA")
    url = f"/admin/tax-rates/{wa_id}/archive"
    step = await client.post(url, data={"_csrf_token": token})
    assert step.status_code == 200
    assert "no tax" in text(by_testid(parse(step.text), "consequences")[0])
    assert (await TaxRateTable.count().where(TaxRateTable.archived_at.is_null())) == 2
    done = await client.post(url, data={"confirm": "yes", "_csrf_token": token})
    assert done.status_code == 303
    twice = await client.post(url, data={"confirm": "yes", "_csrf_token": token})
    assert twice.status_code == 409 and "archived already" in twice.text

    entries = await _audit()
    assert [(e["action"], e["object_id"]) for e in entries] == [
        ("tax_rate.created", german_id),
        ("tax_rate.created", wa_id),
        ("tax_rate.archived", german_id),
        ("tax_rate.created", entries[3]["object_id"]),
        ("tax_rate.archived", wa_id),
    ]
    assert entries[0]["after"] == {"country": "DE", "region": "", "name": "VAT",
                                   "percentage": "19", "inclusive": False}  # fmt: skip
    assert entries[2]["after"] == {"status": "archived", "replaced_by": entries[3]["object_id"]}
    assert entries[3]["after"]["replaces"] == german_id
    assert entries[3]["after"]["percentage"] == "16"


BAD_INPUT = [
    ({"country": ""}, "country", "Choose the country"),
    ({"country": "XX"}, "country", "Choose a country from the list"),
    ({"country": "EU"}, "country", "Choose a country from the list"),
    ({"percentage": ""}, "percentage", "Enter the percentage"),
    ({"percentage": "-5"}, "percentage", "no signs"),
    ({"percentage": "100.5"}, "percentage", "between 0 and 100"),
    ({"percentage": "1e2"}, "percentage", "no signs or letters"),
    ({"percentage": "NaN"}, "percentage", "no signs or letters"),
    ({"percentage": "٣"}, "percentage", "no signs or letters"),  # an Arabic-Indic digit
    ({"percentage": "8.87501"}, "percentage", "at most 4 decimals"),
    ({"percentage": "99999999999999999999"}, "percentage", "between 0 and 100"),
    ({"percentage": "1" * 30}, "percentage", "at most 20 characters"),
    ({"region": "W" * 101}, "region", "at most 100 characters"),
    ({"region": "WA\x00"}, "region", "special characters"),
    ({"name": "  "}, "name", "Name the tax"),
    ({"name": "V" * 41}, "name", "at most 40 characters"),
    ({"inclusive": "maybe"}, "inclusive", "Choose whether prices include"),
    ({"replaces": "no-such-rate"}, "_", "no longer exists"),
]


async def test_bad_input_re_renders_the_form_and_writes_nothing(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    for change, field, message in BAD_INPUT:
        answer = await client.post("/admin/tax-rates",
                                   data={**GERMAN_VAT, **change, "_csrf_token": token})  # fmt: skip
        assert answer.status_code == 422, change
        assert message in answer.text, change
        if field != "_":
            assert parse(answer.text).select_one(f"#f-{field}")["aria-invalid"] == "true"
    assert await TaxRateTable.count() == 0 and await _audit() == []


async def test_viewers_and_support_read_but_cannot_change(
    app: Litestar, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner_token = await _signed_in(app, client, clock, "owner", "olive@example.com")
    assert (
        await client.post("/admin/tax-rates", data={**GERMAN_VAT, "_csrf_token": owner_token})
    ).status_code == 303
    rate_id = (await TaxRateTable.select(TaxRateTable.id))[0]["id"]
    for role in ("viewer", "support"):
        async with serve(app) as other:
            token = await _signed_in(app, other, clock, role, f"{role}@example.com")
            page = parse((await other.get("/admin/tax-rates")).text)
            assert len(by_testid(page, "rate-row")) == 1
            assert not by_testid(page, "rate-form") and not by_testid(page, "archive-form")
            refused = await other.post("/admin/tax-rates", data={**GERMAN_VAT,
                                                                 "_csrf_token": token})  # fmt: skip
            assert refused.status_code == 403
            archive = await other.post(f"/admin/tax-rates/{rate_id}/archive",
                                       data={"confirm": "yes", "_csrf_token": token})  # fmt: skip
            assert archive.status_code == 403
    assert await TaxRateTable.count().where(TaxRateTable.archived_at.is_null()) == 1
    assert [e["action"] for e in await _audit()] == ["tax_rate.created"]
    # an unknown or absurd id is a 404, never a 5xx
    for bad in ("nope", "x" * 300):
        missing = await client.post(f"/admin/tax-rates/{bad}/archive",
                                    data={"confirm": "yes", "_csrf_token": owner_token})  # fmt: skip
        assert missing.status_code in (400, 404)
