"""The catalog in the admin: list every plan code with subscriber counts, one plan's versions,
create a plan, publish a new price version (previewed first), edit what a plan shows.

Reads need ``catalog.read``, changes ``catalog.manage`` (checked here as well as by the route).
Every change records an audit entry in its own transaction: ``plan.created``,
``plan.version_published``, ``plan.updated``.

What versions and what edits in place (as Stripe: a product edits in place, a price never):
prices, setup fees and the trial are *terms*, sold to a subscriber and kept by them, so they
change only by publishing a version (existing subscribers stay on theirs: grandfathered). The
interval never changes (a new interval is a new plan). What a plan *shows* (name, description,
features, public, sort order, highlighted, pricing-page family) is edited in place on every
version, so a renamed plan reads the same for new and grandfathered subscribers; invoices
already issued keep the text they were issued with.
"""

from __future__ import annotations

from typing import Any

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.catalog.drafts import (
    DetailsInput,
    PlanInput,
    PriceInput,
    parse_details,
    parse_plan,
    parse_prices,
    parse_trial_days,
)
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanDetails, PlanKind, PlanPrice
from domain.catalog.service import publish_version_in
from domain.catalog_admin.ports import CatalogAdminUnit
from domain.catalog_admin.views import (
    GrantRow,
    PlanPage,
    PlanRow,
    VersionPreview,
    VersionRow,
    plan_prices,
    price_changes,
)
from domain.pricing.model import Charge
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import PlanId, new_id
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

# the subscriptions a version "has": billed or about to be (not incomplete, unpaid or ended)
COUNTED_STATUSES = frozenset({"active", "trialing", "past_due", "paused"})


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


def _not_found(code: str) -> NotFound:
    return NotFound(f"There is no plan with code {code!r}.", code=CatalogErrorCode.PLAN_NOT_FOUND)


def _rows(versions: list[Plan], counts: dict[PlanId, int]) -> tuple[VersionRow, ...]:
    return tuple(VersionRow(v, counts.get(v.id, 0), plan_prices(v)) for v in versions)


async def catalog_overview(actor: SignedInStaff, *, uow: CatalogAdminUnit) -> list[PlanRow]:
    """Every plan code, base plans and add-ons, public and hidden, in display order: the current
    version (or the newest, should a code have none current) and each version's subscribers."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        plans = await uow.plans.all_versions()
        counts = await uow.subscriptions.count_by_plan(COUNTED_STATUSES)
    by_code: dict[str, list[Plan]] = {}
    for plan in plans:
        by_code.setdefault(plan.code, []).append(plan)
    rows = []
    for versions in by_code.values():
        versions.sort(key=lambda p: p.version)
        current = next((v for v in versions if v.is_current), versions[-1])
        rows.append(PlanRow(current, plan_prices(current), _rows(versions, counts)))
    rows.sort(
        key=lambda r: (r.current.kind is PlanKind.ADDON, r.current.sort_order, r.current.code)
    )
    return rows


async def _page_in(uow: CatalogAdminUnit, code: str) -> PlanPage:
    versions = await uow.plans.versions(code)
    if not versions:
        raise _not_found(code)
    counts = await uow.subscriptions.count_by_plan(COUNTED_STATUSES)
    current = next((v for v in versions if v.is_current), versions[-1])
    features = tuple(await uow.features.all())
    names = {f.key: f.name for f in features}
    grants = tuple(GrantRow(g, names.get(g.feature_key, g.feature_key))
                   for g in await uow.features.grants([code]))  # fmt: skip
    return PlanPage(current, _rows(versions, counts), grants, features)


async def plan_page(actor: SignedInStaff, code: str, *, uow: CatalogAdminUnit) -> PlanPage:
    """One plan code with all its versions, oldest first, each with its prices and subscribers."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        return await _page_in(uow, code)


async def base_plan_codes(actor: SignedInStaff, *, uow: CatalogAdminUnit) -> list[Plan]:
    """The current base plans an add-on may be attached to (the new-plan form's choices)."""
    require(actor, Permission.CATALOG_READ)
    async with uow:
        plans = await uow.plans.all_versions()
    return [p for p in plans if p.is_current and p.kind is PlanKind.BASE]


