"""Dependency providers: handlers declare what they need by name (``uow``, ``clock``, ``billing``,
``payment_gateway``, ...) and Litestar injects it; nothing reaches into the ``Runtime`` itself
but the request hooks, the API-key guard and the API's entitlements read (web/api/entitlements.py:
its hot path resolves no dependencies).

``uow`` is a fresh unit of work per request (one use case, one transaction); ``new_uow`` is the
factory, for use cases that open several transactions (placing an order, collecting an invoice);
``read_uow`` is for handlers that only read (no write lock on SQLite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from domain.accounts.mailing import Mailing
from domain.accounts.ports import PasswordHasher
from domain.billing.config import BillingConfig
from domain.catalog.cache import CatalogCache
from domain.documents.service import DocumentRendering
from domain.jobs.ports import JobStore
from domain.jobs.runner import JobRunner
from domain.payments.ports import PaymentGateway
from domain.promotions.cache import PromotionCache
from domain.shared.clock import Clock
from domain.staff.ports import SecretBox
from domain.support.actions.base import ActionServices, RefundLimits
from domain.unit_of_work import UnitOfWork
from web.admin.analytics_cache import AnalyticsPageCache
from web.auth.session import provide_maybe_signed_in, provide_signed_in
from web.runtime import OidcProvider, Runtime
from web.settings import Settings

UowFactory = Callable[[], UnitOfWork]


def provide_runtime(state: State) -> Runtime:
    """The composition root's objects; only the providers below (and app start-up) read it."""
    runtime: Runtime = state.runtime
    return runtime


def provide_uow(runtime: NamedDependency[Runtime]) -> UnitOfWork:
    return runtime.uow()


def provide_new_uow(runtime: NamedDependency[Runtime]) -> UowFactory:
    return runtime.uow


def provide_new_read_uow(runtime: NamedDependency[Runtime]) -> UowFactory:
    return runtime.read_uow


def provide_read_uow(runtime: NamedDependency[Runtime]) -> UnitOfWork:
    return runtime.read_uow()


def provide_statement_uow(runtime: NamedDependency[Runtime]) -> UnitOfWork:
    return runtime.statement_uow()


def provide_clock(runtime: NamedDependency[Runtime]) -> Clock:
    return runtime.clock


def provide_settings(runtime: NamedDependency[Runtime]) -> Settings:
    return runtime.settings


def provide_billing(runtime: NamedDependency[Runtime]) -> BillingConfig:
    return runtime.settings.billing


def provide_payment_gateway(runtime: NamedDependency[Runtime]) -> PaymentGateway:
    return runtime.gateway


def provide_hasher(runtime: NamedDependency[Runtime]) -> PasswordHasher:
    return runtime.hasher


def provide_mailing(runtime: NamedDependency[Runtime]) -> Mailing:
    return runtime.mailing


def provide_runner(runtime: NamedDependency[Runtime]) -> JobRunner:
    return runtime.runner


def provide_job_store(runtime: NamedDependency[Runtime]) -> JobStore:
    return runtime.job_store


def provide_oidc_providers(runtime: NamedDependency[Runtime]) -> dict[str, OidcProvider]:
    return runtime.oidc_providers


def provide_desk(runtime: NamedDependency[Runtime]) -> ActionServices:
    """What staff actions on a customer run with (``domain/support/actions``)."""
    return ActionServices(
        uow=runtime.uow,
        clock=runtime.clock,
        config=runtime.settings.billing,
        gateway=runtime.gateway,
        refund_limits=RefundLimits(default_major=runtime.settings.support_refund_limit),
    )


def provide_staff_oidc(runtime: NamedDependency[Runtime]) -> OidcProvider | None:
    return runtime.staff_oidc


def provide_documents(runtime: NamedDependency[Runtime]) -> DocumentRendering:
    """What PDF downloads render with, when the stored PDF is missing or stale."""
    assert runtime.documents is not None  # set by create_app
    return runtime.documents


def provide_secret_box(runtime: NamedDependency[Runtime]) -> SecretBox:
    return runtime.secret_box


def provide_catalog(runtime: NamedDependency[Runtime]) -> CatalogCache:
    assert runtime.catalog is not None  # set by create_app
    return runtime.catalog


def provide_promotions(runtime: NamedDependency[Runtime]) -> PromotionCache:
    assert runtime.promotions is not None  # set by create_app
    return runtime.promotions


def provide_analytics_pages(runtime: NamedDependency[Runtime]) -> AnalyticsPageCache:
    assert runtime.analytics_pages is not None  # set by create_app
    return runtime.analytics_pages


@dataclass(frozen=True, slots=True)
class Storefront:
    """What the pricing pages read, as one dependency: two dependencies of one level are
    resolved in an anyio task group per request (about 7% of ``/pricing``'s CPU), one is
    called directly."""

    catalog: CatalogCache
    settings: Settings


def provide_storefront(runtime: NamedDependency[Runtime]) -> Storefront:
    assert runtime.catalog is not None  # set by create_app
    return Storefront(catalog=runtime.catalog, settings=runtime.settings)


def _sync(fn: Callable[..., Any]) -> Provide:
    return Provide(fn, sync_to_thread=False)


DEPENDENCIES: dict[str, Any] = {
    "runtime": _sync(provide_runtime),
    "uow": _sync(provide_uow),
    "new_uow": _sync(provide_new_uow),
    "read_uow": _sync(provide_read_uow),  # for handlers that only read
    "new_read_uow": _sync(provide_new_read_uow),
    # for a use case that reads with one statement (on PostgreSQL: no transaction around it)
    "statement_uow": _sync(provide_statement_uow),
    "clock": _sync(provide_clock),
    "settings": _sync(provide_settings),
    "billing": _sync(provide_billing),
    "payment_gateway": _sync(provide_payment_gateway),
    "hasher": _sync(provide_hasher),
    "mailing": _sync(provide_mailing),
    "runner": _sync(provide_runner),
    "job_store": _sync(provide_job_store),
    "oidc_providers": _sync(provide_oidc_providers),
    "desk": _sync(provide_desk),
    "staff_oidc": _sync(provide_staff_oidc),  # staff single sign-on, None when not configured
    "secret_box": _sync(provide_secret_box),
    "documents": _sync(provide_documents),  # lazy invoice and credit note PDFs
    "catalog": _sync(provide_catalog),  # the public pages' catalog snapshot, kept in memory
    "promotions": _sync(provide_promotions),  # the checkout pages' promotion codes, in memory
    # the analytics pages' bodies per read model version, kept in memory
    "analytics_pages": _sync(provide_analytics_pages),
    "storefront": _sync(provide_storefront),  # the catalog and the settings, in one
    # the signed-in subscriber (anonymous: to the sign-in page), or None where sign-in is optional
    "signed_in": Provide(provide_signed_in),
    "maybe_signed_in": Provide(provide_maybe_signed_in),
}
