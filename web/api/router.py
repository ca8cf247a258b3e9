"""/api/v1: the public plan endpoints, the payment webhooks (webhooks.py), the OpenAPI document
(openapi.py) and, behind an API key (auth.py), the resources: customers.py, subscriptions.py,
invoices.py, credit_notes.py, payment_methods.py, entitlements.py, catalog.py (every plan
version), promotions.py (coupons, promotion codes), usage.py (docs/api.md). Never used by
templates."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation

from domain.catalog.service import get_public_plan, list_public_plans
from domain.catalog.views import PlanCard
from domain.unit_of_work import UnitOfWork
from web.api.auth import provide_api_key, require_api_key
from web.api.catalog import get_catalog_plan_api, list_catalog_plans_api
from web.api.credit_notes import (
    credit_note_pdf_api,
    get_credit_note_api,
    list_credit_notes_api,
)
from web.api.customers import (
    create_customer_api,
    get_customer_api,
    list_customers_api,
    update_customer_api,
)
from web.api.docs import COMMON, READ
from web.api.entitlements import customer_entitlements_api
from web.api.invoices import get_invoice_api, invoice_pdf_api, list_invoices_api
from web.api.openapi import openapi_document
from web.api.payment_methods import create_payment_method_api, list_payment_methods_api
from web.api.promotions import (
    get_coupon_api,
    get_promotion_code_api,
    list_coupons_api,
    list_promotion_codes_api,
)
from web.api.subscriptions import (
    cancel_subscription_api,
    confirm_change_api,
    create_subscription_api,
    get_subscription_api,
    list_subscriptions_api,
    pause_subscription_api,
    quote_change_api,
    resume_subscription_api,
    uncancel_subscription_api,
)
from web.api.usage import record_usage_api, record_usage_batch_api, subscription_usage_api
from web.api.webhooks import receive_webhook

PUBLIC = {400: COMMON[400]}


def _plan_json(plan: PlanCard) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "description": plan.description,
        "interval": plan.interval,
        "interval_count": plan.interval_count,
        "trial_days": plan.trial_days,
        "features": list(plan.features),
        "prices": [
            {
                "currency": p.currency,
                "headline_minor": p.headline.minor,
                "headline": p.headline.to_decimal_string(),
                "suffix": p.headline_suffix,
            }
            for p in plan.prices
        ],
    }


@get("/plans", name="api.plans", tags=["Plans"], summary="The public plans (no key needed)",
     responses=PUBLIC)  # fmt: skip
async def list_plans(read_uow: NamedDependency[SkipValidation[UnitOfWork]]) -> dict[str, Any]:
    return {"data": [_plan_json(p) for p in await list_public_plans(uow=read_uow)]}


@get("/plans/{code:str}", name="api.plan", tags=["Plans"], summary="One public plan",
     responses=PUBLIC | {404: READ[404]})  # fmt: skip
async def show_plan(
    code: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> dict[str, Any]:
    return {"data": _plan_json(await get_public_plan(code, uow=read_uow))}


router = Router(
    path="/api/v1", route_handlers=[list_plans, show_plan, receive_webhook, openapi_document]
)
"""The public part of /api/v1: the plans, the gateways' webhooks and the OpenAPI document."""

resources_router = Router(
    path="/api/v1",
    guards=[require_api_key],
    dependencies={"api_key": Provide(provide_api_key, sync_to_thread=False)},
    route_handlers=[
        create_customer_api, update_customer_api, list_customers_api, get_customer_api,
        list_subscriptions_api, get_subscription_api, create_subscription_api,
        cancel_subscription_api, uncancel_subscription_api, pause_subscription_api,
        resume_subscription_api, quote_change_api, confirm_change_api,
        list_invoices_api, get_invoice_api, invoice_pdf_api,
        create_payment_method_api, list_payment_methods_api,
        list_credit_notes_api, get_credit_note_api, credit_note_pdf_api,
        list_catalog_plans_api, get_catalog_plan_api,
        list_coupons_api, get_coupon_api, list_promotion_codes_api, get_promotion_code_api,
        record_usage_api, record_usage_batch_api, subscription_usage_api,
    ],
)  # fmt: skip
"""The resources of /api/v1, behind an API key (web/api/auth.py); errors are RFC 9457 problem
details."""

key_read_router = Router(path="/api/v1", route_handlers=[customer_entitlements_api])
"""The resources whose use case reads the API key in the same statement as what the request asks
(their handlers carry ``KEY_READ_IN_USE_CASE``): no guard, the handler refuses a missing,
unknown or revoked key (401), applies the rate limit and the scope (``admit``: 429, 403) before
anything about the customer is answered. The guard would only repeat the first check, at the
cost of a copy of the route handler per request (Litestar passes each guard one)."""
