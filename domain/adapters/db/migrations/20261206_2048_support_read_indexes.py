"""Indexes for support's reads: payment methods by a card's last four (customer search),
refunds by customer and e-mails by recipient (the customer record)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T20:48:35:539375"
VERSION = "1.38.0"
DESCRIPTION = "Indexes: payment_method.last4, refund.customer_id, outbox_email.recipient"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="subscriptions", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="PaymentMethodTable",
        tablename="payment_method",
        column_name="last4",
        db_column_name="last4",
        params={"index": True},
        old_params={"index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="RefundTable",
        tablename="refund",
        column_name="customer_id",
        db_column_name="customer_id",
        params={"index": True},
        old_params={"index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="OutboxEmailTable",
        tablename="outbox_email",
        column_name="recipient",
        db_column_name="recipient",
        params={"index": True},
        old_params={"index": False},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
