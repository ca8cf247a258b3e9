"""Plan versions, add-ons and plan-change rules.

- ``plan`` gets ``version``, ``retired_at`` (NULL for the current version), ``kind`` and
  ``attaches_to``; uniqueness moves from ``code`` to ``(code, version)``, plus one current version
  per code (a partial unique index). Existing plans become version 1, current, base plans.
- ``plan_change_rule`` is new, unique on ``(from_code, to_code)``.

Piccolo cannot declare these indexes on columns and runs a migration's raw steps *before* its
table operations, so ``_Manager`` runs them after the table operations, in the same transaction.
SQLite cannot drop a column's UNIQUE constraint: there the raw step first rebuilds ``plan`` (and
``plan_price``, whose foreign key would refuse the old table's drop) without it, and Piccolo's
``DROP CONSTRAINT`` is skipped. Going backwards on SQLite is refused (restore a backup instead).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder


ID = "2026-11-24T22:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Plan versions (unique code + version), add-ons, plan-change rules"

_INDEXES = {
    "plan_code_version": "CREATE UNIQUE INDEX plan_code_version ON plan (code, version)",
    "plan_code_current": (
        "CREATE UNIQUE INDEX plan_code_current ON plan (code) WHERE retired_at IS NULL"
    ),
    "plan_change_rule_pair": (
        "CREATE UNIQUE INDEX plan_change_rule_pair ON plan_change_rule (from_code, to_code)"
    ),
}

_UNIQUE_CODE = '"code" VARCHAR(64) UNIQUE NOT NULL'


def _engine():
    engine = engine_finder()
    assert engine is not None
    return engine


async def _schema(engine, name):
    rows = await engine.run_ddl(
        f"SELECT type, name, sql FROM sqlite_master WHERE tbl_name = '{name}' AND sql IS NOT NULL"
    )
    table = next(r["sql"] for r in rows if r["type"] == "table")
    indexes = [r["sql"] for r in rows if r["type"] == "index"]
    return table, indexes


async def _sqlite_drop_unique_code():
    """Rebuild plan without UNIQUE on code; plan_price is rebuilt too, pointing at the new table,
    because dropping a parent table that RESTRICTed children reference fails even with deferred
    foreign keys. Renaming plan__new to plan rewrites plan_price__new's reference."""
    engine = _engine()
    if engine.engine_type != "sqlite":
        return
    plan_sql, plan_indexes = await _schema(engine, "plan")
    price_sql, price_indexes = await _schema(engine, "plan_price")
    assert plan_sql.count(_UNIQUE_CODE) == 1, plan_sql
    assert not plan_indexes, plan_indexes
    await engine.run_ddl("PRAGMA legacy_alter_table = OFF")
    new_plan = plan_sql.replace('CREATE TABLE "plan"', 'CREATE TABLE "plan__new"', 1)
    new_plan = new_plan.replace(_UNIQUE_CODE, '"code" VARCHAR(64) NOT NULL')
    new_price = price_sql.replace('CREATE TABLE "plan_price"', 'CREATE TABLE "plan_price__new"', 1)
    new_price = new_price.replace('REFERENCES "plan" ', 'REFERENCES "plan__new" ')
    for ddl in (
        new_plan,
        'INSERT INTO "plan__new" SELECT * FROM "plan"',
        new_price,
        'INSERT INTO "plan_price__new" SELECT * FROM "plan_price"',
        'DROP TABLE "plan_price"',
        'DROP TABLE "plan"',
        'ALTER TABLE "plan__new" RENAME TO "plan"',
        'ALTER TABLE "plan_price__new" RENAME TO "plan_price"',
        *price_indexes,
    ):
        await engine.run_ddl(ddl)


async def _drop_indexes():
    engine = _engine()
    for name in _INDEXES:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")


class _Manager(MigrationManager):
    async def _run_alter_columns(self, backwards=False):
        sqlite = _engine().engine_type == "sqlite"
        if backwards and sqlite:
            raise RuntimeError(
                "plan versions cannot be undone on SQLite (restoring plan.code's UNIQUE needs a"
                " table rebuild and codes now repeat across versions); restore a backup"
            )
        if not sqlite:  # on SQLite the raw step already rebuilt plan without UNIQUE(code)
            await super()._run_alter_columns(backwards=backwards)
        if not backwards and not self.preview:
            for ddl in _INDEXES.values():
                await _engine().run_ddl(ddl)


async def forwards():
    manager = _Manager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)
    manager.add_raw(_sqlite_drop_unique_code)
    manager.add_raw_backwards(_drop_indexes)



    manager.add_table(
        class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        column_name="id",
        db_column_name="id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 36,
            "default": "",
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        column_name="from_code",
        db_column_name="from_code",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        column_name="to_code",
        db_column_name="to_code",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        column_name="timing",
        db_column_name="timing",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanChangeRuleTable",
        tablename="plan_change_rule",
        column_name="proration",
        db_column_name="proration",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 16,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanTable",
        tablename="plan",
        column_name="attaches_to",
        db_column_name="attaches_to",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "[]",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanTable",
        tablename="plan",
        column_name="kind",
        db_column_name="kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 8,
            "default": "base",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanTable",
        tablename="plan",
        column_name="retired_at",
        db_column_name="retired_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PlanTable",
        tablename="plan",
        column_name="version",
        db_column_name="version",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 1,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="PlanTable",
        tablename="plan",
        column_name="code",
        db_column_name="code",
        params={"unique": False},
        old_params={"unique": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
