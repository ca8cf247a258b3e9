"""/api/v1/customers: create, update, list (cursor pages), get. Each handler calls one use case
(domain/customers); POSTs are idempotent with an ``Idempotency-Key`` (web/api/idempotency.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter, SkipValidation

from domain.apikeys.model import ApiKey
from domain.customers.listing import list_customers
from domain.customers.service import create_customer, get_customer, update_billing_details
from domain.shared.clock import Clock
from domain.shared.ids import CustomerId
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op, write_op
from web.api.idempotency import idempotent, json_response
from web.api.shapes import CustomerCreate, CustomerList, CustomerOut, CustomerUpdate, customer_out

TAG = "Customers"
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip


@post("/customers", name="api.customers.create", status_code=201,
      **write_op(TAG, "Create a customer"))  # fmt: skip
async def create_customer_api(
    request: Request[Any, Any, Any],
    data: JSONBody[CustomerCreate],
    api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[SkipValidation[Clock]],
) -> Response[CustomerOut]:
    async def run() -> Response[Any]:
        customer = await create_customer(
            email=data.email, name=data.name, currency=data.currency, country=data.country,
            region=data.region, address_lines=tuple(data.address_lines), tax_id=data.tax_id,
            tax_exempt=data.tax_exempt, timezone=data.timezone, uow=new_uow(), clock=clock,
        )  # fmt: skip
        return json_response(customer_out(customer), 201)

    return await idempotent(request, api_key, run)


@post("/customers/{customer_id:str}", name="api.customers.update", status_code=200,
      **write_op(TAG, "Update a customer's billing details"))  # fmt: skip
async def update_customer_api(
    request: Request[Any, Any, Any],
    customer_id: FromPath[str],
    data: JSONBody[CustomerUpdate],
    api_key: NamedDependency[ApiKey],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[SkipValidation[Clock]],
) -> Response[CustomerOut]:
    async def run() -> Response[Any]:
        customer = await update_billing_details(
            CustomerId(customer_id), name=data.name, country=data.country,
            address_lines=tuple(data.address_lines), region=data.region, tax_id=data.tax_id,
            uow=new_uow(), clock=clock,
        )  # fmt: skip
        return json_response(customer_out(customer))

    return await idempotent(request, api_key, run)


@get("/customers", name="api.customers.list", **read_op(TAG, "List customers (by id)"))
async def list_customers_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]],
    limit: Limit = 10,
    starting_after: After = None,
) -> CustomerList:
    page = await list_customers(after=starting_after, limit=limit, uow=read_uow)
    return CustomerList([customer_out(c) for c in page.customers], page.has_more,
                        page.next_cursor)  # fmt: skip


@get("/customers/{customer_id:str}", name="api.customers.get", **read_op(TAG, "Get a customer"))
async def get_customer_api(
    customer_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> CustomerOut:
    return customer_out(await get_customer(CustomerId(customer_id), uow=read_uow))
