"""The audit log is append-only in the database itself: UPDATE and DELETE on audit_entry fail
(the migration's triggers), whatever the app does. Runs on SQLite, and on PostgreSQL with
DATABASE_URL (make test-pg)."""

from __future__ import annotations

import pytest

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.audit.model import Actor, AuditFilter, new_entry
from domain.audit.service import record
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration


async def _one_entry(db: TestDatabase, clock: FrozenClock) -> str:
    uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())
    entry = new_entry(
        at=clock.now(),
        actor=Actor("s1", "olive@example.com"),
        action="staff.created",
        object_type="staff",
        object_id="s2",
        customer_id="c1",
        reason="first hire",
        before={},
        after={"role": "support"},
    )
    async with uow:
        await record(uow, entry)
        await uow.commit()
    return entry.id


async def test_entries_are_written_and_read_back(db: TestDatabase, clock: FrozenClock) -> None:
    entry_id = await _one_entry(db, clock)
    uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry(), read_only=True)
    async with uow:
        found = await uow.audit.find(AuditFilter(customer_id="c1"), limit=10)
        assert await uow.audit.count(AuditFilter(action="staff.created")) == 1
        assert await uow.audit.count(AuditFilter(staff_id="nobody")) == 0
    assert [e.id for e in found] == [entry_id]
    assert found[0].after == {"role": "support"} and found[0].actor.email == "olive@example.com"


async def test_update_is_refused_by_the_database(db: TestDatabase, clock: FrozenClock) -> None:
    entry_id = await _one_entry(db, clock)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntryTable.update({AuditEntryTable.reason: "nothing happened"}).where(
            AuditEntryTable.id == entry_id
        )
    with pytest.raises(Exception, match="append-only"):
        await db.engine.run_ddl(f"UPDATE audit_entry SET action = 'x' WHERE id = '{entry_id}'")
    row = await AuditEntryTable.select().where(AuditEntryTable.id == entry_id).first()
    assert row["reason"] == "first hire" and row["action"] == "staff.created"


async def test_delete_is_refused_by_the_database(db: TestDatabase, clock: FrozenClock) -> None:
    entry_id = await _one_entry(db, clock)
    with pytest.raises(Exception, match="append-only"):
        await AuditEntryTable.delete().where(AuditEntryTable.id == entry_id)
    with pytest.raises(Exception, match="append-only"):
        await db.engine.run_ddl("DELETE FROM audit_entry")
    assert await AuditEntryTable.count() == 1


def test_the_repository_offers_no_way_to_change_an_entry() -> None:
    from domain.adapters.db.repositories.audit import PiccoloAuditRepository
    from tests.fakes import InMemoryAuditRepository

    for repo in (PiccoloAuditRepository, InMemoryAuditRepository):
        public = {n for n in dir(repo) if not n.startswith("_")}
        assert public == {"add", "find", "count", "actions"}, repo
