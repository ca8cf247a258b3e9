"""What subscriptions need from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from domain.analytics.ports import MrrLedgerRepository
from domain.billing.ports import BillingUnit
from domain.catalog.ports import CatalogUnit
from domain.customers.ports import CustomersUnit
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.tax_rates import StoredTaxRate
from domain.promotions.ports import PromotionsUnit
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.entitlement_rules import Entitlement
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import (
    CancellationFeedback,
    Due,
    Subscription,
    UsageRecord,
    UsageTotal,
)
from domain.subscriptions.price_migrations import MigrationNotice, PriceMigration


class SubscriptionRepository(Protocol):
    async def add(self, sub: Subscription) -> None: ...

    async def get(
        self, subscription_id: SubscriptionId, *, lock: bool = False
    ) -> Subscription | None: ...

    async def get_many(
        self, subscription_ids: Sequence[SubscriptionId], *, lock: bool = False
    ) -> list[Subscription]:
        """Those of the subscriptions that exist, in id order (``lock``: locked in that order,
        so two transactions locking several never wait on each other in a circle)."""
        ...

    async def save(self, sub: Subscription) -> None:
        """Store ``sub`` whose ``version`` is one more than the stored one; ``Conflict`` if the
        stored row moved on meanwhile."""
        ...

    async def save_many(self, subs: Sequence[Subscription]) -> None:
        """``save`` for each (one statement on PostgreSQL); ``Conflict`` if any moved on."""
        ...

    async def for_customer(self, customer_id: CustomerId) -> list[Subscription]: ...

    async def on_plans(self, plan_ids: list[PlanId]) -> list[Subscription]:
        """Live (not ended) subscriptions on any of these plan versions."""
        ...

    async def count_by_plan(self, statuses: frozenset[str]) -> dict[PlanId, int]:
        """How many subscriptions in ``statuses`` each plan version has, as their plan or as an
        add-on (versions without any are absent)."""
        ...

    async def customers_on_plans(self, plan_ids: list[PlanId]) -> list[CustomerId]:
        """The customers with any subscription (ended ones too) on one of these plan versions,
        as its plan or as an add-on, by id."""
        ...

    async def due(
        self,
        now: datetime,
        *,
        limit: int,
        test_clock_id: str | None = None,
        after: Due | None = None,
    ) -> list[Due]:
        """Subscriptions whose ``next_action_at`` is at or before ``now``, in (instant, id)
        order, starting after ``after`` (a cursor: pages never re-read what came before): those
        on real time, or (``test_clock_id``) those on that test clock."""
        ...


class UsageRepository(Protocol):
    async def add(self, record: UsageRecord) -> bool:
        """Store a usage record; False (and nothing stored) when its subscription has a record
        with its idempotency key."""
        ...

    async def add_many(self, records: Sequence[UsageRecord]) -> set[tuple[SubscriptionId, str]]:
        """Store the records in one statement (each with an idempotency key, no two alike),
        skipping those whose (subscription, idempotency key) is stored already (by the unique
        index, so two transactions cannot both store one); the pairs stored."""
        ...

    async def since(
        self, subscription_id: SubscriptionId, start: datetime
    ) -> list[UsageRecord]: ...

    async def with_events_since(
        self, subscription_ids: Sequence[SubscriptionId], start: datetime
    ) -> set[SubscriptionId]:
        """Those of the subscriptions with an event at or after ``start`` (one query)."""
        ...

    async def totals(
        self, subscription_id: SubscriptionId, start: datetime, before: datetime
    ) -> list[UsageTotal]:
        """The events from ``start`` up to ``before`` (excluded) summed per meter and distinct
        key by the database (the engine's usage of a month, without loading every event)."""
        ...


class TaxRateRepository(Protocol):
    async def all(self) -> list[JurisdictionRate]:
        """The active rates: what checkout, renewals and invoices are taxed with."""
        ...

    async def add(self, rate: JurisdictionRate) -> None: ...

    async def stored(self) -> list[StoredTaxRate]:
        """Every rate, archived ones included, by country, region and newest first."""
        ...

    async def get(self, rate_id: str, *, lock: bool = False) -> StoredTaxRate | None: ...

    async def create(self, rate: StoredTaxRate) -> None: ...

    async def archive(self, rate_id: str, at: datetime) -> None: ...

    async def subscriptions_by_place(self) -> dict[tuple[str, str], int]:
        """Subscriptions not ended, by their customer's country and region (the region
        casefolded, "" for none): ``{("US", "wa"): 3, ("DE", ""): 10}``."""
        ...


class SubscriptionHistoryRepository(Protocol):
    async def add(self, version: SubscriptionVersion) -> None:
        """Append a version (never changed or removed)."""
        ...

    async def add_many(self, versions: Sequence[SubscriptionVersion]) -> None:
        """Append versions in order, in one statement."""
        ...

    async def customers(self, *, after: str | None, limit: int) -> list[str]:
        """Ids of customers with history, in id order, after ``after`` (a cursor)."""
        ...

    async def for_customers(self, customer_ids: list[str]) -> list[SubscriptionVersion]:
        """Every version of these customers' subscriptions in the order they were written."""
        ...


class CancellationFeedbackRepository(Protocol):
    async def add(self, feedback: CancellationFeedback) -> None: ...

    async def for_subscription(self, subscription_id: SubscriptionId) -> list[CancellationFeedback]:
        """Oldest first."""
        ...


class PriceMigrationRepository(Protocol):
    async def add(self, migration: PriceMigration) -> None: ...

    async def get(self, migration_id: str, *, lock: bool = False) -> PriceMigration | None:
        """With ``notified`` and ``moved`` counted from its notices."""
        ...

    async def save(self, migration: PriceMigration) -> None:
        """Store its status and ``closed_at`` (the rest never changes)."""
        ...

    async def for_plan(self, plan_code: str) -> list[PriceMigration]:
        """Every migration of a plan code, newest first."""
        ...

    async def scheduled(self) -> list[PriceMigration]:
        """The migrations still to run, oldest first."""
        ...

    async def add_notice(self, notice: MigrationNotice) -> bool:
        """Store a subscription's notice; ``False`` (nothing stored) when it has one already."""
        ...

    async def notices(self, migration_id: str) -> list[MigrationNotice]: ...

    async def mark_moved(
        self, migration_id: str, subscription_id: SubscriptionId, at: datetime
    ) -> None: ...


class EntitlementRepository(Protocol):
    """The ``customer_entitlement`` read model (``domain/subscriptions/entitlements.py``)."""

    async def for_customer(self, customer_id: CustomerId) -> list[Entitlement]:
        """The customer's rows by feature key (one indexed query)."""
        ...

    async def replace(self, customer_id: CustomerId, rows: list[Entitlement]) -> None:
        """The customer's rows become ``rows``."""
        ...

    async def rename_feature(self, feature_key: str, name: str) -> None:
        """Every row of the feature shows its new name."""
        ...


class SubscriptionsUnit(BillingUnit, CatalogUnit, CustomersUnit, PromotionsUnit, Protocol):
    """The subscription use cases' unit of work: their own repositories over billing's."""

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def usage(self) -> UsageRepository: ...

    @property
    def tax_rates(self) -> TaxRateRepository: ...

    @property
    def cancellation_feedback(self) -> CancellationFeedbackRepository: ...

    @property
    def price_migrations(self) -> PriceMigrationRepository: ...

    @property
    def subscription_history(self) -> SubscriptionHistoryRepository: ...

    @property
    def mrr_ledger(self) -> MrrLedgerRepository: ...

    @property
    def entitlements(self) -> EntitlementRepository: ...