def charge_record(charge: Charge) -> dict[str, Any]:
    """A charge as the audit log keeps it: exact minor units, decimals as text."""
    data: dict[str, Any] = {"model": charge.model.value, "unit_label": charge.unit_label}
    if charge.amount_minor:
        data["amount_minor"] = charge.amount_minor
    if charge.unit_minor:
        data["unit_minor"] = str(charge.unit_minor)
    if charge.tiers:
        data["tiers"] = [
            [None if t.up_to is None else str(t.up_to), str(t.unit_minor), t.flat_minor]
            for t in charge.tiers
        ]
    if charge.package_size:
        data["package_size"] = charge.package_size
    if charge.free_units:
        data["free_units"] = charge.free_units
    if charge.meter:
        data["meter"] = f"{charge.meter.name} ({charge.meter.aggregation.value})"
    return data


def prices_record(prices: tuple[PlanPrice, ...]) -> dict[str, Any]:
    return {
        p.currency.code: {
            "setup_fee_minor": p.setup_fee_minor,
            "charges": [charge_record(c) for c in p.charges],
        }
        for p in prices
    }


def _details_record(details: PlanDetails) -> dict[str, Any]:
    return {
        "name": details.name,
        "description": details.description,
        "features": list(details.features),
        "is_public": details.is_public,
        "sort_order": details.sort_order,
        "highlighted": details.highlighted,
        "family": details.family,
    }


async def _check_targets(uow: CatalogAdminUnit, plan: Plan) -> None:
    """An add-on's base plans exist, are base plans and renew on the add-on's interval."""
    problems = []
    for code in plan.attaches_to:
        base = await uow.plans.get_by_code(code)
        if base is None or base.kind is not PlanKind.BASE:
            problems.append(f"{code} is not a base plan")
        elif base.interval != plan.interval:
            problems.append(f"{base.name} renews every {base.interval}, not every {plan.interval}")
    if problems:
        raise ValidationFailed(
            {"attaches_to": "; ".join(problems) + "."},
            message="An add-on attaches to base plans billed on its interval.",
            code=CatalogErrorCode.ADDON_NOT_ALLOWED,
        )


def _code_taken(code: str) -> ValidationFailed:
    return ValidationFailed(
        {"code": "A plan with this code exists; choose another or publish a new version of it."},
        code=CatalogErrorCode.CODE_TAKEN,
    )


async def create_plan(
    actor: SignedInStaff, data: PlanInput, *, uow: CatalogAdminUnit, clock: Clock
) -> Plan:
    """A new plan code at version 1. ``ValidationFailed`` names every bad field at once (see
    ``domain/catalog/drafts.py``), a code already used by any version, or an add-on's base plan
    that is missing or billed on another interval. Audited: ``plan.created``."""
    require(actor, Permission.CATALOG_MANAGE)
    terms = parse_plan(data)
    d = terms.details
    plan = Plan(
        id=PlanId(new_id()), code=terms.code, name=d.name, description=d.description,
        interval=terms.interval, prices=terms.prices, features=d.features,
        trial_days=terms.trial_days, is_public=d.is_public, sort_order=d.sort_order,
        highlighted=d.highlighted, metadata={"family": d.family} if d.family else {},
        kind=terms.kind, attaches_to=terms.attaches_to,
    )  # fmt: skip
    async with uow:
        if await uow.plans.versions(plan.code):
            raise _code_taken(plan.code)
        await _check_targets(uow, plan)
        try:
            await uow.plans.add(plan)
        except Conflict as exc:  # created at the same moment by someone else
            raise _code_taken(plan.code) from exc
        after = {
            "version": 1,
            "kind": plan.kind.value,
            "interval": str(plan.interval),
            "trial_days": plan.trial_days,
            "attaches_to": list(plan.attaches_to),
            **_details_record(plan.details),
            "prices": prices_record(plan.prices),
        }
        await record(uow, new_entry(at=clock.now(), actor=_actor(actor), action="plan.created",
                                    object_type="plan", object_id=plan.code, after=after))  # fmt: skip
        await uow.commit()
    return plan


