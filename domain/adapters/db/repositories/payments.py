"""Payment methods, payment attempts and dunning on Piccolo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from domain.adapters.db.repositories.billing import _load
from domain.adapters.db.tables import (
    DunningCaseTable,
    DunningPolicyTable,
    PaymentAttemptTable,
    PaymentMethodTable,
    RefundTable,
)
from domain.payments.dunning import (
    DunningCase,
    DunningPolicy,
    DunningStatus,
    FinalInvoiceAction,
    FinalSubscriptionAction,
)
from domain.payments.model import (
    AttemptStatus,
    PaymentAttempt,
    PaymentMethod,
    Refund,
    RefundStatus,
)
from domain.shared.errors import Conflict


def _method(row: dict[str, Any]) -> PaymentMethod:
    return PaymentMethod(
        id=row["id"],
        customer_id=row["customer"],
        gateway=row["gateway"],
        method_ref=row["method_ref"],
        brand=row["brand"],
        last4=row["last4"],
        exp_month=int(row["exp_month"]),
        exp_year=int(row["exp_year"]),
        fingerprint=row["fingerprint"],
        is_default=bool(row["is_default"]),
        created_at=row["created_at"],
    )


class PiccoloPaymentMethodRepository:
    async def add(self, method: PaymentMethod, *, gateway_customer: str) -> None:
        await PaymentMethodTable.insert(
            PaymentMethodTable(
                id=method.id,
                customer=method.customer_id,
                gateway=method.gateway,
                gateway_customer=gateway_customer,
                method_ref=method.method_ref,
                brand=method.brand,
                last4=method.last4,
                exp_month=method.exp_month,
                exp_year=method.exp_year,
                fingerprint=method.fingerprint,
                is_default=method.is_default,
                created_at=method.created_at,
            )
        )

    async def get(self, method_id: str) -> PaymentMethod | None:
        row = await (
            PaymentMethodTable.select()
            .where(PaymentMethodTable.id == method_id)
            .where(PaymentMethodTable.removed_at.is_null())
            .first()
        )
        return _method(row) if row else None

    async def for_customer(self, customer_id: str) -> list[PaymentMethod]:
        rows = await (
            PaymentMethodTable.select()
            .where(PaymentMethodTable.customer == customer_id)
            .where(PaymentMethodTable.removed_at.is_null())
            .order_by(PaymentMethodTable.is_default, ascending=False)
            .order_by(PaymentMethodTable.created_at)
        )
        return [_method(r) for r in rows]

    async def get_many(self, method_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        if not method_ids:
            return {}
        rows = await (
            PaymentMethodTable.select()
            .where(PaymentMethodTable.id.is_in(list(method_ids)))
            .where(PaymentMethodTable.removed_at.is_null())
        )
        return {r["id"]: _method(r) for r in rows}

    async def defaults_for(self, customer_ids: Sequence[str]) -> dict[str, PaymentMethod]:
        if not customer_ids:
            return {}
        rows = await (
            PaymentMethodTable.select()
            .where(PaymentMethodTable.customer.is_in(list(customer_ids)))
            .where(PaymentMethodTable.removed_at.is_null())
            .where(PaymentMethodTable.is_default == True)  # noqa: E712 (a column expression)
            .order_by(PaymentMethodTable.created_at)
        )
        found: dict[str, PaymentMethod] = {}
        for r in rows:
            found.setdefault(r["customer"], _method(r))  # as for_customer: the oldest default
        return found

    async def gateway_customers(self, customer_ids: Sequence[str]) -> dict[tuple[str, str], str]:
        if not customer_ids:
            return {}
        rows = await PaymentMethodTable.select(
            PaymentMethodTable.customer,
            PaymentMethodTable.gateway,
            PaymentMethodTable.gateway_customer,
        ).where(PaymentMethodTable.customer.is_in(list(customer_ids)))
        found: dict[tuple[str, str], str] = {}
        for r in rows:
            found.setdefault((r["customer"], r["gateway"]), str(r["gateway_customer"]))
        return found

    async def gateway_customer(self, customer_id: str, gateway: str) -> str | None:
        row = await (
            PaymentMethodTable.select(PaymentMethodTable.gateway_customer)
            .where(PaymentMethodTable.customer == customer_id)
            .where(PaymentMethodTable.gateway == gateway)
            .first()
        )
        return str(row["gateway_customer"]) if row else None

    async def set_default(self, customer_id: str, method_id: str) -> None:
        await PaymentMethodTable.update({PaymentMethodTable.is_default: False}).where(
            PaymentMethodTable.customer == customer_id
        )
        await PaymentMethodTable.update({PaymentMethodTable.is_default: True}).where(
            (PaymentMethodTable.id == method_id) & (PaymentMethodTable.customer == customer_id)
        )

    async def remove(self, method_id: str, *, at: datetime) -> None:
        await PaymentMethodTable.update(
            {PaymentMethodTable.removed_at: at, PaymentMethodTable.is_default: False}
        ).where(PaymentMethodTable.id == method_id)

    async def expiring(self, month_start: datetime, month_end: datetime) -> list[PaymentMethod]:
        rows = await (
            PaymentMethodTable.select()
            .where(PaymentMethodTable.removed_at.is_null())
            .where(PaymentMethodTable.is_default == True)  # noqa: E712 (a column expression)
            .where(PaymentMethodTable.exp_year == month_start.year)
            .where(PaymentMethodTable.exp_month == month_start.month)
        )
        return [_method(r) for r in rows]


def _attempt(row: dict[str, Any]) -> PaymentAttempt:
    return PaymentAttempt(
        id=row["id"],
        invoice_id=row["invoice"],
        customer_id=row["customer_id"],
        payment_method_id=row["payment_method_id"],
        number=int(row["number"]),
        idempotency_key=row["idempotency_key"],
        amount_minor=int(row["amount_minor"]),
        currency=row["currency"],
        status=AttemptStatus(row["status"]),
        created_at=row["created_at"],
        code=row["code"],
        message=row["message"] or "",
        payment_ref=row["payment_ref"],
        finished_at=row["finished_at"],
        hard_decline=bool(row["hard_decline"]),
    )


def _attempt_row(attempt: PaymentAttempt) -> PaymentAttemptTable:
    return PaymentAttemptTable(
        id=attempt.id,
        invoice=attempt.invoice_id,
        customer_id=attempt.customer_id,
        payment_method_id=attempt.payment_method_id,
        number=attempt.number,
        idempotency_key=attempt.idempotency_key,
        amount_minor=attempt.amount_minor,
        currency=attempt.currency,
        status=attempt.status.value,
        code=attempt.code,
        message=attempt.message,
        payment_ref=attempt.payment_ref,
        hard_decline=attempt.hard_decline,
        created_at=attempt.created_at,
        finished_at=attempt.finished_at,
    )


# the outcome columns ``save`` writes; on PostgreSQL ``save_many`` writes them for a batch in one
# statement, each from an array of the batch's values
_SAVE_MANY = (
    "UPDATE payment_attempt AS a SET status = v.status, code = v.code, message = v.message,"
    " payment_ref = v.payment_ref, hard_decline = v.hard_decline, finished_at = v.finished_at"
    " FROM (SELECT unnest({}::varchar[]) AS id, unnest({}::varchar[]) AS status,"
    " unnest({}::varchar[]) AS code, unnest({}::text[]) AS message,"
    " unnest({}::varchar[]) AS payment_ref, unnest({}::boolean[]) AS hard_decline,"
    " unnest({}::timestamptz[]) AS finished_at) AS v WHERE a.id = v.id"
)


class PiccoloPaymentAttemptRepository:
    def __init__(self, *, postgres: bool = False) -> None:
        self._postgres = postgres

    async def add(self, attempt: PaymentAttempt) -> None:
        await self.add_many([attempt])

    async def add_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        if not attempts:
            return
        try:
            await PaymentAttemptTable.insert(*(_attempt_row(a) for a in attempts))
        except Exception as exc:
            if "idempotency_key" in str(exc).lower() or "unique" in str(exc).lower():
                raise Conflict(
                    "this payment attempt was already made", code="payments.duplicate_attempt"
                ) from exc
            raise

    async def save_many(self, attempts: Sequence[PaymentAttempt]) -> None:
        if not self._postgres or len(attempts) < 2:
            for attempt in attempts:  # SQLite: local calls, one each
                await self.save(attempt)
            return
        await PaymentAttemptTable.raw(
            _SAVE_MANY,
            [a.id for a in attempts],
            [a.status.value for a in attempts],
            [a.code for a in attempts],
            [a.message for a in attempts],
            [a.payment_ref for a in attempts],
            [a.hard_decline for a in attempts],
            [a.finished_at for a in attempts],
        )

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, list[PaymentAttempt]]:
        found: dict[str, list[PaymentAttempt]] = {i: [] for i in invoice_ids}
        if invoice_ids:
            rows = await (
                PaymentAttemptTable.select()
                .where(PaymentAttemptTable.invoice.is_in(list(invoice_ids)))
                .order_by(PaymentAttemptTable.number)
            )
            for r in rows:
                found[r["invoice"]].append(_attempt(r))
        return found

    async def save(self, attempt: PaymentAttempt) -> None:
        await PaymentAttemptTable.update(
            {
                PaymentAttemptTable.status: attempt.status.value,
                PaymentAttemptTable.code: attempt.code,
                PaymentAttemptTable.message: attempt.message,
                PaymentAttemptTable.payment_ref: attempt.payment_ref,
                PaymentAttemptTable.hard_decline: attempt.hard_decline,
                PaymentAttemptTable.finished_at: attempt.finished_at,
            }
        ).where(PaymentAttemptTable.id == attempt.id)

    async def for_invoice(self, invoice_id: str) -> list[PaymentAttempt]:
        rows = await (
            PaymentAttemptTable.select()
            .where(PaymentAttemptTable.invoice == invoice_id)
            .order_by(PaymentAttemptTable.number)
        )
        return [_attempt(r) for r in rows]

    async def by_payment_ref(self, payment_ref: str) -> PaymentAttempt | None:
        row = await (
            PaymentAttemptTable.select()
            .where(PaymentAttemptTable.payment_ref == payment_ref)
            .first()
        )
        return _attempt(row) if row else None


def _case(row: dict[str, Any]) -> DunningCase:
    return DunningCase(
        invoice_id=row["invoice"],
        customer_id=row["customer_id"],
        subscription_id=row["subscription_id"],
        status=DunningStatus(row["status"]),
        failures=int(row["failures"]),
        first_failed_at=row["first_failed_at"],
        next_attempt_at=row["next_attempt_at"],
        awaiting_new_method=bool(row["awaiting_new_method"]),
        closed_at=row["closed_at"],
        test_clock_id=row["test_clock_id"],
    )


class PiccoloDunningRepository:
    async def get(self, invoice_id: str) -> DunningCase | None:
        row = await DunningCaseTable.select().where(DunningCaseTable.invoice == invoice_id).first()
        return _case(row) if row else None

    async def for_invoices(self, invoice_ids: Sequence[str]) -> dict[str, DunningCase]:
        if not invoice_ids:
            return {}
        rows = await DunningCaseTable.select().where(
            DunningCaseTable.invoice.is_in(list(invoice_ids))
        )
        return {r["invoice"]: _case(r) for r in rows}

    async def save(self, case: DunningCase) -> None:
        values = {
            DunningCaseTable.customer_id: case.customer_id,
            DunningCaseTable.subscription_id: case.subscription_id,
            DunningCaseTable.status: case.status.value,
            DunningCaseTable.failures: case.failures,
            DunningCaseTable.first_failed_at: case.first_failed_at,
            DunningCaseTable.next_attempt_at: case.next_attempt_at,
            DunningCaseTable.awaiting_new_method: case.awaiting_new_method,
            DunningCaseTable.closed_at: case.closed_at,
            DunningCaseTable.test_clock_id: case.test_clock_id,
        }
        if await DunningCaseTable.exists().where(DunningCaseTable.invoice == case.invoice_id):
            await DunningCaseTable.update(values).where(DunningCaseTable.invoice == case.invoice_id)
        else:
            await DunningCaseTable.insert(
                DunningCaseTable(
                    invoice=case.invoice_id, **{c._meta.name: v for c, v in values.items()}
                )
            )

    async def due(
        self, now: datetime, *, limit: int, test_clock_id: str | None = None
    ) -> list[DunningCase]:
        on_clock = (
            DunningCaseTable.test_clock_id.is_null()
            if test_clock_id is None
            else DunningCaseTable.test_clock_id == test_clock_id
        )
        rows = await (
            DunningCaseTable.select()
            .where(on_clock)
            .where(DunningCaseTable.status == DunningStatus.OPEN.value)
            .where(DunningCaseTable.next_attempt_at.is_not_null())
            .where(DunningCaseTable.next_attempt_at <= now)
            .order_by(DunningCaseTable.next_attempt_at)
            .limit(limit)
        )
        return [_case(r) for r in rows]

    async def open_for_customer(self, customer_id: str) -> list[DunningCase]:
        rows = await (
            DunningCaseTable.select()
            .where(DunningCaseTable.customer_id == customer_id)
            .where(DunningCaseTable.status == DunningStatus.OPEN.value)
        )
        return [_case(r) for r in rows]

    async def open_by_failures(self) -> dict[int, int]:
        rows = await (
            DunningCaseTable.select(DunningCaseTable.failures, Count(alias="cases"))
            .where(DunningCaseTable.status == DunningStatus.OPEN.value)
            .group_by(DunningCaseTable.failures)
        )
        return {int(r["failures"]): int(r["cases"]) for r in rows}

    async def policy(self) -> DunningPolicy:
        row = await DunningPolicyTable.select().where(DunningPolicyTable.name == "default").first()
        if row is None:
            return DunningPolicy()
        return DunningPolicy(
            retry_days=tuple(int(d) for d in _load(row["retry_days"])),
            final_subscription_action=FinalSubscriptionAction(row["final_subscription_action"]),
            final_invoice_action=FinalInvoiceAction(row["final_invoice_action"]),
        )

    async def save_policy(self, policy: DunningPolicy) -> None:
        values = {
            DunningPolicyTable.retry_days: json.dumps(list(policy.retry_days)),
            DunningPolicyTable.final_subscription_action: policy.final_subscription_action.value,
            DunningPolicyTable.final_invoice_action: policy.final_invoice_action.value,
        }
        if await DunningPolicyTable.exists().where(DunningPolicyTable.name == "default"):
            await DunningPolicyTable.update(values).where(DunningPolicyTable.name == "default")
        else:
            await DunningPolicyTable.insert(
                DunningPolicyTable(name="default", **{c._meta.name: v for c, v in values.items()})
            )


def _refund(row: dict[str, Any]) -> Refund:
    return Refund(
        id=row["id"],
        credit_note_id=row["credit_note_id"],
        invoice_id=row["invoice_id"],
        customer_id=row["customer_id"],
        payment_ref=row["payment_ref"],
        amount_minor=int(row["amount_minor"]),
        currency=row["currency"],
        status=RefundStatus(row["status"]),
        created_at=row["created_at"],
        refund_ref=row["refund_ref"],
        code=row["code"],
        finished_at=row["finished_at"],
    )


class PiccoloRefundRepository:
    async def add(self, refund: Refund) -> bool:
        rows = await (
            RefundTable.insert(
                RefundTable(
                    id=refund.id,
                    credit_note_id=refund.credit_note_id,
                    invoice_id=refund.invoice_id,
                    customer_id=refund.customer_id,
                    payment_ref=refund.payment_ref,
                    amount_minor=refund.amount_minor,
                    currency=refund.currency,
                    status=refund.status.value,
                    created_at=refund.created_at,
                )
            )
            .on_conflict(target=RefundTable.credit_note_id, action="DO NOTHING")
            .returning(RefundTable.id)
        )
        return bool(rows)

    async def for_credit_note(self, credit_note_id: str) -> Refund | None:
        row = await RefundTable.select().where(RefundTable.credit_note_id == credit_note_id).first()
        return _refund(row) if row else None

    async def save(self, refund: Refund) -> None:
        await RefundTable.update(
            {
                RefundTable.status: refund.status.value,
                RefundTable.refund_ref: refund.refund_ref,
                RefundTable.code: refund.code,
                RefundTable.finished_at: refund.finished_at,
            }
        ).where(RefundTable.id == refund.id)

    async def for_invoice(self, invoice_id: str) -> list[Refund]:
        rows = await (
            RefundTable.select()
            .where(RefundTable.invoice_id == invoice_id)
            .order_by(RefundTable.created_at)
        )
        return [_refund(r) for r in rows]
