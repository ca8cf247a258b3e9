"""The plan form's fields without JavaScript: currencies, their charges and each charge's tiers
are numbered rows (``price-0-charge-1-tier-2-up_to``). The form always shows a few blank rows;
an "Add ..." button (``add=price``, ``add=price-0``, ``add=price-0-charge-1``) posts the form,
which comes back with one more row and nothing written. Blank rows are ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.catalog.drafts import (
    MAX_CHARGES,
    MAX_CURRENCIES,
    MAX_TIERS,
    ChargeInput,
    DetailsInput,
    PlanInput,
    PriceInput,
    TierInput,
)
from domain.pricing.model import Aggregation, ChargeModel
from web.forms import Field, FormSpec, ParsedForm

CHARGE_FIELDS = ("model", "amount", "unit_price", "unit_label", "package_size", "free_units",
                 "meter", "aggregation")  # fmt: skip
TIER_FIELDS = ("up_to", "unit_price", "flat_fee")
ROW = re.compile(r"price-(\d{1,2})(?:-charge-(\d{1,2})(?:-tier-(\d{1,2}))?)?-")
ADD = re.compile(r"price(?:-(\d{1,2})(?:-charge-(\d{1,2}))?)?")
DEFAULT_BLOCKS, DEFAULT_TIERS = 2, 3

DETAIL_FIELDS = (
    Field("name", 300), Field("description", 2_000, multiline=True),
    Field("features", 5_000, multiline=True), Field("is_public", 3), Field("sort_order", 12),
    Field("highlighted", 3), Field("family", 100),
)  # fmt: skip
PRICE_FIELDS = (Field("price-", 40, prefix=True), Field("trial_days", 12), Field("add", 40),
                Field("confirm", 3), Field("edit", 3))  # fmt: skip
PLAN_FORM = FormSpec(
    Field("code", 100), Field("interval_unit", 10), Field("interval_count", 12), Field("kind", 10),
    Field("attaches_to", 100, many=True), *DETAIL_FIELDS, *PRICE_FIELDS,
)  # fmt: skip
VERSION_FORM = FormSpec(*PRICE_FIELDS)
DETAILS_FORM = FormSpec(*DETAIL_FIELDS)

MODEL_OPTIONS = [
    (ChargeModel.FLAT.value, "Flat fee"),
    (ChargeModel.PER_UNIT.value, "Per unit"),
    (ChargeModel.GRADUATED.value, "Graduated tiers"),
    (ChargeModel.VOLUME.value, "Volume tiers"),
    (ChargeModel.PACKAGE.value, "Package"),
]
AGGREGATION_OPTIONS = [
    (Aggregation.SUM.value, "Sum of values"),
    (Aggregation.COUNT.value, "Count of events"),
    (Aggregation.MAX.value, "Maximum value"),
    (Aggregation.UNIQUE_COUNT.value, "Unique values"),
    (Aggregation.LAST.value, "Last value"),
]


@dataclass(frozen=True, slots=True)
class ChargeRows:
    j: int
    tiers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BlockRows:
    i: int
    charges: tuple[ChargeRows, ...]


def _indexes(values: dict[str, str]) -> dict[tuple[int, ...], None]:
    """Every row the submitted names mention: (i,), (i, j), (i, j, k)."""
    seen: dict[tuple[int, ...], None] = {}
    for name in values:
        match = ROW.match(name)
        if match:
            parts = tuple(int(g) for g in match.groups() if g is not None)
            for n in range(1, len(parts) + 1):
                seen[parts[:n]] = None
    return seen


def layout(
    values: dict[str, str], add: str = "", *, blocks: int = DEFAULT_BLOCKS
) -> list[BlockRows]:
    """The rows to show: every row submitted (or prefilled), at least ``blocks`` currencies, one
    charge each and ``DEFAULT_TIERS`` tiers per charge, plus the row an "Add" button asked for."""
    seen = _indexes(values)
    wanted = ADD.fullmatch(add or "")
    extra_block = bool(wanted) and wanted.group(1) is None  # type: ignore[union-attr]
    extra_charge = (
        int(wanted.group(1)) if wanted and wanted.group(1) and not wanted.group(2) else -1
    )
    extra_tier = (
        (int(wanted.group(1)), int(wanted.group(2))) if wanted and wanted.group(2) else None
    )

    def count(prefix: tuple[int, ...], least: int, limit: int, more: bool) -> int:
        present = [key[len(prefix)] for key in seen if len(key) == len(prefix) + 1
                   and key[: len(prefix)] == prefix]  # fmt: skip
        return min(limit, max(least, max(present, default=-1) + 1) + (1 if more else 0))

    rows = []
    for i in range(count((), blocks, MAX_CURRENCIES, extra_block)):
        charges = []
        for j in range(count((i,), 1, MAX_CHARGES, extra_charge == i)):
            tiers = count((i, j), DEFAULT_TIERS, MAX_TIERS, extra_tier == (i, j))
            charges.append(ChargeRows(j, tuple(range(tiers))))
        rows.append(BlockRows(i, tuple(charges)))
    return rows


def price_values(form: ParsedForm) -> dict[str, str]:
    return {k: v for k, v in form.values.items() if k.startswith("price-")}


def _charge(values: dict[str, str], prefix: str, tiers: tuple[int, ...]) -> ChargeInput:
    def get(name: str) -> str:
        return values.get(prefix + name, "")

    return ChargeInput(
        model=get("model"), amount=get("amount"), unit_price=get("unit_price"),
        unit_label=get("unit_label"), package_size=get("package_size"),
        free_units=get("free_units"), meter=get("meter"), aggregation=get("aggregation"),
        tiers=tuple(
            TierInput(get(f"tier-{k}-up_to"), get(f"tier-{k}-unit_price"), get(f"tier-{k}-flat_fee"))
            for k in tiers
        ),
    )  # fmt: skip


def prices_from(values: dict[str, str], rows: list[BlockRows]) -> tuple[PriceInput, ...]:
    return tuple(
        PriceInput(
            currency=values.get(f"price-{b.i}-currency", ""),
            setup_fee=values.get(f"price-{b.i}-setup_fee", ""),
            charges=tuple(
                _charge(values, f"price-{b.i}-charge-{c.j}-", c.tiers) for c in b.charges
            ),
        )
        for b in rows
    )


def flatten(prices: tuple[PriceInput, ...]) -> dict[str, str]:
    """Prices as the form's field values (the new-version form starts from the current ones)."""
    values: dict[str, str] = {}
    for i, block in enumerate(prices):
        values[f"price-{i}-currency"] = block.currency
        values[f"price-{i}-setup_fee"] = block.setup_fee
        for j, charge in enumerate(block.charges):
            for f in CHARGE_FIELDS:
                values[f"price-{i}-charge-{j}-{f}"] = getattr(charge, f)
            for k, tier in enumerate(charge.tiers):
                for f in TIER_FIELDS:
                    values[f"price-{i}-charge-{j}-tier-{k}-{f}"] = getattr(tier, f)
    return values


def details_from(form: ParsedForm) -> DetailsInput:
    return DetailsInput(
        name=form.get("name"),
        description=form.get("description"),
        features=form.get("features"),
        is_public=form.get("is_public") == "on",
        sort_order=form.get("sort_order", "0"),
        highlighted=form.get("highlighted") == "on",
        family=form.get("family"),
    )


def plan_from(form: ParsedForm, rows: list[BlockRows]) -> PlanInput:
    return PlanInput(
        code=form.get("code"),
        details=details_from(form),
        interval_unit=form.get("interval_unit", "month"),
        interval_count=form.get("interval_count", "1"),
        kind=form.get("kind", "base"),
        attaches_to=tuple(form.lists.get("attaches_to", [])),
        trial_days=form.get("trial_days", "0"),
        prices=prices_from(price_values(form), rows),
    )


def echo(form: ParsedForm) -> dict[str, Any]:
    """What the form shows again: the values as typed (refused ones come back empty)."""
    return {**form.values, "attaches_to": form.lists.get("attaches_to", [])}
