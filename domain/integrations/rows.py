"""One CSV row checked into a customer (and optionally a subscription) to import, with the
checks the customer use cases apply (``customers.service.check_customer``: e-mail, name,
country, currency, VAT number) and the catalog's (a currency it sells; a current base plan that
sells in that currency; a whole quantity). Every problem of a row is a ``RowError`` naming the
row, the column and what is wrong. Pure: the catalog comes in as ``CatalogFacts``."""

from __future__ import annotations

from dataclasses import dataclass

from domain.catalog.model import Plan
from domain.customers.service import MAX_REGION, check_customer
from domain.integrations.mapping import ColumnMapping
from domain.shared.countries import country_choices, is_country
from domain.shared.money import Currency
from domain.shared.text import BAD_CHARACTERS, has_control_characters

MAX_EXTERNAL_ID = 100
MAX_QUANTITY = 100_000
_NAMES = {name.lower(): code for code, name in country_choices()}


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the record number in the file (the header is 1)
    column: str  # the file's column name (or the field, when no column feeds it)
    message: str


@dataclass(frozen=True, slots=True)
class CatalogFacts:
    currencies: frozenset[str]  # what some current base plan sells in
    plans: dict[str, Plan]  # current base plans by code


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A checked row: what the customer (and subscription) will be."""

    row: int
    external_id: str
    email: str
    name: str
    country: str
    region: str | None
    address_lines: tuple[str, ...]
    currency: str
    tax_id: str | None
    plan_code: str | None
    quantity: int


def country_code(value: str) -> str:
    """An ISO code as given (any case), or the code of an English country name."""
    value = value.strip()
    if len(value) == 2:
        return value.upper()
    return _NAMES.get(value.lower(), value)


def check_row(
    number: int, cells: tuple[str, ...], header: tuple[str, ...], mapping: ColumnMapping,
    facts: CatalogFacts,
) -> ImportRow | list[RowError]:  # fmt: skip
    def cell(key: str) -> str:
        return mapping.cell(cells, key)

    errors: dict[str, str] = {}
    for key in mapping.columns:
        if has_control_characters(cell(key)):
            errors[key] = BAD_CHARACTERS
    external_id = cell("external_id")
    if not external_id:
        errors.setdefault("external_id", "Enter the record's id: re-imports match on it.")
    elif len(external_id) > MAX_EXTERNAL_ID:
        errors.setdefault("external_id", f"Use at most {MAX_EXTERNAL_ID} characters.")
    name = cell("name") or " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
    country = country_code(cell("country"))
    currency = cell("currency").upper()
    tax_id = cell("tax_id") or None
    for key, message in check_customer(
        email=cell("email"), name=name, currency=currency, country=country, tax_id=tax_id,
        timezone="UTC",
    ).items():  # fmt: skip
        errors.setdefault(key, message)
    if "country" in errors and not cell("country"):
        errors["country"] = "Enter the country: an ISO code (DE) or its English name."
    elif "country" not in errors and not is_country(country):
        errors["country"] = "Choose a country (a two-letter ISO 3166 code)."
    if "currency" not in errors and currency not in facts.currencies:
        sold = ", ".join(sorted(facts.currencies)) or "none yet"
        errors["currency"] = f"The catalog does not sell in {currency} (it sells in {sold})."
    region = cell("region") or None
    if region and len(region) > MAX_REGION:
        errors.setdefault("region", f"Use at most {MAX_REGION} characters.")
    street = cell("address")
    city_line = " ".join(p for p in (cell("postal_code"), cell("city")) if p)
    lines = tuple(line for line in (street, city_line) if line)
    if any(len(line) > 200 for line in lines):
        errors.setdefault("address", "Use at most 200 characters per address line.")
    plan_code = cell("plan") or None
    quantity = 1
    raw_quantity = cell("quantity")
    if raw_quantity:
        if not raw_quantity.isascii() or not raw_quantity.isdigit() or len(raw_quantity) > 6:
            errors.setdefault("quantity", "Enter a whole number of at least 1.")
        elif not 1 <= int(raw_quantity) <= MAX_QUANTITY:
            errors.setdefault("quantity", f"Enter a whole number from 1 to {MAX_QUANTITY:,}.")
        else:
            quantity = int(raw_quantity)
        if plan_code is None and "quantity" not in errors and quantity != 1:
            errors.setdefault("plan", "A quantity needs a plan to apply to.")
    if plan_code is not None:
        plan = facts.plans.get(plan_code)
        if plan is None:
            errors.setdefault("plan", f"There is no current plan {plan_code!r} in the catalog.")
        elif "currency" not in errors and plan.price_in(Currency.of(currency)) is None:
            errors.setdefault("plan", f"Plan {plan_code} has no price in {currency}.")
    if errors:
        order = {k: i for i, k in enumerate(mapping.columns)}
        return [
            RowError(number, mapping.column_name(header, key), message)
            for key, message in sorted(errors.items(), key=lambda kv: order.get(kv[0], 99))
        ]
    return ImportRow(
        row=number, external_id=external_id, email=cell("email").strip().lower(),
        name=name.strip(), country=country, region=region, address_lines=lines,
        currency=currency, tax_id=tax_id, plan_code=plan_code, quantity=quantity,
    )  # fmt: skip


def check_unique(rows: list[ImportRow], header_names: dict[str, str]) -> list[RowError]:
    """Rows repeating an earlier row's external id or e-mail (the later ones are refused)."""
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    errors: list[RowError] = []
    for row in rows:
        if row.external_id in seen_ids:
            errors.append(RowError(row.row, header_names.get("external_id", "external_id"),
                                   f"The same id as row {seen_ids[row.external_id]}."))  # fmt: skip
        elif row.email in seen_emails:
            errors.append(RowError(row.row, header_names.get("email", "email"),
                                   f"The same e-mail as row {seen_emails[row.email]}."))  # fmt: skip
        seen_ids.setdefault(row.external_id, row.row)
        seen_emails.setdefault(row.email, row.row)
    return errors
