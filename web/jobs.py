"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.adapters.mail_smtp import OutboxOnlyMailer
from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.documents import jobs as document_jobs
from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.documents.ports import InvoicePdfRenderer
from domain.jobs import housekeeping
from domain.jobs.registry import JobRegistry
from domain.notifications import jobs as notification_jobs
from domain.notifications.ports import EmailRenderer, Mailer
from domain.payments import jobs as payment_jobs
from domain.payments.ports import PaymentGateway
from domain.subscriptions import jobs as subscription_jobs
from domain.subscriptions.config import BillingConfig

JOB_MODULE_REGISTRIES: tuple[JobRegistry, ...] = (housekeeping.registry,)


def build_registry(
    *extra: JobRegistry,
    billing: BillingConfig | None = None,
    gateway: PaymentGateway | None = None,
    renderer: InvoicePdfRenderer | None = None,
    seller: Seller | None = None,
    mailer: Mailer | None = None,
    email_renderer: EmailRenderer | None = None,
) -> JobRegistry:
    """The app's jobs. ``renderer`` defaults to WeasyPrint (loaded on its first render only) and
    ``seller`` to the demo seller; without a ``mailer`` e-mails are sent nowhere (they stay in
    the outbox)."""
    registry = JobRegistry()
    billing = billing or BillingConfig()
    configured = (
        subscription_jobs.build_jobs(billing),
        payment_jobs.build_jobs(billing, gateway),
        document_jobs.build_jobs(renderer or WeasyPrintInvoiceRenderer(), seller or DEMO_SELLER),
        notification_jobs.build_jobs(mailer or OutboxOnlyMailer(), renderer=email_renderer),
    )
    for module_registry in (*JOB_MODULE_REGISTRIES, *configured, *extra):
        registry.merge(module_registry)
    return registry
