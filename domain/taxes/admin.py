"""The admin's tax rates: read them (``CATALOG_READ``), create, replace and archive them
(``CATALOG_MANAGE``), each change audited in its own transaction (``tax_rate.created``,
``tax_rate.archived``).

A rate never changes (``rates.py``). To change a percentage, staff *replace* the rate: the new
rate is created and the old one archived in one transaction, so the jurisdiction is never
without a rate nor with two. Invoices already issued keep their tax; every invoice issued after
(renewals, proration, one-off invoices, checkout) uses the jurisdiction's active rate at the
time it is issued, since subscriptions do not hold a rate of their own: the rate follows the
customer's address, as Stripe Tax does (docs/billing.md, "Tax rates").

Archiving a rate without a replacement leaves its jurisdiction untaxed from the next invoice
(or, for a region, taxed at the country's rate if it has one): the admin confirms it first,
with ``archive_preview`` saying what applies after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.pricing.tax_rates import (
    BAD_RATE,
    CheckedRate,
    StoredTaxRate,
    TaxRateInput,
    check_rate,
    format_percentage,
)
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.taxes.ports import TaxRatesUnit

NO_SUCH_RATE = "There is no tax rate with this id."
MAX_ID = 36


@dataclass(frozen=True, slots=True)
class TaxRatesView:
    rates: list[StoredTaxRate]  # every rate, by country, region, active first, newest first
    subscriptions: dict[str, int]  # active rate id -> subscriptions billed where it applies

    @property
    def active(self) -> list[StoredTaxRate]:
        return [r for r in self.rates if r.active]

    @property
    def archived(self) -> list[StoredTaxRate]:
        return [r for r in self.rates if not r.active]

    @property
    def countries(self) -> int:
        return len({r.country for r in self.active})


@dataclass(frozen=True, slots=True)
class ArchivePreview:
    rate: StoredTaxRate
    fallback: StoredTaxRate | None  # the country's rate that applies after (a regional rate)


def _values(rate: StoredTaxRate | CheckedRate) -> dict[str, Any]:
    return {
        "country": rate.country,
        "region": rate.region or "",
        "name": rate.name,
        "percentage": format_percentage(rate.percentage),
        "inclusive": rate.inclusive,
    }


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


def subscriptions_per_rate(
    rates: list[StoredTaxRate], by_place: dict[tuple[str, str], int]
) -> dict[str, int]:
    """How many subscriptions (not ended) each active rate applies to by their customer's
    address: a regional rate its region's, a national rate the rest of its country's
    (tax-exempt and reverse-charged customers included: the address is what is counted)."""
    active = [r for r in rates if r.active]
    regions = {(r.country, (r.region or "").casefold()) for r in active if r.region}
    counts: dict[str, int] = {}
    for rate in active:
        if rate.region:
            counts[rate.id] = by_place.get((rate.country, rate.region.casefold()), 0)
        else:
            counts[rate.id] = sum(
                n for (country, region), n in by_place.items()
                if country == rate.country and (country, region) not in regions
            )  # fmt: skip
    return counts


async def tax_rates_page(actor: SignedInStaff, *, uow: TaxRatesUnit) -> TaxRatesView:
    require(actor, Permission.CATALOG_READ)
    async with uow:
        rates = await uow.tax_rates.stored()
        by_place = await uow.tax_rates.subscriptions_by_place()
    return TaxRatesView(rates, subscriptions_per_rate(rates, by_place))


def _duplicate(existing: StoredTaxRate) -> ValidationFailed:
    where = existing.jurisdiction
    return ValidationFailed(
        {"country": f"{where} has an active rate already ({existing.name} "
                    f"{existing.percent_text}). Replace that rate to change it."},
        code=BAD_RATE,
    )  # fmt: skip


async def _replaced(uow: TaxRatesUnit, replaces: str, new: CheckedRate) -> StoredTaxRate:
    old = await uow.tax_rates.get(replaces, lock=True) if len(replaces) <= MAX_ID else None
    if old is None:
        raise ValidationFailed({"_": "The rate to replace no longer exists."}, code=BAD_RATE)
    if not old.active:
        raise ValidationFailed(
            {"_": f"{old.name} {old.percent_text} ({old.jurisdiction}) is archived already: "
                  "create a new rate instead."},
            code=BAD_RATE,
        )  # fmt: skip
    if not old.same_jurisdiction(new.country, new.region):
        raise ValidationFailed(
            {"country": f"A replacement keeps the jurisdiction ({old.jurisdiction})."},
            code=BAD_RATE,
        )
    if (old.name, old.percentage, old.inclusive) == (new.name, new.percentage, new.inclusive):
        raise ValidationFailed(
            {"percentage": "This is the rate as it is: change the percentage, the name or "
                           "whether prices include it."},
            code=BAD_RATE,
        )  # fmt: skip
    return old


async def create_tax_rate(
    actor: SignedInStaff,
    typed: TaxRateInput,
    *,
    uow: TaxRatesUnit,
    clock: Clock,
    replaces: str | None = None,
) -> StoredTaxRate:
    """A new active rate; with ``replaces``, the active rate of the same jurisdiction it takes
    over from, archived in the same transaction. One audit entry per rate changed."""
    require(actor, Permission.CATALOG_MANAGE)
    checked = check_rate(typed)
    now = clock.now()
    async with uow:
        old = await _replaced(uow, replaces, checked) if replaces else None
        if old is None:
            existing = next(
                (r for r in await uow.tax_rates.stored()
                 if r.active and r.same_jurisdiction(checked.country, checked.region)),
                None,
            )  # fmt: skip
            if existing is not None:
                raise _duplicate(existing)
        rate = StoredTaxRate(
            id=new_id(), country=checked.country, region=checked.region, name=checked.name,
            percentage=checked.percentage, inclusive=checked.inclusive, created_at=now,
        )  # fmt: skip
        if old is not None:
            await uow.tax_rates.archive(old.id, now)
            await record(uow, new_entry(
                at=now, actor=_actor(actor), action="tax_rate.archived", object_type="tax_rate",
                object_id=old.id, before={"status": "active"},
                after={"status": "archived", "replaced_by": rate.id},
            ))  # fmt: skip
        try:
            await uow.tax_rates.create(rate)
        except Conflict:  # another request created one for this jurisdiction meanwhile
            raise ValidationFailed(
                {"country": f"{rate.jurisdiction} has an active rate already. Replace that "
                            "rate to change it."},
                code=BAD_RATE,
            ) from None  # fmt: skip
        after = _values(rate) | ({"replaces": old.id} if old else {})
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="tax_rate.created", object_type="tax_rate",
            object_id=rate.id, after=after,
        ))  # fmt: skip
        await uow.commit()
    return rate


async def archive_preview(
    actor: SignedInStaff, rate_id: str, *, uow: TaxRatesUnit
) -> ArchivePreview:
    """What archiving would do; nothing is written."""
    require(actor, Permission.CATALOG_MANAGE)
    async with uow:
        rates = await uow.tax_rates.stored()
    rate = next((r for r in rates if r.id == rate_id), None)
    if rate is None:
        raise NotFound(NO_SUCH_RATE, code="tax_rate.not_found")
    if not rate.active:
        raise InvalidTransition(f"{rate.name} {rate.percent_text} is archived already.",
                                code="tax_rate.archived")  # fmt: skip
    fallback = None
    if rate.region:
        fallback = next(
            (r for r in rates if r.active and r.same_jurisdiction(rate.country, None)), None
        )
    return ArchivePreview(rate, fallback)


async def archive_tax_rate(
    actor: SignedInStaff, rate_id: str, *, uow: TaxRatesUnit, clock: Clock
) -> StoredTaxRate:
    require(actor, Permission.CATALOG_MANAGE)
    now = clock.now()
    async with uow:
        rate = await uow.tax_rates.get(rate_id, lock=True) if len(rate_id) <= MAX_ID else None
        if rate is None:
            raise NotFound(NO_SUCH_RATE, code="tax_rate.not_found")
        if not rate.active:
            raise InvalidTransition(f"{rate.name} {rate.percent_text} is archived already.",
                                    code="tax_rate.archived")  # fmt: skip
        await uow.tax_rates.archive(rate.id, now)
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="tax_rate.archived", object_type="tax_rate",
            object_id=rate.id, before={"status": "active"}, after={"status": "archived"},
        ))  # fmt: skip
        await uow.commit()
    return rate
