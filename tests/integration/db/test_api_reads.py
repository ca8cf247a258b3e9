"""The API's one-statement reads on the real database (SQLite and PostgreSQL):
``uow.api_reads.key_and_entitlements`` returns the key (revoked or not: the use case decides),
the customer's rows in feature order and whether the customer exists, and joins an open
transaction; the single-statement read unit opens no transaction on PostgreSQL (autocommit on a
pooled connection) and a read transaction on SQLite, and refuses jobs and savepoints;
``entitlements_for_key`` applies the key's rules over it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from piccolo.engine.postgres import PostgresEngine

from domain.adapters.db.engine import close_pool, start_pool
from domain.adapters.db.tables_apikeys import ApiKeyTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.apikeys.admin import create_api_key, revoke_api_key
from domain.apikeys.auth import ApiKeyRefused
from domain.apikeys.entitlement_reads import entitlements_for_key
from domain.apikeys.model import Mode
from domain.catalog.features import LimitKind
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.entitlement_rules import Entitlement
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration

OWNER = SignedInStaff("owner-1", "owner@example.com", "Owner", Role.OWNER, "s")
NOW = utc(2026, 3, 1, 9)


def _uow(db: TestDatabase, clock: FrozenClock, **kw: bool) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry(), **kw)


def _rows(customer: str) -> list[Entitlement]:
    return [
        Entitlement(customer, "seats", "Seats", LimitKind.QUANTITY, 3, True, ("sub-1",), NOW),
        Entitlement(
            customer,
            "api",
            "API",
            LimitKind.ACCESS,
            None,
            False,
            ("sub-1", "sub-2"),
            NOW - timedelta(days=2),
        ),
    ]


@pytest.fixture
async def pooled(db: TestDatabase) -> TestDatabase:
    """On PostgreSQL the app's pool (the path the server takes), closed again after."""
    started = isinstance(db.engine, PostgresEngine) and db.engine.pool is None
    if started:
        await start_pool(db.engine, max_size=2)
    yield db  # type: ignore[misc]
    if started:
        await close_pool(db.engine)


async def test_one_statement_reads_the_key_and_the_customers_rows(pooled: TestDatabase) -> None:
    db, clock = pooled, FrozenClock(NOW)
    made = await create_api_key(OWNER, name="Product", scope="read_only", mode=Mode.TEST,
                                uow=_uow(db, clock), clock=clock)  # fmt: skip
    ada = (await create_customer(email="ada@example.test", name="Ada", currency="USD",
                                 country="US", uow=_uow(db, clock), clock=clock)).id  # fmt: skip
    bob = (await create_customer(email="bob@example.test", name="Bob", currency="USD",
                                 country="US", uow=_uow(db, clock), clock=clock)).id  # fmt: skip
    async with _uow(db, clock) as uow:
        await uow.entitlements.replace(CustomerId(ada), _rows(ada))
        await uow.commit()
    async with _uow(db, clock) as uow:
        stored = await uow.entitlements.for_customer(CustomerId(ada))
    assert [r.feature_key for r in stored] == ["api", "seats"]

    statement = _uow(db, clock, read_only=True, statement=True)
    async with statement as uow:
        in_transaction = db.engine.current_transaction.get() is not None
        read = await uow.api_reads.key_and_entitlements(made.key.secret_hash, CustomerId(ada))
        empty = await uow.api_reads.key_and_entitlements(made.key.secret_hash, CustomerId(bob))
        nobody = await uow.api_reads.key_and_entitlements(made.key.secret_hash, CustomerId("x"))
        no_key = await uow.api_reads.key_and_entitlements("0" * 64, CustomerId(ada))
    # PostgreSQL: no BEGIN around the statement; SQLite: the read transaction as before
    assert in_transaction is not isinstance(db.engine, PostgresEngine)
    assert read is not None and read.key == made.key and read.customer_exists
    assert read.rows == stored
    assert empty is not None and empty.rows == [] and empty.customer_exists
    assert nobody is not None and nobody.rows == [] and not nobody.customer_exists
    assert no_key is None

    # inside a transaction the statement joins it (sees its uncommitted rows)
    async with _uow(db, clock) as uow:
        await uow.entitlements.replace(CustomerId(bob), _rows(bob)[:1])
        joined = await uow.api_reads.key_and_entitlements(made.key.secret_hash, CustomerId(bob))
        assert joined is not None and [r.feature_key for r in joined.rows] == ["seats"]
    async with _uow(db, clock, read_only=True, statement=True) as uow:
        after = await uow.api_reads.key_and_entitlements(made.key.secret_hash, CustomerId(bob))
    assert after is not None and after.rows == []  # rolled back

    # the use case: rows, last_used_at once, unknown customer, revoked key
    new = lambda: _uow(db, clock)  # noqa: E731
    admitted: list[str] = []
    key, rows = await entitlements_for_key(
        made.secret, CustomerId(ada), uow=_uow(db, clock, read_only=True, statement=True),
        new_uow=new, clock=clock, admit=lambda k: admitted.append(k.id),
    )  # fmt: skip
    assert key.id == made.key.id and rows == stored and admitted == [key.id]
    row = await ApiKeyTable.select(ApiKeyTable.last_used_at).first()
    assert row is not None and row["last_used_at"] == NOW
    with pytest.raises(NotFound):
        await entitlements_for_key(made.secret, CustomerId("x"), clock=clock, new_uow=new,
                                   uow=_uow(db, clock, read_only=True, statement=True))  # fmt: skip
    await revoke_api_key(OWNER, made.key.id, uow=_uow(db, clock), clock=clock)
    with pytest.raises(ApiKeyRefused):
        await entitlements_for_key(made.secret, CustomerId(ada), clock=clock, new_uow=new,
                                   uow=_uow(db, clock, read_only=True, statement=True))  # fmt: skip


async def test_the_single_statement_unit_only_reads(pooled: TestDatabase) -> None:
    clock = FrozenClock(NOW)
    with pytest.raises(ValueError, match="only reads"):
        _uow(pooled, clock, statement=True)
    async with _uow(pooled, clock, read_only=True, statement=True) as uow:
        if isinstance(pooled.engine, PostgresEngine):  # no transaction to save a point in
            with pytest.raises(RuntimeError, match="open transaction"):
                async with uow.savepoint():
                    pass
        uow.jobs.enqueue("jobs.purge_finished")
        with pytest.raises(RuntimeError, match="cannot enqueue"):
            await uow.commit()
