"""/api/v1/subscriptions: list a customer's, get one, create, cancel (at the period's end or
now), uncancel, pause, resume, and a plan or seat change as a binding quote then its
confirmation. Each handler calls one use case (domain/subscriptions); POSTs are idempotent with
an ``Idempotency-Key``. A quote travels back to the client signed (``web/signing.py``, purpose
``api-quote``, with the subscription's id): confirming charges exactly what it showed, or
answers 409 when the subscription changed since or the quote is over an hour old."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter, SkipValidation

from domain.apikeys.model import ApiKey
from domain.billing.config import BillingConfig
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.subscriptions.engine import ProrationBehavior, Refund, Timing
from domain.subscriptions.lifecycle import (
    cancel_subscription,
    pause_subscription,
    resume_subscription,
    uncancel_subscription,
)
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.plan_changes import (
    confirm_subscription_change,
    quote_subscription_change,
)
from domain.subscriptions.quotes import ChangeQuote
from domain.subscriptions.reads import get_subscription, subscriptions_of
from domain.subscriptions.subscribing import subscribe
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op, write_op
from web.api.idempotency import idempotent, json_response
from web.api.shapes import (
    CancelIn,
    ConfirmIn,
    PauseIn,
    QuoteIn,
    QuoteOut,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionResult,
    instant,
    invoice_body,
    invoice_out,
    line_out,
    subscription_out,
)
from web.settings import Settings
from web.signing import sign, unsign

TAG = "Subscriptions"
PURPOSE = "api-quote"
Uows = Callable[[], UnitOfWork]
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip
CustomerParam = Annotated[str, Parameter(min_length=1, max_length=64,
                                         description="The customer's id")]  # fmt: skip


def _result(outcome: Outcome, status: int = 200) -> Response[Any]:
    body = SubscriptionResult(subscription_out(outcome.subscription),
                              [invoice_out(i) for i in outcome.invoices])  # fmt: skip
    return json_response(body, status)


@get("/subscriptions", name="api.subscriptions.list",
     **read_op(TAG, "List a customer's subscriptions (oldest first)"))  # fmt: skip
async def list_subscriptions_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]], customer: CustomerParam, limit: Limit = 10,
    starting_after: After = None,
) -> SubscriptionList:  # fmt: skip
    subs = await subscriptions_of(CustomerId(customer), uow=read_uow)
    ids: list[str] = [s.id for s in subs]
    if starting_after is not None and starting_after not in ids:
        raise ValidationFailed({"starting_after": "Not a subscription of this customer."},
                               code="api.bad_cursor")  # fmt: skip
    start = ids.index(starting_after) + 1 if starting_after is not None else 0
    page = subs[start : start + limit]
    more = start + limit < len(subs)
    return SubscriptionList([subscription_out(s) for s in page], more,
                            page[-1].id if more and page else None)  # fmt: skip


@get("/subscriptions/{subscription_id:str}", name="api.subscriptions.get",
     **read_op(TAG, "Get a subscription"))  # fmt: skip
async def get_subscription_api(
    subscription_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> SubscriptionOut:
    return subscription_out(await get_subscription(SubscriptionId(subscription_id), uow=read_uow))


@post("/subscriptions", name="api.subscriptions.create", status_code=201,
      **write_op(TAG, "Create a subscription (its first invoice is issued now)"))  # fmt: skip
async def create_subscription_api(
    request: Request[Any, Any, Any], data: JSONBody[SubscriptionCreate], api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Uows], clock: NamedDependency[SkipValidation[Clock]],
    billing: NamedDependency[BillingConfig],
) -> Response[SubscriptionResult]:  # fmt: skip
    async def run() -> Response[Any]:
        outcome = await subscribe(
            CustomerId(data.customer_id), data.plan_code, quantity=data.quantity,
            coupon_code=data.coupon_code, trial_days=data.trial_days, uow=new_uow(),
            clock=clock, config=billing,
        )  # fmt: skip
        return _result(outcome, 201)

    return await idempotent(request, api_key, run)


@post("/subscriptions/{subscription_id:str}/cancel", name="api.subscriptions.cancel",
      status_code=200, **write_op(TAG, "Cancel at the period's end or now"))  # fmt: skip
async def cancel_subscription_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], data: JSONBody[CancelIn],
    api_key: NamedDependency[ApiKey], new_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
) -> Response[SubscriptionResult]:  # fmt: skip
    timing = Timing.IMMEDIATE if data.at == "now" else Timing.PERIOD_END

    async def run() -> Response[Any]:
        return _result(await cancel_subscription(
            SubscriptionId(subscription_id), timing=timing, refund=Refund(data.refund),
            uow=new_uow(), clock=clock, config=billing,
        ))  # fmt: skip

    return await idempotent(request, api_key, run)


@post("/subscriptions/{subscription_id:str}/uncancel", name="api.subscriptions.uncancel",
      status_code=200, **write_op(TAG, "Undo a cancellation at the period's end"))  # fmt: skip
async def uncancel_subscription_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Uows], clock: NamedDependency[SkipValidation[Clock]],
    billing: NamedDependency[BillingConfig],
) -> Response[SubscriptionResult]:  # fmt: skip
    async def run() -> Response[Any]:
        return _result(await uncancel_subscription(
            SubscriptionId(subscription_id), uow=new_uow(), clock=clock, config=billing
        ))  # fmt: skip

    return await idempotent(request, api_key, run)


@post("/subscriptions/{subscription_id:str}/pause", name="api.subscriptions.pause",
      status_code=200, **write_op(TAG, "Pause now, until resume_at or until resumed"))  # fmt: skip
async def pause_subscription_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], data: JSONBody[PauseIn],
    api_key: NamedDependency[ApiKey], new_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
) -> Response[SubscriptionResult]:  # fmt: skip
    async def run() -> Response[Any]:
        return _result(await pause_subscription(
            SubscriptionId(subscription_id), resume_at=data.resume_at, uow=new_uow(),
            clock=clock, config=billing,
        ))  # fmt: skip

    return await idempotent(request, api_key, run)


@post("/subscriptions/{subscription_id:str}/resume", name="api.subscriptions.resume",
      status_code=200, **write_op(TAG, "Resume a paused subscription now"))  # fmt: skip
async def resume_subscription_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Uows], clock: NamedDependency[SkipValidation[Clock]],
    billing: NamedDependency[BillingConfig],
) -> Response[SubscriptionResult]:  # fmt: skip
    async def run() -> Response[Any]:
        return _result(await resume_subscription(
            SubscriptionId(subscription_id), uow=new_uow(), clock=clock, config=billing
        ))  # fmt: skip

    return await idempotent(request, api_key, run)


# -- a change: quote, then confirm exactly it -----------------------------------------------------
def _sign_quote(subscription_id: str, quote: ChangeQuote, secret: str) -> str:
    return sign({"sub": subscription_id, "at": quote.at.isoformat(), "plan": quote.plan_code,
                 "quantity": quote.quantity, "timing": quote.timing.value,
                 "proration": quote.proration.value, "version": quote.version},
                secret, purpose=PURPOSE)  # fmt: skip


def _read_quote(subscription_id: str, token: str, secret: str) -> ChangeQuote:
    data = unsign(token, secret, purpose=PURPOSE)
    if data is None or data.get("sub") != subscription_id:
        raise ValidationFailed({"quote": "Not a quote for this subscription from this API."},
                               code="api.bad_quote")  # fmt: skip
    return ChangeQuote(
        at=datetime.fromisoformat(data["at"]), plan_code=data["plan"],
        quantity=int(data["quantity"]), timing=Timing(data["timing"]),
        proration=ProrationBehavior(data["proration"]), version=data["version"], invoice=None,
        pending_lines=(),
    )  # fmt: skip


@post("/subscriptions/{subscription_id:str}/quote", name="api.subscriptions.quote",
      status_code=200,
      **write_op(TAG, "Quote a plan or seat change (binding for an hour; nothing changes)"))  # fmt: skip
async def quote_change_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], data: JSONBody[QuoteIn],
    api_key: NamedDependency[ApiKey], new_read_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
    settings: NamedDependency[Settings],
) -> Response[QuoteOut]:  # fmt: skip
    if data.plan_code is None and data.quantity is None:
        raise ValidationFailed({"plan_code": "Send a plan_code, a quantity or both."},
                               code="api.empty_change")  # fmt: skip

    async def run() -> Response[Any]:
        quote = await quote_subscription_change(
            SubscriptionId(subscription_id), plan_code=data.plan_code, quantity=data.quantity,
            timing=Timing(data.timing) if data.timing else None,
            proration=ProrationBehavior(data.proration) if data.proration else None,
            uow=new_read_uow(), clock=clock, config=billing,
        )  # fmt: skip
        if quote.invoice is not None:
            cur = quote.invoice.currency
        else:  # lines waiting for the next invoice: in the subscription's currency
            sub = await get_subscription(SubscriptionId(subscription_id), uow=new_read_uow())
            cur = sub.currency
        pending = [line_out(line, cur) for line in quote.pending_lines]
        return json_response(QuoteOut(
            quote=_sign_quote(subscription_id, quote, settings.secret_key),
            subscription_id=subscription_id, at=instant(quote.at), plan_code=quote.plan_code,
            quantity=quote.quantity, timing=quote.timing.value,
            proration=quote.proration.value,
            invoice=invoice_body(quote.invoice) if quote.invoice else None, pending_lines=pending,
        ))  # fmt: skip

    return await idempotent(request, api_key, run)


@post("/subscriptions/{subscription_id:str}/confirm", name="api.subscriptions.confirm",
      status_code=200,
      **write_op(TAG, "Confirm a quote: the change is made and billed exactly as quoted"))  # fmt: skip
async def confirm_change_api(
    request: Request[Any, Any, Any], subscription_id: FromPath[str], data: JSONBody[ConfirmIn],
    api_key: NamedDependency[ApiKey], new_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
    settings: NamedDependency[Settings],
) -> Response[SubscriptionResult]:  # fmt: skip
    async def run() -> Response[Any]:
        quote = _read_quote(subscription_id, data.quote, settings.secret_key)
        return _result(await confirm_subscription_change(
            SubscriptionId(subscription_id), quote, uow=new_uow(), clock=clock, config=billing
        ))  # fmt: skip

    return await idempotent(request, api_key, run)
