"""Plans (one row per version), their prices and plan-change rules on Piccolo; rows are mapped to
domain objects in explicit functions. Every write raises the catalog version first
(``catalog_version.py``)."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.adapters.db.repositories.catalog_version import bump_catalog_version
from domain.adapters.db.tables import PlanChangeRuleTable, PlanPriceTable, PlanTable
from domain.catalog.change_policy import (
    ChangePolicy,
    ChangeProration,
    ChangeTiming,
    PlanChangeRule,
)
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanDetails, PlanKind, PlanPrice
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.shared.errors import Conflict
from domain.shared.ids import PlanId, new_id
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def charge_to_json(charge: Charge) -> dict[str, Any]:
    data: dict[str, Any] = {"model": charge.model.value, "unit_label": charge.unit_label}
    if charge.amount_minor:
        data["amount_minor"] = charge.amount_minor
    if charge.unit_minor:
        data["unit_minor"] = str(charge.unit_minor)
    if charge.tiers:
        data["tiers"] = [
            {
                "up_to": None if t.up_to is None else str(t.up_to),
                "unit_minor": str(t.unit_minor),
                "flat_minor": t.flat_minor,
            }
            for t in charge.tiers
        ]
    if charge.package_size:
        data["package_size"] = charge.package_size
    if charge.free_units:
        data["free_units"] = charge.free_units
    if charge.meter:
        data["meter"] = {"name": charge.meter.name, "aggregation": charge.meter.aggregation.value}
    return data


def charge_from_json(data: dict[str, Any]) -> Charge:
    meter = data.get("meter")
    return Charge(
        model=ChargeModel(data["model"]),
        amount_minor=int(data.get("amount_minor", 0)),
        unit_minor=Decimal(data.get("unit_minor", "0")),
        tiers=tuple(
            Tier(
                up_to=None if t["up_to"] is None else Decimal(t["up_to"]),
                unit_minor=Decimal(t["unit_minor"]),
                flat_minor=int(t.get("flat_minor", 0)),
            )
            for t in data.get("tiers", ())
        ),
        package_size=int(data.get("package_size", 0)),
        free_units=int(data.get("free_units", 0)),
        meter=Meter(meter["name"], Aggregation(meter["aggregation"])) if meter else None,
        unit_label=data.get("unit_label", "unit"),
    )


def plan_to_domain(row: dict[str, Any], prices: list[dict[str, Any]]) -> Plan:
    return Plan(
        id=PlanId(row["id"]),
        code=row["code"],
        name=row["name"],
        description=row["description"],
        interval=Interval(IntervalUnit(row["interval_unit"]), row["interval_count"]),
        prices=tuple(
            PlanPrice(
                currency=Currency.of(p["currency"]),
                charges=tuple(charge_from_json(c) for c in _load(p["charges"])),
                setup_fee_minor=int(p["setup_fee_minor"]),
            )
            for p in prices
        ),
        features=tuple(_load(row["features"])),
        trial_days=row["trial_days"],
        is_public=bool(row["is_public"]),
        sort_order=row["sort_order"],
        highlighted=bool(row["highlighted"]),
        metadata=dict(_load(row["metadata"])),
        version=row["version"],
        retired_at=row["retired_at"],
        kind=PlanKind(row["kind"]),
        attaches_to=tuple(_load(row["attaches_to"])),
    )


def plan_to_rows(plan: Plan) -> tuple[PlanTable, list[PlanPriceTable]]:
    plan_row = PlanTable(
        id=plan.id,
        code=plan.code,
        name=plan.name,
        description=plan.description,
        interval_unit=plan.interval.unit.value,
        interval_count=plan.interval.count,
        trial_days=plan.trial_days,
        is_public=plan.is_public,
        highlighted=plan.highlighted,
        sort_order=plan.sort_order,
        features=json.dumps(list(plan.features)),
        metadata=json.dumps(plan.metadata),
        version=plan.version,
        retired_at=plan.retired_at,
        kind=plan.kind.value,
        attaches_to=json.dumps(list(plan.attaches_to)),
    )
    price_rows = [
        PlanPriceTable(
            id=new_id(),
            plan=plan.id,
            currency=price.currency.code,
            setup_fee_minor=price.setup_fee_minor,
            charges=json.dumps([charge_to_json(c) for c in price.charges]),
        )
        for price in plan.prices
    ]
    return plan_row, price_rows


def _is_version_clash(exc: Exception) -> bool:
    """A second row for a (code, version) or a second current version of a code."""
    text = str(exc).lower()
    clash = "unique" in text or "duplicate" in text
    return clash and ("plan.code" in text or "plan_code_" in text)


class PiccoloPlanRepository:
    """``get`` reads a plan version once per unit of work (a batch renewal asks for the same few
    versions hundreds of times); this repository's writes, and a rollback, forget what it read."""

    def __init__(self, *, lock_rows: bool = False) -> None:
        self._by_id: dict[PlanId, Plan] = {}
        # PostgreSQL locks rows (FOR UPDATE); SQLite's write transaction already holds the
        # database's one write lock, so publishers there take turns without it
        self._lock_rows = lock_rows

    def forget_reads(self) -> None:
        self._by_id.clear()

    async def _with_prices(self, rows: list[dict[str, Any]]) -> list[Plan]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        prices = await (
            PlanPriceTable.select()
            .where(PlanPriceTable.plan.is_in(ids))
            .order_by(PlanPriceTable.currency)
        )
        by_plan: dict[str, list[dict[str, Any]]] = {}
        for p in prices:
            by_plan.setdefault(p["plan"], []).append(p)
        return [plan_to_domain(r, by_plan.get(r["id"], [])) for r in rows]

    async def list_public(self, *, kind: PlanKind = PlanKind.BASE) -> list[Plan]:
        rows = await (
            PlanTable.select()
            .where(
                (PlanTable.is_public == True)  # noqa: E712 - Piccolo builds SQL from ==
                & PlanTable.retired_at.is_null()
                & (PlanTable.kind == kind.value)
            )
            .order_by(PlanTable.sort_order)
            .order_by(PlanTable.code)
        )
        return await self._with_prices(rows)

    async def get(self, plan_id: PlanId) -> Plan | None:
        if plan_id in self._by_id:
            return self._by_id[plan_id]
        rows = await PlanTable.select().where(PlanTable.id == plan_id)
        plans = await self._with_prices(rows)
        if plans:
            self._by_id[plan_id] = plans[0]
        return plans[0] if plans else None

    async def get_by_code(self, code: str) -> Plan | None:
        rows = await PlanTable.select().where(
            (PlanTable.code == code) & PlanTable.retired_at.is_null()
        )
        plans = await self._with_prices(rows)
        return plans[0] if plans else None

    async def versions(self, code: str) -> list[Plan]:
        rows = await PlanTable.select().where(PlanTable.code == code).order_by(PlanTable.version)
        return await self._with_prices(rows)

    async def add(self, plan: Plan) -> None:
        plan_row, price_rows = plan_to_rows(plan)
        self.forget_reads()
        await bump_catalog_version()
        try:
            await PlanTable.insert(plan_row)
        except Exception as exc:
            if _is_version_clash(exc):
                raise Conflict(
                    f"plan {plan.code!r} already has a version {plan.version} or a current"
                    " version; reload and try again",
                    code=CatalogErrorCode.CONCURRENT_VERSION,
                ) from exc
            raise
        if price_rows:
            await PlanPriceTable.insert(*price_rows)

    async def hold_code(self, code: str) -> None:
        await bump_catalog_version()  # the version row first: every catalog writer's order
        if self._lock_rows:  # in version order, so two publishers queue on version 1's row
            await (
                PlanTable.select(PlanTable.id)
                .where(PlanTable.code == code)
                .order_by(PlanTable.version)
                .lock_rows("UPDATE")
            )
        self.forget_reads()

    async def retire(self, plan_id: PlanId, at: datetime) -> None:
        self.forget_reads()
        await bump_catalog_version()
        await PlanTable.update({PlanTable.retired_at: at}).where(PlanTable.id == plan_id)

    async def count(self) -> int:
        return int(await PlanTable.count())

    async def all_versions(self) -> list[Plan]:
        rows = await (
            PlanTable.select()
            .order_by(PlanTable.sort_order)
            .order_by(PlanTable.code)
            .order_by(PlanTable.version)
        )
        return await self._with_prices(rows)

    async def update_details(self, code: str, details: PlanDetails) -> None:
        self.forget_reads()
        await bump_catalog_version()
        # one row per version; metadata keeps its other keys (max_seats, ...)
        for plan in await self.versions(code):
            shown = plan.with_details(details)
            await PlanTable.update(
                {
                    PlanTable.name: shown.name,
                    PlanTable.description: shown.description,
                    PlanTable.features: json.dumps(list(shown.features)),
                    PlanTable.is_public: shown.is_public,
                    PlanTable.sort_order: shown.sort_order,
                    PlanTable.highlighted: shown.highlighted,
                    PlanTable.metadata: json.dumps(shown.metadata),
                }
            ).where(PlanTable.id == plan.id)


