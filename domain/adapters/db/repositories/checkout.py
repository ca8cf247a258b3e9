"""Checkout sessions on Piccolo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.adapters.db.tables import CheckoutSessionTable
from domain.checkout.model import CheckoutSession, CheckoutState


def _session(row: dict[str, Any]) -> CheckoutSession:
    return CheckoutSession(
        token=row["token"],
        plan_code=row["plan_code"],
        state=CheckoutState(row["state"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        customer_id=row["customer"],
        account_id=row["account"],
        subscription_id=row["subscription_id"],
        invoice_id=row["invoice_id"],
        payment_ref=row["payment_ref"],
        message=row["message"] or "",
        account_created=bool(row["account_created"]),
    )


class PiccoloCheckoutRepository:
    async def get(self, token: str) -> CheckoutSession | None:
        row = await CheckoutSessionTable.select().where(CheckoutSessionTable.token == token).first()
        return _session(row) if row else None

    async def add_if_absent(self, session: CheckoutSession) -> bool:
        t = CheckoutSessionTable
        rows = (
            await t.insert(
                t(
                    token=session.token,
                    plan_code=session.plan_code,
                    state=session.state.value,
                    customer=session.customer_id,
                    account=session.account_id,
                    subscription_id=session.subscription_id,
                    invoice_id=session.invoice_id,
                    payment_ref=session.payment_ref,
                    message=session.message,
                    account_created=session.account_created,
                    created_at=session.created_at,
                    updated_at=session.updated_at,
                )
            )
            .on_conflict(target=t.token, action="DO NOTHING")
            .returning(t.token)
        )
        return bool(rows)

    async def transition(
        self,
        token: str,
        from_states: Sequence[CheckoutState],
        to_state: CheckoutState,
        at: datetime,
        *,
        updated_before: datetime | None = None,
    ) -> bool:
        t = CheckoutSessionTable
        where = (t.token == token) & t.state.is_in([s.value for s in from_states])
        if updated_before is not None:
            where = where & (t.updated_at < updated_before)
        rows = (
            await t.update({t.state: to_state.value, t.updated_at: at})
            .where(where)
            .returning(t.token)
        )
        return bool(rows)

    async def save(self, session: CheckoutSession) -> None:
        t = CheckoutSessionTable
        await t.update(
            {
                t.state: session.state.value,
                t.customer: session.customer_id,
                t.account: session.account_id,
                t.subscription_id: session.subscription_id,
                t.invoice_id: session.invoice_id,
                t.payment_ref: session.payment_ref,
                t.message: session.message[:300],
                t.account_created: session.account_created,
                t.updated_at: session.updated_at,
            }
        ).where(t.token == session.token)
