"""Customer use cases: the checks on a customer's details, creating a customer, reading and
updating the billing details that invoices print and tax by."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.customers.errors import CustomerErrorCode
from domain.customers.model import Customer
from domain.customers.ports import CustomersUnit
from domain.jobs.model import JsonValue
from domain.outbound.events import EventType, emit
from domain.pricing.tax_policy import check_vat_id
from domain.shared.clock import Clock
from domain.shared.countries import is_country
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id
from domain.shared.money import Currency

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def create_customer(
    *,
    email: str,
    name: str,
    currency: str,
    country: str,
    region: str | None = None,
    address_lines: tuple[str, ...] = (),
    tax_id: str | None = None,
    tax_exempt: bool = False,
    timezone: str = "UTC",
    uow: CustomersUnit,
    clock: Clock,
) -> Customer:
    async with uow:
        customer = await create_customer_in(
            uow,
            email=email,
            name=name,
            currency=currency,
            country=country,
            region=region,
            address_lines=address_lines,
            tax_id=tax_id,
            tax_exempt=tax_exempt,
            timezone=timezone,
            now=clock.now(),
        )
        await uow.commit()
    return customer


MAX_REGION = 100  # a state, province or region as typed


MAX_TAX_ID = 40  # the longest VAT or tax number format is 20 characters


def check_customer(
    *, email: str, name: str, currency: str, country: str, tax_id: str | None, timezone: str
) -> dict[str, str]:
    """Field errors of a new customer's details (empty when they are fine)."""
    errors: dict[str, str] = {}
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Enter an e-mail address like name@example.com."
    if not name.strip() or len(name) > 200:
        errors["name"] = "Enter a name of at most 200 characters."
    if not is_country(country):
        errors["country"] = "Choose a country (a two-letter ISO 3166 code)."
    try:
        Currency.of(currency.upper())
    except (KeyError, ValueError):
        errors["currency"] = f"{currency} is not a currency we bill in."
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = f"{timezone} is not a time zone."
    if tax_id and len(tax_id) > MAX_TAX_ID:
        errors["tax_id"] = f"Use at most {MAX_TAX_ID} characters for the tax ID."
    elif tax_id and "country" not in errors and country.upper() != "US":
        try:
            check_vat_id(tax_id, country)
        except ValidationFailed as exc:
            errors.update(exc.field_errors)
    return errors


async def create_customer_in(
    uow: CustomersUnit,
    *,
    email: str,
    name: str,
    currency: str,
    country: str,
    region: str | None = None,
    address_lines: tuple[str, ...] = (),
    tax_id: str | None = None,
    tax_exempt: bool = False,
    timezone: str = "UTC",
    now: datetime,
) -> Customer:
    """``create_customer`` inside a transaction the caller holds (checkout creates the customer,
    the account and the subscription in one). ``Conflict`` when the e-mail has a customer."""
    errors = check_customer(
        email=email, name=name, currency=currency, country=country, tax_id=tax_id,
        timezone=timezone,
    )  # fmt: skip
    if errors:
        raise ValidationFailed(errors, code=CustomerErrorCode.INVALID)
    email = email.strip().lower()
    if tax_id and country.upper() != "US":
        tax_id = check_vat_id(tax_id, country)
    customer = Customer(
        id=CustomerId(new_id()),
        email=email,
        name=name.strip(),
        currency=currency.upper(),
        country=country.upper(),
        region=region,
        address_lines=address_lines,
        tax_id=tax_id or None,
        tax_exempt=tax_exempt,
        timezone=timezone,
        created_at=now,
    )
    if await uow.customers.get_by_email(email) is not None:
        raise Conflict("A customer with this e-mail exists.", code=CustomerErrorCode.INVALID)
    await uow.customers.add(customer)
    await emit(uow, EventType.CUSTOMER_CREATED, customer_data(customer), at=now)
    return customer


def _check_customer(
    *, email: str, name: str, country: str, currency: str, timezone: str, tax_id: str | None
) -> str | None:
    """``check_customer`` raising ``ValidationFailed`` with every field's problem; gives the tax
    ID normalised."""
    errors = check_customer(
        email=email, name=name, currency=currency, country=country, tax_id=tax_id,
        timezone=timezone,
    )  # fmt: skip
    if errors:
        raise ValidationFailed(errors, code=CustomerErrorCode.INVALID)
    if tax_id and country.upper() != "US":
        return check_vat_id(tax_id, country)
    return tax_id


async def get_customer(customer_id: CustomerId, *, uow: CustomersUnit) -> Customer:
    """The customer's billing details as they stand (what the next invoice will print)."""
    async with uow:
        customer = await uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("No such customer.", code="customer.not_found")
    return customer


async def update_billing_details(
    customer_id: CustomerId,
    *,
    name: str,
    country: str,
    address_lines: tuple[str, ...] = (),
    region: str | None = None,
    tax_id: str | None = None,
    uow: CustomersUnit,
    clock: Clock,
) -> Customer:
    """Change the name, address, country and tax ID that future invoices print and tax by (the
    rules of ``create_customer``). Issued invoices keep the snapshot they were issued with; the
    e-mail changes only through the account's confirmed e-mail change."""
    lines = tuple(line.strip() for line in address_lines if line.strip())
    errors: dict[str, str] = {}
    if len(lines) > 4 or any(len(line) > 200 for line in lines):
        errors["address"] = "Enter at most four address lines of 200 characters."
    if len((region or "").strip()) > MAX_REGION:
        errors["region"] = f"Use at most {MAX_REGION} characters for the state or region."
    async with uow:
        customer = await uow.customers.get(customer_id, lock=True)
        if customer is None:
            raise NotFound("No such customer.", code="customer.not_found")
        try:
            tax_id = _check_customer(
                email=customer.email, name=name, country=country, currency=customer.currency,
                timezone=customer.timezone, tax_id=(tax_id or "").strip() or None,
            )  # fmt: skip
        except ValidationFailed as exc:
            errors = exc.field_errors | errors
        if errors:
            raise ValidationFailed(errors, code=CustomerErrorCode.INVALID)
        customer = replace(
            customer,
            name=name.strip(),
            country=country.upper(),
            region=(region or "").strip() or None,
            address_lines=lines,
            tax_id=tax_id or None,
        )
        await uow.customers.save(customer)
        await emit(uow, EventType.CUSTOMER_UPDATED, customer_data(customer), at=clock.now())
        await uow.commit()
    return customer


def customer_data(customer: Customer) -> dict[str, JsonValue]:
    """A customer as webhooks carry it (``customer.*`` events)."""
    return {
        "object": "customer",
        "id": customer.id,
        "email": customer.email,
        "name": customer.name,
        "currency": customer.currency,
        "country": customer.country,
        "region": customer.region,
        "address_lines": list(customer.address_lines),
        "tax_id": customer.tax_id,
        "tax_exempt": customer.tax_exempt,
        "balance": {"amount_minor": customer.balance_minor, "currency": customer.currency},
        "created_at": customer.created_at.isoformat() if customer.created_at else None,
    }
