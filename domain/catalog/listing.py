"""The catalog as the API reads it (``/api/v1/catalog/plans``): every plan version, base plans
and add-ons, public or private, current or retired (a subscription keeps the version it was
sold, so its ``plan_id`` may name a retired one), in display order a page at a time; one
version by id. The catalog is sized by staff, not by customers: a page is cut from the whole
list read at once."""

from __future__ import annotations

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan
from domain.catalog.ports import CatalogUnit
from domain.shared.errors import NotFound
from domain.shared.ids import PlanId
from domain.shared.paging import Page, page_after


async def list_plan_page(
    *, after: str | None, limit: int, code: str | None = None, uow: CatalogUnit
) -> Page[Plan]:
    """A page of plan versions (ordered as the admin lists them: display order, code, version);
    ``code``: only that plan's versions."""
    async with uow:
        plans = await uow.plans.all_versions()
    if code is not None:
        plans = [p for p in plans if p.code == code]
    return page_after(plans, id_of=lambda p: str(p.id), after=after, limit=limit,
                      what="a plan version")  # fmt: skip


async def get_plan_version(plan_id: str, *, uow: CatalogUnit) -> Plan:
    """One plan version by id, current or retired (``catalog.plan_not_found``)."""
    async with uow:
        plan = await uow.plans.get(PlanId(plan_id))
    if plan is None:
        raise NotFound(f"no plan version {plan_id!r}", code=CatalogErrorCode.PLAN_NOT_FOUND)
    return plan
