"""Invoice lifecycle and credit notes.

- ``invoice.number`` becomes nullable (a draft has no number until it is finalized) and its
  default becomes null; new nullable instants ``paid_at``, ``voided_at``,
  ``marked_uncollectible_at``.
- New tables ``credit_note`` and ``credit_note_line``.

SQLite has no ``ALTER COLUMN``: there the nullability change rewrites the table's stored
definition (SQLite's documented procedure for removing a NOT NULL constraint or changing a
default, https://www.sqlite.org/lang_altertable.html#otheralter), in the migration's
transaction. Existing rows already satisfy the looser definition, so nothing is rewritten.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.engine import engine_finder
from piccolo.table import Table


class CreditNoteTable(Table, tablename="credit_note", schema=None):
    id = Varchar(
        length=36,
        default="",
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


class InvoiceTable(Table, tablename="invoice", schema=None):
    id = Varchar(
        length=36,
        default="",
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-11-24T22:01:53:990124"
VERSION = "1.38.0"
DESCRIPTION = "Invoice lifecycle (drafts without a number; paid, voided, uncollectible instants) and credit notes"


_NOT_NULL = '"number" VARCHAR(64) UNIQUE NOT NULL DEFAULT \'\''
_NULLABLE = '"number" VARCHAR(64) UNIQUE DEFAULT null'


async def _sqlite_number_nullable(engine, nullable: bool) -> None:
    if not nullable:
        drafts = await engine.run_ddl(
            "SELECT count(*) AS n FROM invoice WHERE number IS NULL"
        )
        if drafts[0]["n"]:
            raise RuntimeError(
                "invoice.number cannot become NOT NULL again while drafts exist"
                " (finalize or delete them first)"
            )
    old, new = (_NOT_NULL, _NULLABLE) if nullable else (_NULLABLE, _NOT_NULL)
    rows = await engine.run_ddl(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'invoice'"
    )
    sql = rows[0]["sql"]
    if sql.count(old) != 1:
        raise RuntimeError(f"unexpected definition of invoice.number: {sql}")
    altered = sql.replace(old, new).replace("'", "''")
    version = (await engine.run_ddl("PRAGMA schema_version"))[0]["schema_version"]
    await engine.run_ddl("PRAGMA writable_schema = ON")
    await engine.run_ddl(
        f"UPDATE sqlite_master SET sql = '{altered}'"
        " WHERE type = 'table' AND name = 'invoice'"
    )
    await engine.run_ddl(f"PRAGMA schema_version = {int(version) + 1}")
    await engine.run_ddl("PRAGMA writable_schema = OFF")
    check = await engine.run_ddl("PRAGMA integrity_check")
    if check[0]["integrity_check"] != "ok":
        raise RuntimeError(f"integrity check failed: {check}")


class _Manager(MigrationManager):
    """Piccolo's manager, except that on SQLite the one column alteration (``invoice.number``
    nullable) is done by rewriting the stored table definition."""

    async def _run_alter_columns(self, backwards: bool = False):
        engine = engine_finder()
        if engine is None or engine.engine_type != "sqlite":
            await super()._run_alter_columns(backwards=backwards)
            return
        names = [
            (a.tablename, a.column_name)
            for name in self.alter_columns.table_class_names
            for a in self.alter_columns.for_table_class_name(name)
        ]
        assert names == [("invoice", "number")], names
        await _sqlite_number_nullable(engine, nullable=not backwards)


async def forwards():
    manager = _Manager(
        migration_id=ID, app_name="subscriptions", description=DESCRIPTION
    )

    manager.add_table(
        class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        schema=None,
        columns=None,
    )

    manager.add_table(
        class_name="CreditNoteTable",
        tablename="credit_note",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
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
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        column_name="credit_note",
        db_column_name="credit_note",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": CreditNoteTable,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        column_name="position",
        db_column_name="position",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
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
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        column_name="description",
        db_column_name="description",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        column_name="amount_minor",
        db_column_name="amount_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteLineTable",
        tablename="credit_note_line",
        column_name="explanation",
        db_column_name="explanation",
        column_class_name="Text",
        column_class=Text,
        params={
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="number",
        db_column_name="number",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="invoice",
        db_column_name="invoice",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": InvoiceTable,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="customer_id",
        db_column_name="customer_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 36,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="subscription_id",
        db_column_name="subscription_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 36,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="reason",
        db_column_name="reason",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 32,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="currency",
        db_column_name="currency",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 3,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="issued_at",
        db_column_name="issued_at",
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="subtotal_minor",
        db_column_name="subtotal_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="discount_minor",
        db_column_name="discount_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="tax_minor",
        db_column_name="tax_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="total_minor",
        db_column_name="total_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="refunded_minor",
        db_column_name="refunded_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="CreditNoteTable",
        tablename="credit_note",
        column_name="credited_minor",
        db_column_name="credited_minor",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
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
        table_class_name="InvoiceTable",
        tablename="invoice",
        column_name="marked_uncollectible_at",
        db_column_name="marked_uncollectible_at",
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
        table_class_name="InvoiceTable",
        tablename="invoice",
        column_name="paid_at",
        db_column_name="paid_at",
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
        table_class_name="InvoiceTable",
        tablename="invoice",
        column_name="voided_at",
        db_column_name="voided_at",
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

    manager.alter_column(
        table_class_name="InvoiceTable",
        tablename="invoice",
        column_name="number",
        db_column_name="number",
        params={"default": None, "null": True},
        old_params={"default": "", "null": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
