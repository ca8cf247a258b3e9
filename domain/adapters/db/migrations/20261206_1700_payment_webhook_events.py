"""Payment webhook events (each provider event applied once, or held for staff), and the sandbox's
old card fingerprints made irreversible.

Before this, the sandbox stored ``sha256("sandbox:" + number)[:16]``, from which the number can be
recovered by trying the few million numbers sharing the stored brand and last four. The number
is gone, so the old values cannot be re-keyed: each distinct old fingerprint is replaced by a
random one (the same old value by the same new one, in ``sandbox_card`` and in the sandbox's
``payment_method`` rows), so cards that matched still match and nothing can be reversed."""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.querystring import QueryString
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T17:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "payment_webhook_event; irreversible sandbox card fingerprints"

_OLD_FINGERPRINTS = (
    "SELECT fingerprint FROM sandbox_card WHERE length(fingerprint) = 16 "
    "UNION SELECT fingerprint FROM payment_method "
    "WHERE gateway = 'sandbox' AND length(fingerprint) = 16"
)


async def _scrub_fingerprints():
    engine = engine_finder()
    assert engine is not None
    rows = await engine.run_querystring(QueryString(_OLD_FINGERPRINTS))
    for old in {row["fingerprint"] for row in rows or []}:
        new = "rekeyed-" + secrets.token_hex(12)
        await engine.run_querystring(
            QueryString("UPDATE sandbox_card SET fingerprint = {} WHERE fingerprint = {}", new, old)
        )
        await engine.run_querystring(
            QueryString(
                "UPDATE payment_method SET fingerprint = {} "
                "WHERE gateway = 'sandbox' AND fingerprint = {}",
                new,
                old,
            )
        )


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="subscriptions", description=DESCRIPTION)

    manager.add_table(
        class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="key",
        db_column_name="key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 300,
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="gateway",
        db_column_name="gateway",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="event_id",
        db_column_name="event_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 255,
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="event_type",
        db_column_name="event_type",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="payment_ref",
        db_column_name="payment_ref",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="outcome",
        db_column_name="outcome",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 12,
            "default": "",
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="detail",
        db_column_name="detail",
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
        table_class_name="PaymentWebhookEventTable",
        tablename="payment_webhook_event",
        column_name="received_at",
        db_column_name="received_at",
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

    manager.add_raw(_scrub_fingerprints)
    return manager
