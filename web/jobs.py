"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.jobs import housekeeping
from domain.jobs.registry import JobRegistry
from domain.payments import jobs as payment_jobs
from domain.payments.ports import PaymentGateway
from domain.subscriptions import jobs as subscription_jobs
from domain.subscriptions.config import BillingConfig

JOB_MODULE_REGISTRIES: tuple[JobRegistry, ...] = (housekeeping.registry,)


def build_registry(
    *extra: JobRegistry,
    billing: BillingConfig | None = None,
    gateway: PaymentGateway | None = None,
) -> JobRegistry:
    registry = JobRegistry()
    billing = billing or BillingConfig()
    configured = (
        subscription_jobs.build_jobs(billing),
        payment_jobs.build_jobs(billing, gateway),
    )
    for module_registry in (*JOB_MODULE_REGISTRIES, *configured, *extra):
        registry.merge(module_registry)
    return registry
