"""In-memory fakes of the ports, for service tests without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Self

from domain.billing.issued import IssuedInvoice
from domain.catalog.change_policy import PlanChangeRule
from domain.catalog.model import Plan, PlanKind
from domain.jobs.model import JsonValue
from domain.shared.errors import Conflict
from domain.shared.ids import PlanId


class InMemoryPlanRepository:
    """Plan versions by id, with the database's rules: one row per (code, version), one current
    version per code."""

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}

    async def list_public(self, *, kind: PlanKind = PlanKind.BASE) -> list[Plan]:
        return sorted(
            (p for p in self.plans.values() if p.is_public and p.is_current and p.kind is kind),
            key=lambda p: (p.sort_order, p.code),
        )

    async def get(self, plan_id: PlanId) -> Plan | None:
        return self.plans.get(plan_id)

    async def get_by_code(self, code: str) -> Plan | None:
        return next((p for p in self.plans.values() if p.code == code and p.is_current), None)

    async def versions(self, code: str) -> list[Plan]:
        return sorted((p for p in self.plans.values() if p.code == code), key=lambda p: p.version)

    async def add(self, plan: Plan) -> None:
        clash = any(
            p.code == plan.code
            and (p.version == plan.version or (p.is_current and plan.is_current))
            for p in self.plans.values()
        )
        if plan.id in self.plans or clash:
            raise Conflict(
                f"plan {plan.code!r} version {plan.version} exists",
                code="catalog.concurrent_version",
            )
        self.plans[plan.id] = plan

    async def retire(self, plan_id: PlanId, at: datetime) -> None:
        self.plans[plan_id] = replace(self.plans[plan_id], retired_at=at)

    async def count(self) -> int:
        return len(self.plans)


class InMemoryPlanChangeRuleRepository:
    def __init__(self) -> None:
        self.rules: dict[tuple[str, str], PlanChangeRule] = {}

    async def get(self, from_code: str, to_code: str) -> PlanChangeRule | None:
        return self.rules.get((from_code, to_code))

    async def put(self, rule: PlanChangeRule) -> None:
        self.rules[(rule.from_code, rule.to_code)] = rule

    async def remove(self, from_code: str, to_code: str) -> bool:
        return self.rules.pop((from_code, to_code), None) is not None

    async def list_all(self) -> list[PlanChangeRule]:
        return [self.rules[k] for k in sorted(self.rules)]


class InMemoryInvoiceRepository:
    def __init__(self) -> None:
        self.series: dict[str, int] = {}
        self.invoices: dict[str, IssuedInvoice] = {}

    async def next_number(self, prefix: str) -> int:
        number = self.series.get(prefix, 1)
        self.series[prefix] = number + 1
        return number

    async def add(self, issued: IssuedInvoice) -> None:
        if issued.cycle_key and any(
            i.cycle_key == issued.cycle_key for i in self.invoices.values()
        ):
            raise Conflict("duplicate cycle", code="billing.duplicate_cycle")
        self.invoices[issued.id] = issued

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return self.invoices.get(invoice_id)

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        key = f"{subscription_id}:{period_start.isoformat()}"
        return next((i for i in self.invoices.values() if i.cycle_key == key), None)


class InMemoryJobQueue:
    def __init__(self) -> None:
        self.pending: list[tuple[str, dict[str, JsonValue], str | None, datetime | None]] = []
        self.committed: list[tuple[str, dict[str, JsonValue], str | None, datetime | None]] = []

    def enqueue(
        self,
        name: str,
        /,
        *,
        unique_key: str | None = None,
        run_at: datetime | None = None,
        **kwargs: JsonValue,
    ) -> None:
        self.pending.append((name, kwargs, unique_key, run_at))


class InMemoryUnitOfWork:
    """Commits are recorded; leaving without commit discards the enqueued jobs (not the plans:
    tests that need rollback of aggregates use the real database)."""

    def __init__(self) -> None:
        self.plans = InMemoryPlanRepository()
        self.plan_change_rules = InMemoryPlanChangeRuleRepository()
        self.invoices = InMemoryInvoiceRepository()
        self.jobs = InMemoryJobQueue()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.jobs.pending.clear()

    async def commit(self) -> None:
        self.jobs.committed.extend(self.jobs.pending)
        self.jobs.pending.clear()
        self.commits += 1

    async def rollback(self) -> None:
        self.jobs.pending.clear()