def _version_terms(
    prices: tuple[PriceInput, ...], trial_days: str
) -> tuple[tuple[PlanPrice, ...], int]:
    errors: dict[str, str] = {}
    parsed = parse_prices(prices, errors)
    trial = parse_trial_days(trial_days, errors)
    if errors:
        raise ValidationFailed(errors, message="Please correct the marked fields.")
    return parsed, trial


async def preview_version(
    actor: SignedInStaff, code: str, prices: tuple[PriceInput, ...], trial_days: str, *,
    uow: CatalogAdminUnit,
) -> VersionPreview:  # fmt: skip
    """What publishing these prices would change, currency by currency; nothing is written."""
    require(actor, Permission.CATALOG_MANAGE)
    parsed, trial = _version_terms(prices, trial_days)
    async with uow:
        page = await _page_in(uow, code)
    current = page.current
    return VersionPreview(
        current=current,
        next_version=max(v.plan.version for v in page.versions) + 1,
        changes=price_changes(current.prices, parsed),
        trial_before=current.trial_days,
        trial_after=trial,
        subscribers=page.subscribers,
    )


async def publish_version(
    actor: SignedInStaff, code: str, prices: tuple[PriceInput, ...], trial_days: str, *,
    uow: CatalogAdminUnit, clock: Clock,
) -> Plan:  # fmt: skip
    """Publish new prices (and trial) as the plan's next version; the current one is retired and
    its subscribers keep it (grandfathered) until moved. Publishing the same terms again is
    refused (``catalog.nothing_changed``): it would only split the subscribers across identical
    versions. Audited: ``plan.version_published`` with the prices before and after."""
    require(actor, Permission.CATALOG_MANAGE)
    parsed, trial = _version_terms(prices, trial_days)
    async with uow:
        current = await uow.plans.get_by_code(code)
        if current is None:
            raise _not_found(code)
        if current.prices == parsed and current.trial_days == trial:
            raise ValidationFailed(
                {"prices": "These are the current version's prices and trial."},
                message="Nothing changed: change a price or the trial to publish a new version.",
                code=CatalogErrorCode.NOTHING_CHANGED,
            )
        old, new = await publish_version_in(uow, code, prices=parsed, clock=clock,
                                            trial_days=trial)  # fmt: skip
        entry = new_entry(
            at=clock.now(), actor=_actor(actor), action="plan.version_published",
            object_type="plan", object_id=code,
            before={"version": old.version, "plan_id": old.id, "trial_days": old.trial_days,
                    "prices": prices_record(old.prices)},
            after={"version": new.version, "plan_id": new.id, "trial_days": new.trial_days,
                   "prices": prices_record(new.prices)},
        )  # fmt: skip
        await record(uow, entry)
        await uow.commit()
    return new


async def update_plan_details(
    actor: SignedInStaff, code: str, data: DetailsInput, *, uow: CatalogAdminUnit, clock: Clock
) -> list[str]:
    """Edit what a plan shows on every version, in place (not versioned: see the module's
    docstring). Returns the names of the fields that changed (none: nothing is written or
    audited). Audited: ``plan.updated`` with the changed fields before and after."""
    require(actor, Permission.CATALOG_MANAGE)
    errors: dict[str, str] = {}
    details = parse_details(data, errors)
    if errors:
        raise ValidationFailed(errors, message="Please correct the marked fields.")
    async with uow:
        versions = await uow.plans.versions(code)
        if not versions:
            raise _not_found(code)
        current = next((v for v in versions if v.is_current), versions[-1])
        before, after = _details_record(current.details), _details_record(details)
        changed = [k for k in after if before[k] != after[k]]
        if not changed:
            return []
        await uow.plans.update_details(code, details)
        await record(uow, new_entry(
            at=clock.now(), actor=_actor(actor), action="plan.updated", object_type="plan",
            object_id=code, before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        ))  # fmt: skip
        await uow.commit()
    return changed
