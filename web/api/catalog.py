"""/api/v1/catalog/plans: every plan version (base plans and add-ons, public or private,
current or retired) with its prices per currency and their charges, a page at a time; one by
id (the ``plan_id`` a subscription carries). Read with any key. The storefront's public plans
stay at /api/v1/plans (no key; web/api/router.py). Each handler calls one use case
(domain/catalog/listing.py)."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter, SkipValidation

from domain.catalog.listing import get_plan_version, list_plan_page
from domain.unit_of_work import UnitOfWork
from web.api.docs import read_op
from web.api.shapes_catalog import PlanVersionList, PlanVersionOut, plan_version_out

TAG = "Catalog"
Limit = Annotated[int, Parameter(ge=1, le=100, description="Items a page (1 to 100)")]
After = Annotated[str | None, Parameter(max_length=64, description="The next_cursor of the "
                                        "previous page")]  # fmt: skip
CodeParam = Annotated[str | None, Parameter(min_length=1, max_length=64,
                                            description="Only this plan code's versions")]  # fmt: skip


@get("/catalog/plans", name="api.catalog.plans",
     **read_op(TAG, "List plan versions with their prices (display order)"))  # fmt: skip
async def list_catalog_plans_api(
    read_uow: NamedDependency[SkipValidation[UnitOfWork]], limit: Limit = 10, starting_after: After = None,
    code: CodeParam = None,
) -> PlanVersionList:  # fmt: skip
    page = await list_plan_page(after=starting_after, limit=limit, code=code, uow=read_uow)
    return PlanVersionList([plan_version_out(p) for p in page.items], page.has_more,
                           page.next_cursor)  # fmt: skip


@get("/catalog/plans/{plan_id:str}", name="api.catalog.plan",
     **read_op(TAG, "Get a plan version (current or retired) by id"))  # fmt: skip
async def get_catalog_plan_api(
    plan_id: FromPath[str], read_uow: NamedDependency[SkipValidation[UnitOfWork]]
) -> PlanVersionOut:
    return plan_version_out(await get_plan_version(plan_id, uow=read_uow))
