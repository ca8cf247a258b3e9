"""/admin/catalog/plans/{code}/migrations through the real forms: the versions with their
subscribers, the form's checks (422, nothing written), the binding preview then confirm (a
changed preview is refused), cancel, the audit entries, CSRF, and what each role may do."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from litestar import Litestar

from domain.adapters.db.tables_price_migrations import PriceMigrationTable
from domain.catalog.model import PlanPrice
from domain.catalog.service import publish_plan_version
from domain.customers.service import create_customer
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.money import Currency
from domain.subscriptions.subscribing import subscribe
from tests.support.audit import audit_actions
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web
URL = "/admin/catalog/plans/team-monthly/migrations"


def _seats(currency: str, per_seat: int) -> PlanPrice:
    charge = Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(per_seat), unit_label="seat")
    return PlanPrice(Currency.of(currency), (charge,))


async def _two_subscribers_and_two_new_versions(app: Litestar, clock: FrozenClock) -> str:
    """A USD and a EUR subscriber on Team version 1; version 2 is priced in USD only, version 3
    (current) in both. Returns version 1's id."""
    uow = app.state.runtime.uow
    for email, currency, country in (("ada@x.test", "USD", "US"), ("eva@x.test", "EUR", "DE")):
        customer = await create_customer(
            email=email, name="Subscriber", currency=currency, country=country, uow=uow(),
            clock=clock,
        )  # fmt: skip
        sub = await subscribe(customer.id, "team-monthly", quantity=2, uow=uow(), clock=clock,
                              config=app.state.runtime.settings.billing)  # fmt: skip
    await publish_plan_version(
        "team-monthly", prices=(_seats("USD", 1500),), uow=uow(), clock=clock
    )
    await publish_plan_version(
        "team-monthly", prices=(_seats("USD", 1500), _seats("EUR", 1400)), uow=uow(), clock=clock
    )
    return sub.subscription.plan_id


async def _actions() -> list[str]:
    return await audit_actions("price_migration")


async def test_billing_previews_schedules_exactly_that_and_cancels(
    app: Litestar, catalog: TestDatabase, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    v1 = await _two_subscribers_and_two_new_versions(app, clock)
    member = await make_staff(app.state.runtime.uow, clock, role="billing", email="bea@x.test")
    assert (await admin_sign_in(client, member, clock)).status_code == 303

    listing = parse((await client.get(URL)).text)
    rows = by_testid(listing, "version-row")
    assert [text(by_testid(r, "version-subscribers")[0]) for r in rows] == ["0", "0", "2"]
    (link,) = by_testid(listing, "migrate-link")
    assert link["href"] == f"{URL}/new?from={v1}"

    page = await client.get(link["href"])
    assert page.status_code == 200
    form = by_testid(parse(page.text), "migration-form")[0]
    assert form.select_one('input[name="notice_days"]')["value"] == "30"  # the setting
    # the default date: the first with 30 days' notice from 2024-01-31 23:59:30
    assert form.select_one('input[name="effective_on"]')["value"] == "2024-03-02"
    token = csrf_token(page.text)
    v3 = form.select_one('select[name="to"] option[selected]')["value"]
    v2 = next(o["value"] for o in form.select('select[name="to"] option') if o["value"] != v3)
    good = {"from": v1, "to": v3, "effective_on": "2024-03-02", "notice_days": "30",
            "_csrf_token": token}  # fmt: skip

    assert (await client.post(f"{URL}/new", data={**good, "_csrf_token": ""})).status_code == 403
    for bad, message in (
        ({"notice_days": "abc"}, "whole number of days"),
        ({"notice_days": "0"}, "whole number of days"),
        ({"effective_on": "2024-02-30"}, "YYYY-MM-DD"),
        ({"effective_on": "2024-02-15"}, "on or after 2024-03-02"),
        ({"to": v2}, "no price in EUR"),
        ({"to": v1}, "newer than version 1"),
    ):
        answer = await client.post(f"{URL}/new", data={**good, **bad})
        assert answer.status_code == 422, bad
        assert message in answer.text, bad
    unknown = await client.post(f"{URL}/new", data={**good, "from": "nope'--"})
    assert unknown.status_code == 404  # no such version of this plan
    assert await PriceMigrationTable.count() == 0

    preview = await client.post(f"{URL}/new", data=good)
    assert preview.status_code == 200
    doc = parse(preview.text)
    assert text(by_testid(doc, "preview-subscribers")[0]) == "2"
    lines = [text(r) for r in by_testid(doc, "preview-line")]
    assert lines == [
        "EUR 1 €11.00 all: €22.00 €14.00 all: €28.00",
        "USD 1 $12.00 all: $24.00 $15.00 all: $30.00",
    ]
    confirm = by_testid(doc, "confirm-form")[0]
    fields = {i["name"]: i.get("value", "") for i in confirm.select("input")}
    assert await PriceMigrationTable.count() == 0  # a preview writes nothing

    stale = await client.post(f"{URL}/new", data={**fields, "preview": "0" * 16})
    assert stale.status_code == 409 and "Review it again" in stale.text
    done = await client.post(f"{URL}/new", data=fields)
    assert done.status_code == 303 and done.headers["location"] == URL
    again = await client.post(f"{URL}/new", data=fields)  # one scheduled migration per version
    assert again.status_code == 422 and "already scheduled" in again.text

    listing = parse((await client.get(URL)).text)
    (row,) = by_testid(listing, "migration-row")
    assert "Version 1 → 3" in text(row) and "Scheduled" in text(row)
    assert await _actions() == ["price_migration.scheduled"]

    (cancel,) = by_testid(listing, "cancel-migration")
    action = cancel.find_parent("form")["action"]
    assert (await client.post(action, data={"_csrf_token": token})).status_code == 303
    listing = parse((await client.get(URL)).text)
    assert "Canceled" in text(by_testid(listing, "migration-row")[0])
    assert not by_testid(listing, "cancel-migration")
    assert (await client.post(action, data={"_csrf_token": token})).status_code == 303  # refused
    assert await _actions() == ["price_migration.scheduled", "price_migration.canceled"]
    assert (await client.get("/admin/catalog/plans/no-such-plan/migrations")).status_code == 404
    assert (await client.get(f"{URL}/new?from=unknown")).status_code == 404


async def test_a_viewer_reads_the_migrations_but_cannot_schedule_or_cancel(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    v1 = await _two_subscribers_and_two_new_versions(app, clock)
    viewer = await make_staff(app.state.runtime.uow, clock, role="viewer", email="vi@x.test")
    async with serve(app) as client:
        assert (await admin_sign_in(client, viewer, clock)).status_code == 303
        listing = await client.get(URL)
        assert listing.status_code == 200
        assert not by_testid(parse(listing.text), "migrate-link")
        token = csrf_token(listing.text)
        assert (await client.get(f"{URL}/new?from={v1}")).status_code == 403
        data = {"from": v1, "to": v1, "effective_on": "2024-06-01", "notice_days": "30",
                "_csrf_token": token}  # fmt: skip
        assert (await client.post(f"{URL}/new", data=data)).status_code == 403
        assert (
            await client.post(f"{URL}/x/cancel", data={"_csrf_token": token})
        ).status_code == 403
    assert await PriceMigrationTable.count() == 0
