"""The renewal run's baseline: the bare cost of writing what a renewal writes (issue 18).

Measured in the same run and on the same database as the renewal run (``bench/renewal_run.py``),
after the template customer is set up and before its copies are made; the rows are deleted
afterwards. ``baseline_rows`` (the default) writes, per subscription, one transaction with one
plain ``INSERT`` per invoice and payment row a renewal writes: the invoice, its two lines, the
payment attempt and the sandbox gateway's payment (copies of the template's first invoice and
its payment, so the same columns and values, with fresh keys and the renewal's period).
``baseline_minimal`` is the baseline used before 2026-12-07 (a bare invoice row and a payment
row with literal values), kept to compare with the figures measured with it.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.table import Table

from domain.adapters.db.tables import (
    InvoiceLineTable,
    InvoiceTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
)
from domain.adapters.db.transactions import write_transaction

# the invoice and payment rows a renewal writes (an invoice, its lines, a payment attempt and the
# gateway's payment), in the order their foreign keys need
BASELINE_ROWS: tuple[type[Table], ...] = (
    InvoiceTable,
    InvoiceLineTable,
    PaymentAttemptTable,
    SandboxPaymentTable,
)


def _row(
    table: type[Table], row: dict[str, Any], k: int, j: int, renewal: datetime
) -> dict[str, Any]:
    """The template's row ``row`` as subscription ``k``'s renewal would write it: its own
    identifiers and unique keys, the renewal's period, every other value the same."""
    key = f"baseline-{k}"
    data = dict(row)
    if table is InvoiceTable:
        data |= {
            "id": key,
            "number": f"BASE-{k:08d}",
            "subscription_id": key,
            "billing_reason": "subscription_cycle",
            "cycle_key": f"{key}:renewal",
            "period_start": renewal,
            "issued_at": renewal,
        }
    elif table is InvoiceLineTable:
        data |= {"id": f"{key}-{j}", "invoice": key}
    elif table is PaymentAttemptTable:
        data |= {"id": key, "invoice": key, "idempotency_key": f"{key}:1", "payment_ref": key}
    else:
        data |= {"ref": key, "idempotency_key": f"{key}:1"}
    return data


async def baseline_rows(engine: Engine, n: int, renewal: datetime) -> float:
    """Subscriptions per second when each writes only its renewal's invoice and payment rows:
    one transaction per subscription holding one plain ``INSERT`` per row (an invoice, its two
    lines, a payment attempt, the gateway's payment: copies of the template's first invoice and
    payment, so the same columns and values, with fresh keys). Rows are deleted afterwards."""
    template = {table: await table.select() for table in BASELINE_ROWS}
    columns = {table: list(template[table][0]) for table in BASELINE_ROWS}
    sql = {
        table: f"INSERT INTO {table._meta.tablename} ({', '.join(columns[table])})"
        f" VALUES ({', '.join('{}' for _ in columns[table])})"
        for table in BASELINE_ROWS
    }
    started = time.perf_counter()
    for k in range(n):
        async with write_transaction(engine):
            for table in BASELINE_ROWS:
                for j, row in enumerate(template[table]):
                    data = _row(table, row, k, j, renewal)
                    await table.raw(sql[table], *(data[c] for c in columns[table]))
    elapsed = time.perf_counter() - started
    await SandboxPaymentTable.delete().where(SandboxPaymentTable.ref.like("baseline-%"))
    await PaymentAttemptTable.delete().where(PaymentAttemptTable.id.like("baseline-%"))
    await InvoiceLineTable.delete().where(InvoiceLineTable.id.like("baseline-%"))
    await InvoiceTable.delete().where(InvoiceTable.id.like("baseline-%"))
    return n / elapsed


async def baseline_minimal(engine: Engine, n: int, renewal: datetime) -> float:
    """The baseline before 2026-12-07 (``--baseline minimal``): one transaction per subscription
    with a plain INSERT of a bare invoice row and of a payment row, literal values."""
    started = time.perf_counter()
    for k in range(n):
        invoice_id = f"baseline-{k}"
        async with write_transaction(engine):
            await InvoiceTable.raw(
                "INSERT INTO invoice (id, subscription_id, customer_id, billing_reason, status,"
                " currency, period_start, period_end, issued_at, subtotal_minor, discount_minor,"
                " tax_minor, total_minor, credit_applied_minor, amount_due_minor,"
                " customer_snapshot)"
                " VALUES ({}, {}, {}, 'subscription_cycle', 'open', 'USD', {}, {}, {},"
                " 4000, 0, 0, 4000, 0, 4000, '{{}}')",
                invoice_id,
                invoice_id,
                invoice_id,
                renewal,
                renewal,
                renewal,
            )
            await SandboxPaymentTable.raw(
                "INSERT INTO sandbox_payment (ref, idempotency_key, kind, method_ref,"
                " amount_minor, currency, status) VALUES ({}, {}, 'charge', 'pm_x', 4000, 'USD',"
                " 'succeeded')",
                invoice_id,
                f"{invoice_id}:1",
            )
    elapsed = time.perf_counter() - started
    await InvoiceTable.delete().where(InvoiceTable.id.like("baseline-%"))
    await SandboxPaymentTable.delete().where(SandboxPaymentTable.ref.like("baseline-%"))
    return n / elapsed
