"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.adapters.mail_smtp import OutboxOnlyMailer
from domain.jobs import housekeeping
from domain.jobs.registry import JobRegistry
from domain.notifications import jobs as notification_jobs
from domain.notifications.ports import EmailRenderer, Mailer
from domain.subscriptions import jobs as subscription_jobs
from domain.subscriptions.config import BillingConfig

JOB_MODULE_REGISTRIES: tuple[JobRegistry, ...] = (housekeeping.registry,)


def build_registry(
    *extra: JobRegistry,
    billing: BillingConfig | None = None,
    mailer: Mailer | None = None,
    email_renderer: EmailRenderer | None = None,
) -> JobRegistry:
    """The app's jobs; without a ``mailer`` e-mails are sent nowhere (they stay in the outbox)."""
    registry = JobRegistry()
    configured = (
        subscription_jobs.build_jobs(billing or BillingConfig()),
        notification_jobs.build_jobs(mailer or OutboxOnlyMailer(), renderer=email_renderer),
    )
    for module_registry in (*JOB_MODULE_REGISTRIES, *configured, *extra):
        registry.merge(module_registry)
    return registry
