"""Tax rates and the dunning policy on the real database (SQLite and PostgreSQL): one active rate
per jurisdiction held by the partial unique index, archived rates out of what invoices use,
replace in one transaction with its audit entries; open dunning cases counted by failures and a
policy change audited, then followed by the next retry."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain.adapters.db.tables import DunningPolicyTable
from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.payments.dunning import DunningPolicy
from domain.payments.dunning_admin import PolicyInput, change_dunning_policy, dunning_page
from domain.payments.dunning_admin import preview_dunning_policy as preview
from domain.pricing.tax_rates import StoredTaxRate, TaxRateInput
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict
from domain.shared.ids import new_id
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.subscribing import subscribe
from domain.taxes.admin import create_tax_rate
from tests.integration.db.test_automated_billing import CONFIG, FAILS_AFTER_ATTACH, World
from tests.support.audit import audit_rows
from tests.support.database import TestDatabase
from web.jobs import build_registry

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill Billing", Role.BILLING, "s")


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


def _values(row: dict[str, Any], key: str) -> Any:
    return json.loads(row[key]) if isinstance(row[key], str) else row[key]


async def test_one_active_rate_per_jurisdiction_and_archived_rates_tax_nothing(
    db: TestDatabase, clock: FrozenClock
) -> None:
    now = clock.now()
    german = StoredTaxRate(new_id(), "DE", None, "VAT", Decimal("19"), False, now)
    washington = StoredTaxRate(new_id(), "US", "WA", "Sales tax", Decimal("6.5"), False, now)
    async with _uow(db, clock) as uow:
        await uow.tax_rates.create(german)
        await uow.tax_rates.create(washington)
        await uow.commit()
    # a second active rate for Germany (or for WA written in another case) breaks the index
    for duplicate in (
        StoredTaxRate(new_id(), "DE", None, "MwSt", Decimal("16"), False, now),
        StoredTaxRate(new_id(), "US", "wa", "Sales tax", Decimal("7"), False, now),
    ):
        with pytest.raises(Conflict):  # noqa: PT012  (the insert, in its transaction)
            async with _uow(db, clock) as uow:
                await uow.tax_rates.create(duplicate)
                await uow.commit()
    async with _uow(db, clock) as uow:
        assert {(r.country, r.region, r.rate.percentage) for r in await uow.tax_rates.all()} == {
            ("DE", None, Decimal("19")),
            ("US", "WA", Decimal("6.5")),
        }
        got = await uow.tax_rates.get(german.id, lock=True)
        assert got == german
        await uow.tax_rates.archive(german.id, now + timedelta(hours=1))
        await uow.commit()
    async with _uow(db, clock) as uow:
        assert [r.country for r in await uow.tax_rates.all()] == ["US"]
        # archived, Germany may have a new active rate
        await uow.tax_rates.create(
            StoredTaxRate(new_id(), "DE", None, "VAT", Decimal("8.875"), True, now)
        )
        await uow.commit()
    async with _uow(db, clock) as uow:
        stored = await uow.tax_rates.stored()
    assert [(r.country, r.percent_text, r.active, r.inclusive) for r in stored] == [
        ("DE", "8.875%", True, True),
        ("DE", "19%", False, False),
        ("US", "6.5%", True, False),
    ]


async def test_replacing_a_rate_archives_the_old_one_in_the_same_transaction(
    db: TestDatabase, clock: FrozenClock
) -> None:
    typed = TaxRateInput("FR", "", "VAT", "20", False)
    first = await create_tax_rate(BILLING, typed, uow=_uow(db, clock), clock=clock)
    clock.advance(minutes=1)
    second = await create_tax_rate(BILLING, TaxRateInput("FR", "", "TVA", "5.5", False),
                                   uow=_uow(db, clock), clock=clock, replaces=first.id)  # fmt: skip
    async with _uow(db, clock) as uow:
        stored = {r.id: r for r in await uow.tax_rates.stored()}
        active = await uow.tax_rates.all()
    assert stored[first.id].archived_at == clock.now() and stored[second.id].active
    assert [(r.rate.code, r.rate.percentage) for r in active] == [("TVA", Decimal("5.5"))]
    rows = await audit_rows()
    assert [(r["action"], r["object_id"]) for r in rows] == [
        ("tax_rate.created", first.id),
        ("tax_rate.archived", first.id),
        ("tax_rate.created", second.id),
    ]
    assert _values(rows[2], "after")["replaces"] == first.id


async def test_open_cases_are_counted_and_a_changed_policy_drives_the_next_retry(
    db: TestDatabase, clock: FrozenClock
) -> None:
    world = World(db, clock)
    customer, method_ref = await world.customer_with_card()
    await subscribe(customer, "team", uow=world.uow(), clock=clock, config=CONFIG)
    await world.runner.drain()
    await world.gateway.set_behaviour(method_ref, FAILS_AFTER_ATTACH)
    for _ in range(40):  # to the day the renewal fails: one open case, its retry tomorrow
        await world.days(1)
        async with world.uow() as uow:
            if counts := await uow.dunning.open_by_failures():
                break
    assert counts == {1: 1}
    async with world.uow() as uow:  # the past-due subscription still counts where it is billed
        assert await uow.tax_rates.subscriptions_by_place() == {("US", ""): 1}
    page = await dunning_page(BILLING, uow=world.uow(), clock=clock)
    assert (page.open_cases.total, page.open_cases.ending) == (1, 0)

    shown = await preview(BILLING, PolicyInput("1", "unpaid", "open"), uow=world.uow(),
                          clock=clock)  # fmt: skip
    assert (shown.open_cases.total, shown.open_cases.ending) == (1, 1)
    await change_dunning_policy(BILLING, shown.proposed.policy, previewed_against=DunningPolicy(),
                                uow=world.uow(), clock=clock)  # fmt: skip
    [row] = await DunningPolicyTable.select()
    assert _values(row, "retry_days") == [1]
    [entry] = await AuditEntryTable.select().where(
        AuditEntryTable.action == "dunning_policy.changed"
    )
    assert _values(entry, "before")["retry_days"] == [1, 3, 5, 7]
    assert _values(entry, "after")["final_subscription_action"] == "unpaid"

    await world.days(1)  # the kept retry fails: the new policy has no retry left, it ends
    async with world.uow() as uow:
        assert await uow.dunning.open_by_failures() == {}
    statuses = await world.invoices()
    assert statuses[-1]["status"] == "open"  # the new final invoice action: left open
