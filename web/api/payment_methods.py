"""/api/v1/customers/{id}/payment-methods: save a card the payment gateway tokenised (a token,
never a card number; the default card by default, and open dunning cases are retried with it)
and list the saved cards. Each handler calls one use case (domain/payments/service.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, SkipValidation

from domain.apikeys.model import ApiKey
from domain.payments.ports import PaymentGateway
from domain.payments.service import add_payment_method, list_payment_methods
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op, write_op
from web.api.idempotency import idempotent, json_response
from web.api.shapes import (
    PaymentMethodCreate,
    PaymentMethodList,
    PaymentMethodOut,
    payment_method_out,
)

TAG = "Payment methods"


@post("/customers/{customer_id:str}/payment-methods", name="api.payment_methods.create",
      status_code=201, **write_op(TAG, "Save a card from a gateway token (the default card)"))  # fmt: skip
async def create_payment_method_api(
    request: Request[Any, Any, Any], customer_id: FromPath[str],
    data: JSONBody[PaymentMethodCreate], api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    payment_gateway: NamedDependency[SkipValidation[PaymentGateway]],
    clock: NamedDependency[SkipValidation[Clock]],
) -> Response[PaymentMethodOut]:  # fmt: skip
    async def run() -> Response[Any]:
        method = await add_payment_method(
            CustomerId(customer_id), data.token, make_default=data.make_default, uow=new_uow,
            gateway=payment_gateway, clock=clock,
        )  # fmt: skip
        return json_response(payment_method_out(method), 201)

    return await idempotent(request, api_key, run)


@get("/customers/{customer_id:str}/payment-methods", name="api.payment_methods.list",
     **read_op(TAG, "A customer's saved cards, the default first"))  # fmt: skip
async def list_payment_methods_api(
    customer_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> PaymentMethodList:
    methods = await list_payment_methods(CustomerId(customer_id), uow=read_uow)
    return PaymentMethodList([payment_method_out(m) for m in methods])