def _rule_to_domain(row: dict[str, Any]) -> PlanChangeRule:
    return PlanChangeRule(
        from_code=row["from_code"],
        to_code=row["to_code"],
        policy=ChangePolicy(ChangeTiming(row["timing"]), ChangeProration(row["proration"])),
    )


class PiccoloPlanChangeRuleRepository:
    async def get(self, from_code: str, to_code: str) -> PlanChangeRule | None:
        rows = await PlanChangeRuleTable.select().where(
            (PlanChangeRuleTable.from_code == from_code) & (PlanChangeRuleTable.to_code == to_code)
        )
        return _rule_to_domain(rows[0]) if rows else None

    async def put(self, rule: PlanChangeRule) -> None:
        row = PlanChangeRuleTable(
            id=new_id(),
            from_code=rule.from_code,
            to_code=rule.to_code,
            timing=rule.policy.timing.value,
            proration=rule.policy.proration.value,
        )
        await bump_catalog_version()
        await PlanChangeRuleTable.insert(row).on_conflict(
            target=(PlanChangeRuleTable.from_code, PlanChangeRuleTable.to_code),
            action="DO UPDATE",
            values=[PlanChangeRuleTable.timing, PlanChangeRuleTable.proration],
        )

    async def remove(self, from_code: str, to_code: str) -> bool:
        await bump_catalog_version()
        rows = await (
            PlanChangeRuleTable.delete()
            .where(
                (PlanChangeRuleTable.from_code == from_code)
                & (PlanChangeRuleTable.to_code == to_code)
            )
            .returning(PlanChangeRuleTable.id)
        )
        return bool(rows)

    async def list_all(self) -> list[PlanChangeRule]:
        rows = await (
            PlanChangeRuleTable.select()
            .order_by(PlanChangeRuleTable.from_code)
            .order_by(PlanChangeRuleTable.to_code)
        )
        return [_rule_to_domain(r) for r in rows]
