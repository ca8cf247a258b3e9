"""Every job the app knows, gathered from the contexts' job modules (explicit, no discovery)."""

from __future__ import annotations

from domain.adapters.mail_smtp import OutboxOnlyMailer, SmtpMailer
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.adapters.webhooks_http import HttpxWebhookSender
from domain.analytics import jobs as analytics_jobs
from domain.analytics_reports import jobs as analytics_report_jobs
from domain.apikeys import jobs as apikey_jobs
from domain.billing.config import BillingConfig
from domain.documents import jobs as document_jobs
from domain.documents.attachments import InvoicePdfAttachments
from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.documents.ports import PdfRenderer
from domain.integrations import jobs as integration_jobs
from domain.jobs import housekeeping
from domain.jobs.registry import JobRegistry
from domain.notices import jobs as notice_jobs
from domain.notifications import jobs as notification_jobs
from domain.notifications.ports import EmailRenderer, Mailer
from domain.payments import jobs as payment_jobs
from domain.payments.ports import PaymentGateway
from domain.subscriptions import jobs as subscription_jobs
from domain.webhooks_out import jobs as webhook_jobs
from domain.webhooks_out.delivery import Mailing as WebhookMailing
from domain.webhooks_out.ports import WebhookSender
from web.settings import Settings

JOB_MODULE_REGISTRIES: tuple[JobRegistry, ...] = (housekeeping.registry, apikey_jobs.registry)


def build_registry(
    *extra: JobRegistry,
    billing: BillingConfig | None = None,
    gateway: PaymentGateway | None = None,
    renderer: PdfRenderer | None = None,
    seller: Seller | None = None,
    mailer: Mailer | None = None,
    email_renderer: EmailRenderer | None = None,
    public_url: str = "http://127.0.0.1:8000",
    reporting_currency: str = "USD",
    webhook_sender: WebhookSender | None = None,
) -> JobRegistry:
    """The app's jobs. ``renderer`` defaults to WeasyPrint (loaded on its first render only) and
    ``seller`` to the demo seller; without a ``mailer`` e-mails are sent nowhere (they stay in
    the outbox)."""
    registry = JobRegistry()
    billing = billing or BillingConfig()
    pdf_renderer = renderer or WeasyPrintInvoiceRenderer()
    pdf_seller = seller or DEMO_SELLER
    mail_renderer = email_renderer or JinjaEmailRenderer(
        brand_name="Tessera", default_locale="en_US", default_timezone="UTC"
    )
    configured = (
        subscription_jobs.build_jobs(billing),
        analytics_jobs.build_jobs(billing, reporting_currency),
        integration_jobs.build_jobs(billing),
        payment_jobs.build_jobs(billing, gateway),
        document_jobs.build_jobs(pdf_renderer, pdf_seller),
        notification_jobs.build_jobs(
            mailer or OutboxOnlyMailer(),
            resolver_factory=lambda ctx: InvoicePdfAttachments(
                uow=ctx.uow, renderer=pdf_renderer, seller=pdf_seller, clock=ctx.clock
            ),
        ),
        analytics_report_jobs.build_jobs(
            renderer=mail_renderer,
            reporting_currency=reporting_currency,
            rounding=billing.rounding,
            public_url=public_url,
        ),
        notice_jobs.build_jobs(
            renderer=mail_renderer,
            config=billing,
            public_url=public_url,
            seller=pdf_seller,
        ),
        webhook_jobs.build_jobs(
            webhook_sender or HttpxWebhookSender(allow_local=False),
            WebhookMailing(mail_renderer, public_url),
        ),
    )
    for module_registry in (*JOB_MODULE_REGISTRIES, *configured, *extra):
        registry.merge(module_registry)
    return registry


def registry_for(
    settings: Settings,
    *,
    gateway: PaymentGateway,
    mailer: Mailer | None = None,
    renderer: PdfRenderer | None = None,
) -> JobRegistry:
    """The registry the app and the standalone worker run, with the adapters the settings name."""
    return build_registry(
        billing=settings.billing,
        gateway=gateway,
        mailer=mailer or default_mailer(settings),
        email_renderer=email_renderer_for(settings),
        public_url=settings.public_url,
        seller=seller_from(settings),
        renderer=renderer,
        reporting_currency=settings.reporting_currency,
        webhook_sender=HttpxWebhookSender(allow_local=settings.is_development),
    )


def email_renderer_for(settings: Settings) -> JinjaEmailRenderer:
    return JinjaEmailRenderer(
        brand_name=settings.brand_name,
        default_locale=settings.default_locale,
        default_timezone=settings.default_timezone,
    )


def seller_from(settings: Settings) -> Seller:
    """The letterhead on invoices: the ``SELLER_*`` settings, the brand name, else the demo's."""
    s = settings.seller
    return Seller(
        name=s.name or settings.brand_name or DEMO_SELLER.name,
        address_lines=s.address_lines or DEMO_SELLER.address_lines,
        country=s.country or DEMO_SELLER.country,
        tax_id=s.tax_id if s.tax_id is not None else DEMO_SELLER.tax_id,
        email=s.email or DEMO_SELLER.email,
        tax_name=s.tax_name,
        timezone=settings.default_timezone,
        locale=settings.default_locale,
        payment_terms_days=s.payment_terms_days,
        website=settings.public_url.split("://", 1)[-1],
    )


def default_mailer(settings: Settings) -> Mailer:
    """SMTP when ``SMTP_URL`` is set; otherwise e-mails stay in the outbox (``/admin/emails``)."""
    if settings.mail.smtp_url:
        return SmtpMailer(settings.mail.smtp_url, mail_from=settings.mail.mail_from)
    return OutboxOnlyMailer()
