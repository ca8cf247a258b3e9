"""/admin/catalog/features and a plan's grants through the real forms: a billing member adds a
feature (a bad key comes back with its message and writes nothing), renames it, grants it to a
plan with a quantity (a bad quantity, or seats on a flat plan, re-render the plan page with the
message) and removes it; each change is audited, the subscribers' entitlements follow in the same
transaction, forms without the CSRF token are refused, and the support role only reads."""

from __future__ import annotations

import httpx
import pytest
from litestar import Litestar

from domain.billing.config import BillingConfig
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.ids import CustomerId
from domain.subscriptions.entitlements import customer_entitlements
from domain.subscriptions.subscribing import subscribe
from tests.support.audit import audit_actions
from tests.support.database import TestDatabase
from tests.support.html import by_testid, csrf_token, parse, text
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve

pytestmark = pytest.mark.web


async def _sign_in(app: Litestar, client: httpx.AsyncClient, clock: FrozenClock, role: str) -> str:
    member = await make_staff(app.state.runtime.uow, clock, role=role,
                              email=f"{role}@example.com", name=role.title())  # fmt: skip
    assert (await admin_sign_in(client, member, clock)).status_code == 303
    return csrf_token((await client.get("/admin/catalog/features")).text)


async def _subscriber(app: Litestar, clock: FrozenClock) -> str:
    runtime = app.state.runtime
    customer = await create_customer(email="ada@example.com", name="Ada", currency="USD",
                                     country="US", uow=runtime.uow(), clock=clock)  # fmt: skip
    await subscribe(CustomerId(customer.id), "starter-monthly", trial_days=0, uow=runtime.uow(),
                    clock=clock, config=BillingConfig())  # fmt: skip
    return customer.id


async def _entitled(app: Litestar, customer: str) -> dict[str, tuple[str, int | None, bool]]:
    rows = await customer_entitlements(CustomerId(customer), uow=app.state.runtime.uow())
    return {r.feature_key: (r.kind.value, r.limit, r.has_access) for r in rows}


async def test_features_are_added_renamed_granted_and_removed_through_the_forms(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    customer = await _subscriber(app, clock)
    async with serve(app) as client:
        token = await _sign_in(app, client, clock, "billing")
        bad = await client.post("/admin/catalog/features",
                                data={"_csrf_token": token, "key": "Bad Key", "name": ""})  # fmt: skip
        assert bad.status_code == 422
        assert "lowercase letters" in bad.text and "Enter a name." in bad.text
        assert await audit_actions("feature.") == []
        made = await client.post("/admin/catalog/features", data={"_csrf_token": token,
                                 "key": "analytics.export", "name": "CSV export"})  # fmt: skip
        assert made.status_code == 303, made.text
        page = parse((await client.get("/admin/catalog/features")).text)
        assert [r["data-key"] for r in by_testid(page, "feature-row")] == ["analytics.export"]
        again = await client.post("/admin/catalog/features", data={"_csrf_token": token,
                                  "key": "analytics.export", "name": "Other"})  # fmt: skip
        assert again.status_code == 422 and "keys never change" in again.text
        renamed = await client.post("/admin/catalog/features/analytics.export",
                                    data={"_csrf_token": token, "name": "Exports"})  # fmt: skip
        assert renamed.status_code == 303
        blank = await client.post("/admin/catalog/features/analytics.export",
                                  data={"_csrf_token": token, "name": " "})  # fmt: skip
        assert blank.status_code == 422 and "Enter a name." in blank.text

        grant_url = "/admin/catalog/plans/starter-monthly/features"
        for data, field, message in (
            ({"feature": "analytics.export", "limit_kind": "quantity", "limit_value": "ten"},
             "limit_value", "whole number"),
            ({"feature": "analytics.export", "limit_kind": "per_seat", "limit_value": ""},
             "limit_kind", "not priced per seat"),
        ):  # fmt: skip
            refused = await client.post(grant_url, data={"_csrf_token": token, **data})
            assert refused.status_code == 422, field
            assert message in text(by_testid(parse(refused.text), "grant-form")[0])
        assert await _entitled(app, customer) == {}
        granted = await client.post(grant_url, data={"_csrf_token": token,
                                    "feature": "analytics.export", "limit_kind": "quantity",
                                    "limit_value": "5"})  # fmt: skip
        assert granted.status_code == 303
        assert await _entitled(app, customer) == {"analytics.export": ("quantity", 5, True)}
        plan = parse((await client.get("/admin/catalog/plans/starter-monthly")).text)
        [grant] = by_testid(plan, "grant")
        assert "Exports" in text(grant) and "5" in text(grant)
        removed = await client.post(f"{grant_url}/analytics.export/remove",
                                    data={"_csrf_token": token})  # fmt: skip
        assert removed.status_code == 303
        assert await _entitled(app, customer) == {}
        missing = await client.post(f"{grant_url}/analytics.export/remove",
                                    data={"_csrf_token": token})  # fmt: skip
        assert missing.status_code == 404
        no_token = await client.post("/admin/catalog/features",
                                     data={"key": "sneaky", "name": "Sneaky"})  # fmt: skip
        assert no_token.status_code == 403
    assert await audit_actions("feature.") == ["feature.created", "feature.updated"]
    assert await audit_actions("plan.feature") == ["plan.feature_granted", "plan.feature_removed"]


async def test_the_support_role_reads_the_features_but_changes_nothing(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    async with serve(app) as client:
        token = await _sign_in(app, client, clock, "support")
        page = await client.get("/admin/catalog/features")
        assert page.status_code == 200 and not by_testid(parse(page.text), "feature-form")
        refused = await client.post("/admin/catalog/features",
                                    data={"_csrf_token": token, "key": "x", "name": "X"})  # fmt: skip
        assert refused.status_code == 403
    assert await audit_actions("feature.") == []
