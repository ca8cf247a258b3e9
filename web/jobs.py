"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.documents import jobs as document_jobs
from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.documents.ports import InvoicePdfRenderer
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
    renderer: InvoicePdfRenderer | None = None,
    seller: Seller | None = None,
) -> JobRegistry:
    """``renderer`` defaults to WeasyPrint (it loads WeasyPrint on its first render only) and
    ``seller`` to the demo seller; the app passes the seller built from its settings."""
    registry = JobRegistry()
    billing = billing or BillingConfig()
    configured = (
        subscription_jobs.build_jobs(billing),
        payment_jobs.build_jobs(billing, gateway),
        document_jobs.build_jobs(renderer or WeasyPrintInvoiceRenderer(), seller or DEMO_SELLER),
    )
    for module_registry in (*JOB_MODULE_REGISTRIES, *configured, *extra):
        registry.merge(module_registry)
    return registry
