"""Which CSV column feeds which customer field: the targets, the header names a CRM uses for
each (HubSpot's first), the mapping guessed from a file's header (case-insensitive) and its
checks (every required field mapped, no column feeding two fields)."""

from __future__ import annotations

from collections.abc import Mapping as MappingType
from dataclasses import dataclass

from domain.shared.errors import ValidationFailed

BAD_MAPPING = "integrations.bad_mapping"


@dataclass(frozen=True, slots=True)
class Target:
    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False
    help: str = ""


TARGETS: tuple[Target, ...] = (
    Target(
        "external_id",
        "External ID",
        ("record id", "external id", "customer id", "id"),
        True,
        "The CRM's id of the record: a re-import updates the customer with this id.",
    ),
    Target("email", "E-mail", ("email", "e-mail", "email address"), True),
    Target(
        "name",
        "Name",
        ("company name", "name", "company", "full name"),
        False,
        "The billing name. Without it, first and last name are joined.",
    ),
    Target("first_name", "First name", ("first name", "firstname")),
    Target("last_name", "Last name", ("last name", "lastname")),
    Target(
        "country",
        "Country",
        ("country/region", "country", "country code"),
        True,
        "An ISO code (DE) or the English name (Germany).",
    ),
    Target("region", "State or region", ("state/region", "state", "region", "province")),
    Target("address", "Street address", ("street address", "address", "address line 1")),
    Target("city", "City", ("city",)),
    Target("postal_code", "Postal code", ("postal code", "zip", "zip code", "postcode")),
    Target(
        "currency",
        "Currency",
        ("currency", "currency code"),
        True,
        "The currency the customer is billed in (EUR): one the catalog sells.",
    ),
    Target("tax_id", "VAT number", ("vat number", "vat id", "tax id", "tax number")),
    Target("plan", "Plan code", ("plan", "plan code")),
    Target("quantity", "Quantity", ("quantity", "seats")),
)
TARGET_KEYS = tuple(t.key for t in TARGETS)


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Target key -> the index of the column that feeds it (absent: not imported)."""

    columns: dict[str, int]

    def cell(self, row: tuple[str, ...], key: str) -> str:
        index = self.columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    def column_name(self, header: tuple[str, ...], key: str) -> str:
        index = self.columns.get(key)
        return header[index] if index is not None and index < len(header) else key

    def as_names(self, header: tuple[str, ...]) -> dict[str, str]:
        return {k: header[i] for k, i in self.columns.items() if i < len(header)}


def guess_mapping(header: tuple[str, ...]) -> ColumnMapping:
    """Each target's column: the first synonym that names a header (case and spaces ignored)."""
    names = [" ".join(h.lower().split()) for h in header]
    columns: dict[str, int] = {}
    for target in TARGETS:
        for synonym in target.synonyms:
            if synonym in names and names.index(synonym) not in columns.values():
                columns[target.key] = names.index(synonym)
                break
    return ColumnMapping(columns)


def mapping_from_names(header: tuple[str, ...], chosen: MappingType[str, str]) -> ColumnMapping:
    """The mapping staff chose (target key -> a column name, "" for none), checked: every
    required field has a column, the name or first name is mapped, no column is used twice."""
    errors: dict[str, str] = {}
    columns: dict[str, int] = {}
    for target in TARGETS:
        name = (chosen.get(target.key) or "").strip()
        if not name:
            continue
        if name not in header:
            errors[target.key] = f"The file has no column {name!r}."
            continue
        columns[target.key] = header.index(name)
    for target in TARGETS:
        if target.required and target.key not in columns and target.key not in errors:
            errors[target.key] = f"Choose the column that holds the {target.label.lower()}."
    if "name" not in columns and "first_name" not in columns and "last_name" not in columns:
        errors.setdefault("name", "Choose the column with the name (or first and last name).")
    used: dict[int, str] = {}
    for key, index in columns.items():
        if index in used:
            errors.setdefault(key, f"{header[index]!r} already feeds {used[index]}.")
        used[index] = key
    if errors:
        raise ValidationFailed(errors, code=BAD_MAPPING)
    return ColumnMapping(columns)
