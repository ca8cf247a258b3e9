"""Customers, subscriptions and tax rates on Piccolo (coupons: ``promotions.py``; usage:
``usage.py``).

Rows are mapped explicitly (``_to_*``/``_*_row``). ``lock=True`` takes the row lock with
``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has no row locks, but its write transactions
start ``BEGIN IMMEDIATE``, which serialises writers anyway.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from domain.adapters.db.repositories.billing import _exact, _fraction, _load
from domain.adapters.db.repositories.catalog_version import bump_catalog_version
from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    CustomerTable,
    SubscriptionTable,
    TaxRateTable,
)
from domain.adapters.db.unique import conflict_on_duplicate
from domain.billing.model import InvoiceLine, LineKind
from domain.customers.model import Customer
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.proration import ProrationUnit
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.tax_rates import DUPLICATE_RATE, StoredTaxRate, format_percentage, rate_order
from domain.shared.errors import Conflict
from domain.shared.ids import CustomerId, PlanId, SubscriptionId, new_id
from domain.shared.periods import Period
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.engine.states import ENDED
from domain.subscriptions.model import (
    AppliedCouponState,
    CancellationFeedback,
    CancellationReason,
    Due,
    Subscription,
)

Q = TypeVar("Q")


def _locked(query: Any, table: Any) -> Any:
    if table._meta.db.engine_type in ("postgres", "cockroach"):
        return query.lock_rows()
    return query


def _json(value: Any) -> str:
    return json.dumps(value)


# -- customers ------------------------------------------------------------------------------------
def _to_customer(row: dict[str, Any]) -> Customer:
    return Customer(
        id=CustomerId(row["id"]),
        email=row["email"],
        name=row["name"],
        currency=row["currency"],
        country=row["country"],
        region=row["region"],
        address_lines=tuple(_load(row["address_lines"]) or ()),
        tax_id=row["tax_id"],
        tax_exempt=bool(row["tax_exempt"]),
        timezone=row["timezone"],
        balance_minor=int(row["balance_minor"]),
        created_at=row["created_at"],
        test_clock_id=row["test_clock_id"],
    )


def _customer_values(c: Customer) -> dict[Any, Any]:
    return {
        CustomerTable.email: c.email,
        CustomerTable.name: c.name,
        CustomerTable.currency: c.currency,
        CustomerTable.country: c.country,
        CustomerTable.region: c.region,
        CustomerTable.address_lines: _json(list(c.address_lines)),
        CustomerTable.tax_id: c.tax_id,
        CustomerTable.tax_exempt: c.tax_exempt,
        CustomerTable.timezone: c.timezone,
        CustomerTable.balance_minor: c.balance_minor,
        CustomerTable.test_clock_id: c.test_clock_id,
    }


class PiccoloCustomerRepository:
    async def add(self, customer: Customer) -> None:
        """``Conflict`` when another customer has the e-mail (committed meanwhile)."""
        values = {col._meta.name: v for col, v in _customer_values(customer).items()}
        async with conflict_on_duplicate(
            "A customer with this e-mail exists.", code="customer.email_taken"
        ):
            await CustomerTable.insert(
                CustomerTable(id=customer.id, created_at=customer.created_at, **values)
            )

    async def get(self, customer_id: CustomerId, *, lock: bool = False) -> Customer | None:
        query = CustomerTable.select().where(CustomerTable.id == customer_id)
        rows = await (_locked(query, CustomerTable) if lock else query)
        return _to_customer(rows[0]) if rows else None

    async def get_many(
        self, customer_ids: Sequence[CustomerId], *, lock: bool = False
    ) -> list[Customer]:
        if not customer_ids:
            return []
        query = (
            CustomerTable.select()
            .where(CustomerTable.id.is_in(sorted(set(customer_ids))))
            .order_by(CustomerTable.id)
        )
        rows = await (_locked(query, CustomerTable) if lock else query)
        return [_to_customer(r) for r in rows]

    async def get_by_email(self, email: str) -> Customer | None:
        row = await CustomerTable.select().where(CustomerTable.email == email.lower()).first()
        return _to_customer(row) if row else None

    async def save(self, customer: Customer) -> None:
        await CustomerTable.update(_customer_values(customer)).where(
            CustomerTable.id == customer.id
        )

    async def page(self, *, after: str | None, limit: int) -> list[Customer]:
        query = CustomerTable.select().order_by(CustomerTable.id).limit(limit)
        if after is not None:
            query = query.where(CustomerTable.id > after)
        return [_to_customer(r) for r in await query]


# -- subscriptions --------------------------------------------------------------------------------
def _line_json(line: InvoiceLine) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "description": line.description,
        "quantity": _exact(line.quantity),
        "unit_amount": _exact(line.unit_amount),
        "amount": line.amount,
        "period_start": line.period.start.isoformat(),
        "period_end": line.period.end.isoformat(),
        "explanation": line.explanation,
        "detail": line.detail,
    }


def _line_of(data: dict[str, Any]) -> InvoiceLine:
    return InvoiceLine(
        kind=LineKind(data["kind"]),
        description=data["description"],
        quantity=_fraction(data["quantity"]),
        unit_amount=_fraction(data["unit_amount"]),
        amount=int(data["amount"]),
        period=Period(
            datetime.fromisoformat(data["period_start"]), datetime.fromisoformat(data["period_end"])
        ),
        explanation=data["explanation"],
        detail=data.get("detail", ""),  # lines stored before details existed have none
    )


def _coupon_json(state: AppliedCouponState | None) -> str | None:
    if state is None:
        return None
    c = state.coupon
    return _json(
        {
            "code": c.code,
            "duration": c.duration.value,
            "percent_off": str(c.percent_off) if c.percent_off is not None else None,
            "amount_off_minor": c.amount_off_minor,
            "duration_in_months": c.duration_in_months,
            "applied_at": state.applied_at.isoformat(),
            "invoices_discounted": state.invoices_discounted,
        }
    )


def _coupon_of(value: Any) -> AppliedCouponState | None:
    data = _load(value)
    if not data:
        return None
    return AppliedCouponState(
        coupon=Coupon(
            code=data["code"],
            duration=CouponDuration(data["duration"]),
            percent_off=Decimal(data["percent_off"]) if data["percent_off"] is not None else None,
            amount_off_minor=data["amount_off_minor"],
            duration_in_months=data["duration_in_months"],
        ),
        applied_at=datetime.fromisoformat(data["applied_at"]),
        invoices_discounted=int(data["invoices_discounted"]),
    )


def _to_subscription(row: dict[str, Any]) -> Subscription:
    return Subscription(
        id=SubscriptionId(row["id"]),
        customer_id=CustomerId(row["customer"]),
        currency=row["currency"],
        timezone=row["timezone"],
        proration=ProrationUnit(row["proration"]),
        plan_id=PlanId(row["plan"]),
        quantity=int(row["quantity"]),
        status=SubscriptionStatus(row["status"]),
        anchor=row["anchor"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        created_at=row["created_at"],
        pending_anchor=row["pending_anchor"],
        cancel_at_period_end=bool(row["cancel_at_period_end"]),
        scheduled_plan_id=PlanId(row["scheduled_plan_id"]) if row["scheduled_plan_id"] else None,
        scheduled_quantity=row["scheduled_quantity"],
        scheduled_from=row["scheduled_from"],
        resume_at=row["resume_at"],
        paused_at=row["paused_at"],
        incomplete_expires_at=row["incomplete_expires_at"],
        coupon=_coupon_of(row["coupon"]),
        carry_minor=int(row["carry_minor"]),
        pending_lines=tuple(_line_of(d) for d in _load(row["pending_lines"]) or ()),
        addons=tuple((PlanId(a[0]), int(a[1])) for a in _load(row["addons"]) or ()),
        period_invoice_id=row["period_invoice_id"],
        canceled_at=row["canceled_at"],
        version=int(row["version"]),
        test_clock_id=row["test_clock_id"],
    )


def _subscription_values(s: Subscription) -> dict[Any, Any]:
    t = SubscriptionTable
    return {
        t.plan: s.plan_id,
        t.quantity: s.quantity,
        t.status: s.status.value,
        t.anchor: s.anchor,
        t.period_start: s.period_start,
        t.period_end: s.period_end,
        t.next_action_at: s.next_action_at,
        t.canceled_at: s.canceled_at,
        t.pending_anchor: s.pending_anchor,
        t.cancel_at_period_end: s.cancel_at_period_end,
        t.scheduled_plan_id: s.scheduled_plan_id,
        t.scheduled_quantity: s.scheduled_quantity,
        t.scheduled_from: s.scheduled_from,
        t.resume_at: s.resume_at,
        t.paused_at: s.paused_at,
        t.incomplete_expires_at: s.incomplete_expires_at,
        t.coupon: _coupon_json(s.coupon),
        t.carry_minor: s.carry_minor,
        t.pending_lines: _json([_line_json(line) for line in s.pending_lines]),
        t.addons: _json([[plan_id, n] for plan_id, n in s.addons]),
        t.period_invoice_id: s.period_invoice_id,
        t.version: s.version,
        t.test_clock_id: s.test_clock_id,
    }


# the columns ``save`` writes, with their PostgreSQL types (``save_many``'s arrays)
_SAVED_TYPES = {
    "plan": "varchar", "quantity": "integer", "status": "varchar", "anchor": "timestamptz",
    "period_start": "timestamptz", "period_end": "timestamptz",
    "next_action_at": "timestamptz", "canceled_at": "timestamptz",
    "pending_anchor": "timestamptz", "cancel_at_period_end": "boolean",
    "scheduled_plan_id": "varchar", "scheduled_quantity": "integer",
    "scheduled_from": "timestamptz", "resume_at": "timestamptz", "paused_at": "timestamptz",
    "incomplete_expires_at": "timestamptz", "coupon": "json", "carry_minor": "bigint",
    "pending_lines": "json", "addons": "json", "period_invoice_id": "varchar",
    "version": "integer", "test_clock_id": "varchar",
}  # fmt: skip


class PiccoloSubscriptionRepository:
    async def add(self, sub: Subscription) -> None:
        values = {col._meta.name: v for col, v in _subscription_values(sub).items()}
        await SubscriptionTable.insert(
            SubscriptionTable(
                id=sub.id,
                customer=sub.customer_id,
                currency=sub.currency,
                timezone=sub.timezone,
                proration=sub.proration.value,
                created_at=sub.created_at,
                **values,
            )
        )

    async def get(
        self, subscription_id: SubscriptionId, *, lock: bool = False
    ) -> Subscription | None:
        query = SubscriptionTable.select().where(SubscriptionTable.id == subscription_id)
        rows = await (_locked(query, SubscriptionTable) if lock else query)
        return _to_subscription(rows[0]) if rows else None

    async def get_many(
        self, subscription_ids: Sequence[SubscriptionId], *, lock: bool = False
    ) -> list[Subscription]:
        if not subscription_ids:
            return []
        query = (
            SubscriptionTable.select()
            .where(SubscriptionTable.id.is_in(list(subscription_ids)))
            .order_by(SubscriptionTable.id)
        )
        rows = await (_locked(query, SubscriptionTable) if lock else query)
        return [_to_subscription(r) for r in rows]

    async def save(self, sub: Subscription) -> None:
        rows = await (
            SubscriptionTable.update(_subscription_values(sub))
            .where(SubscriptionTable.id == sub.id)
            .where(SubscriptionTable.version == sub.version - 1)
            .returning(SubscriptionTable.id)
        )
        if not rows:
            raise Conflict(
                "The subscription changed meanwhile; please try again.",
                code="subscription.concurrent_update",
            )

    async def save_many(self, subs: Sequence[Subscription]) -> None:
        if not subs:
            return
        if SubscriptionTable._meta.db.engine_type != "postgres":
            for sub in subs:  # SQLite: local calls, one each
                await self.save(sub)
            return
        values = [{c._meta.name: v for c, v in _subscription_values(s).items()} for s in subs]
        names = list(_SAVED_TYPES)
        arrays = [[s.id for s in subs]] + [[row[n] for row in values] for n in names]
        casts = ", ".join(f"{{}}::{t}[]" for t in ("varchar", *_SAVED_TYPES.values()))
        sets = ", ".join(f'"{n}" = v."{n}"' for n in names)
        aliases = ", ".join(f'"{n}"' for n in ("id", *names))
        rows = await SubscriptionTable.raw(
            f"UPDATE subscription AS s SET {sets} FROM unnest({casts}) AS v({aliases}) "
            "WHERE s.id = v.id AND s.version = v.version - 1 RETURNING s.id",
            *arrays,
        )
        if len(rows) != len(subs):
            raise Conflict(
                "The subscription changed meanwhile; please try again.",
                code="subscription.concurrent_update",
            )

    async def for_customer(self, customer_id: CustomerId) -> list[Subscription]:
        rows = await (
            SubscriptionTable.select()
            .where(SubscriptionTable.customer == customer_id)
            .order_by(SubscriptionTable.created_at)
        )
        return [_to_subscription(r) for r in rows]

    async def on_plans(self, plan_ids: list[PlanId]) -> list[Subscription]:
        if not plan_ids:
            return []
        rows = await (
            SubscriptionTable.select()
            .where(SubscriptionTable.plan.is_in(plan_ids))
            .where(SubscriptionTable.next_action_at.is_not_null())
            .order_by(SubscriptionTable.created_at)
        )
        return [_to_subscription(r) for r in rows]

    async def customers_on_plans(self, plan_ids: list[PlanId]) -> list[CustomerId]:
        """Base plans by the ``plan`` column; add-ons from the ``addons`` of the rows that have
        any (as ``count_by_plan``)."""
        if not plan_ids:
            return []
        t = SubscriptionTable
        wanted = set(plan_ids)
        found = {r["customer"] for r in await t.select(t.customer).where(t.plan.is_in(plan_ids))}
        with_addons = await t.select(t.customer, t.addons).where(
            WhereRaw("CAST(addons AS TEXT) <> '[]'")
        )
        for row in with_addons:
            if any(str(a[0]) in wanted for a in _load(row["addons"]) or ()):
                found.add(row["customer"])
        return [CustomerId(c) for c in sorted(found)]

    async def count_by_plan(self, statuses: frozenset[str]) -> dict[PlanId, int]:
        """Subscriptions in ``statuses`` per plan version: base plans by the ``plan`` column
        (one grouped query), add-ons from the ``addons`` of the rows that have any."""
        if not statuses:
            return {}
        t = SubscriptionTable
        in_status = t.status.is_in(sorted(statuses))
        counts: dict[PlanId, int] = {}
        rows = await t.select(t.plan, Count(alias="n")).where(in_status).group_by(t.plan)
        for row in rows:
            counts[PlanId(row["plan"])] = int(row["n"])
        # JSON has no equality operator on PostgreSQL; its text does (the same on SQLite)
        with_addons = await t.select(t.addons).where(
            in_status, WhereRaw("CAST(addons AS TEXT) <> '[]'")
        )
        for row in with_addons:
            for plan_id in {str(a[0]) for a in _load(row["addons"]) or ()}:
                counts[PlanId(plan_id)] = counts.get(PlanId(plan_id), 0) + 1
        return counts

    async def due(
        self,
        now: datetime,
        *,
        limit: int,
        test_clock_id: str | None = None,
        after: Due | None = None,
    ) -> list[Due]:
        t = SubscriptionTable
        on_clock = (
            t.test_clock_id.is_null()
            if test_clock_id is None
            else (t.test_clock_id == test_clock_id)
        )
        query = (
            t.select(t.id, t.next_action_at)
            .where(on_clock)
            .where(t.next_action_at.is_not_null())
            .where(t.next_action_at <= now)
        )
        if after is not None:
            query = query.where(
                (t.next_action_at > after.at) | ((t.next_action_at == after.at) & (t.id > after.id))
            )
        rows = await query.order_by(t.next_action_at).order_by(t.id).limit(limit)
        return [Due(SubscriptionId(r["id"]), r["next_action_at"]) for r in rows]


# -- tax rates ------------------------------------------------------------------------------------
def _stored_rate(r: dict[str, Any]) -> StoredTaxRate:
    return StoredTaxRate(
        id=r["id"],
        country=r["country"],
        region=r["region"],
        name=r["code"],
        percentage=Decimal(r["percentage"]),
        inclusive=bool(r["inclusive"]),
        created_at=r["created_at"],
        archived_at=r["archived_at"],
    )


class PiccoloTaxRateRepository:
    """``all`` reads the rates in force once per unit of work (every subscription of a batch
    renewal asks); this repository's writes, and a rollback, forget what it read."""

    def __init__(self) -> None:
        self._all: list[JurisdictionRate] | None = None

    def forget_reads(self) -> None:
        self._all = None

    async def all(self) -> list[JurisdictionRate]:
        if self._all is not None:
            return list(self._all)
        rows = await (
            TaxRateTable.select()
            .where(TaxRateTable.archived_at.is_null())
            .order_by(TaxRateTable.country)
            .order_by(TaxRateTable.id)
        )
        self._all = [_stored_rate(r).as_jurisdiction_rate() for r in rows]
        return list(self._all)

    async def add(self, rate: JurisdictionRate) -> None:
        self.forget_reads()
        await bump_catalog_version()  # the pages' catalog snapshot holds the rates in force
        await TaxRateTable.insert(
            TaxRateTable(
                id=new_id(),
                country=rate.country.upper(),
                region=rate.region,
                code=rate.rate.code,
                percentage=format_percentage(rate.rate.percentage),
                inclusive=rate.rate.inclusive,
            )
        )

    async def stored(self) -> list[StoredTaxRate]:
        rows = await TaxRateTable.select()
        rates = [_stored_rate(r) for r in rows]
        return sorted(rates, key=rate_order)

    async def get(self, rate_id: str, *, lock: bool = False) -> StoredTaxRate | None:
        query = TaxRateTable.select().where(TaxRateTable.id == rate_id)
        rows = await (_locked(query, TaxRateTable) if lock else query)
        return _stored_rate(rows[0]) if rows else None

    async def create(self, rate: StoredTaxRate) -> None:
        self.forget_reads()
        await bump_catalog_version()
        async with conflict_on_duplicate(
            "This country and region has an active rate already.", code=DUPLICATE_RATE
        ):
            await TaxRateTable.insert(
                TaxRateTable(
                    id=rate.id,
                    country=rate.country,
                    region=rate.region,
                    code=rate.name,
                    percentage=format_percentage(rate.percentage),
                    inclusive=rate.inclusive,
                    created_at=rate.created_at,
                    archived_at=rate.archived_at,
                )
            )

    async def archive(self, rate_id: str, at: datetime) -> None:
        self.forget_reads()
        await bump_catalog_version()
        await TaxRateTable.update({TaxRateTable.archived_at: at}).where(TaxRateTable.id == rate_id)

    async def subscriptions_by_place(self) -> dict[tuple[str, str], int]:
        country, region = SubscriptionTable.customer.country, SubscriptionTable.customer.region
        rows = await (
            SubscriptionTable.select(
                country.as_alias("country"), region.as_alias("region"), Count(alias="n")
            )
            .where(SubscriptionTable.status.not_in([s.value for s in ENDED]))
            .group_by(country, region)
        )
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            key = (str(r["country"]).upper(), " ".join((r["region"] or "").split()).casefold())
            counts[key] = counts.get(key, 0) + int(r["n"])
        return counts


# -- cancellation feedback ------------------------------------------------------------------------
class PiccoloCancellationFeedbackRepository:
    async def add(self, feedback: CancellationFeedback) -> None:
        await CancellationFeedbackTable.insert(
            CancellationFeedbackTable(
                id=feedback.id,
                subscription=feedback.subscription_id,
                customer=feedback.customer_id,
                reason=feedback.reason.value,
                comment=feedback.comment,
                timing=feedback.timing,
                created_at=feedback.created_at,
            )
        )

    async def for_subscription(self, subscription_id: SubscriptionId) -> list[CancellationFeedback]:
        rows = (
            await CancellationFeedbackTable.select()
            .where(CancellationFeedbackTable.subscription == subscription_id)
            .order_by(CancellationFeedbackTable.created_at)
        )
        return [
            CancellationFeedback(
                id=r["id"],
                subscription_id=SubscriptionId(r["subscription"]),
                customer_id=CustomerId(r["customer"]),
                reason=CancellationReason(r["reason"]),
                comment=r["comment"],
                timing=r["timing"],
                created_at=r["created_at"],
            )
            for r in rows
        ]
