"""/api/v1/usage: usage events sent in, one (``POST /usage``) or up to 1,000 (``POST
/usage/batch``), each with its own idempotency key, recorded all or nothing by one use case
(domain/subscriptions/usage_ingest.py); and a subscription's usage so far this period with the
estimated charge (``GET /subscriptions/{id}/usage``, domain/subscriptions/usage.py). The body
is parsed for types only: lengths, characters and values are checked by the use case, so a
refused batch names every refused event (422), not just the first (docs/api.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, SkipValidation
from msgspec import Meta, Struct

from domain.apikeys.model import ApiKey
from domain.billing.config import BillingConfig
from domain.shared.clock import Clock
from domain.shared.ids import SubscriptionId
from domain.subscriptions.usage import UsageSoFar, usage_this_period
from domain.subscriptions.usage_events import MAX_BATCH, UsageEventIn
from domain.subscriptions.usage_ingest import EventStatus, IngestResult, ingest_usage
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op, write_op
from web.api.idempotency import idempotent, json_response
from web.api.shapes import MoneyOut, instant, money

TAG = "Usage"
Uows = Callable[[], UnitOfWork]


def _described(description: str) -> Meta:
    return Meta(description=description)


class UsageEventBody(Struct, forbid_unknown_fields=True):
    """One usage event. Lengths and characters are checked with the event's value and
    timestamp, so that a batch's answer names every refused event."""

    idempotency_key: Annotated[str, _described(
        "1 to 200 characters, no control characters; unique per subscription: an event whose "
        "key was recorded before is answered 'duplicate' and counted once")]  # fmt: skip
    meter: Annotated[str, _described("A meter of the subscription's plan (e.g. api_calls)")]
    value: Annotated[Decimal, _described(
        "A number (or a decimal string) from 0 to 1,000,000,000,000, at most 9 decimal places")]  # fmt: skip
    timestamp: Annotated[datetime | None, _described(
        "RFC 3339 with an offset; at most 5 minutes ahead; in the current period (an invoiced "
        "period refuses it). Default: now")] = None  # fmt: skip
    subscription_id: Annotated[str | None, _described(
        "The subscription (or send customer_id)")] = None  # fmt: skip
    customer_id: Annotated[str | None, _described(
        "The customer: their one live subscription metering this meter")] = None  # fmt: skip
    key: Annotated[str | None, _described(
        "The distinct key a unique-count meter counts (at most 200 characters)")] = None  # fmt: skip


class UsageBatchBody(Struct, forbid_unknown_fields=True):
    events: Annotated[list[UsageEventBody], Meta(min_length=1, max_length=MAX_BATCH)]


class UsageEventOut(Struct):
    idempotency_key: str
    subscription_id: str
    status: str  # recorded, duplicate (counted once before), not_billed (trial, pause: not stored)


class UsageBatchOut(Struct):
    data: list[UsageEventOut]
    recorded: int
    duplicates: int
    not_billed: int


class MeterOut(Struct):
    meter: str
    unit_label: str
    aggregation: str  # sum, count, max, unique_count, last
    events: int
    units: str  # exact: an integer, a decimal, or "a/b"
    amount: MoneyOut  # the invoice line for it as things stand
    explanation: str


class UsageOut(Struct):
    subscription_id: str
    metered: bool  # False: the plan meters nothing (or the subscription ended); nothing else set
    status: str | None
    billed: bool  # False in a trial or a pause: usage is not billed then
    period_start: str | None
    period_end: str | None  # the usage is billed on the invoice issued then
    as_of: str | None
    meters: list[MeterOut]
    estimated_total: MoneyOut | None  # the meters' lines together, before discount and tax


def _event_in(e: UsageEventBody) -> UsageEventIn:
    return UsageEventIn(idempotency_key=e.idempotency_key, meter=e.meter, value=e.value,
                        timestamp=e.timestamp, subscription_id=e.subscription_id,
                        customer_id=e.customer_id, key=e.key)  # fmt: skip


def _batch_out(result: IngestResult) -> UsageBatchOut:
    return UsageBatchOut(
        data=[UsageEventOut(e.idempotency_key, e.subscription_id, e.status.value)
              for e in result.events],
        recorded=result.count(EventStatus.RECORDED),
        duplicates=result.count(EventStatus.DUPLICATE),
        not_billed=result.count(EventStatus.NOT_BILLED),
    )  # fmt: skip


def _exact(units: Fraction) -> str:
    if units.denominator == 1:
        return str(units.numerator)
    d = units.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:  # a finite decimal
        return format(Decimal(units.numerator) / Decimal(units.denominator), "f")
    return f"{units.numerator}/{units.denominator}"


def usage_out(subscription_id: str, so_far: UsageSoFar | None) -> UsageOut:
    if so_far is None:
        return UsageOut(subscription_id, False, None, False, None, None, None, [], None)
    cur = so_far.currency
    return UsageOut(
        subscription_id=subscription_id, metered=True, status=so_far.status.value,
        billed=so_far.billed, period_start=instant(so_far.period_start),
        period_end=instant(so_far.period_end), as_of=instant(so_far.as_of),
        meters=[MeterOut(m.meter, m.unit_label, m.aggregation, m.events, _exact(m.units),
                         money(m.amount_minor, cur), m.explanation) for m in so_far.meters],
        estimated_total=money(so_far.total_minor, cur),
    )  # fmt: skip


@post("/usage", name="api.usage.record", status_code=200,
      **write_op(TAG, "Record one usage event (once per idempotency key)"))  # fmt: skip
async def record_usage_api(
    request: Request[Any, Any, Any], data: JSONBody[UsageEventBody],
    api_key: NamedDependency[ApiKey], new_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
) -> Response[UsageEventOut]:  # fmt: skip
    async def run() -> Response[Any]:
        result = await ingest_usage([_event_in(data)], uow=new_uow(), clock=clock,
                                    config=billing, batch=False)  # fmt: skip
        (event,) = _batch_out(result).data
        return json_response(event)

    return await idempotent(request, api_key, run)


@post("/usage/batch", name="api.usage.batch", status_code=200,
      **write_op(TAG, "Record up to 1,000 usage events: all, or none if any is invalid"))  # fmt: skip
async def record_usage_batch_api(
    request: Request[Any, Any, Any], data: JSONBody[UsageBatchBody],
    api_key: NamedDependency[ApiKey], new_uow: NamedDependency[Uows],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
) -> Response[UsageBatchOut]:  # fmt: skip
    async def run() -> Response[Any]:
        result = await ingest_usage([_event_in(e) for e in data.events], uow=new_uow(),
                                    clock=clock, config=billing)  # fmt: skip
        return json_response(_batch_out(result))

    return await idempotent(request, api_key, run)


@get("/subscriptions/{subscription_id:str}/usage", name="api.subscriptions.usage",
     **read_op(TAG, "A subscription's usage so far this period and its estimated charge"))  # fmt: skip
async def subscription_usage_api(
    subscription_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]],
    clock: NamedDependency[SkipValidation[Clock]], billing: NamedDependency[BillingConfig],
) -> UsageOut:  # fmt: skip
    so_far = await usage_this_period(SubscriptionId(subscription_id), uow=read_uow, clock=clock,
                                     config=billing, as_customer=None)  # fmt: skip
    return usage_out(subscription_id, so_far)
