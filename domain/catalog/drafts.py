"""A plan typed by a person: every field as text (``PlanInput``), checked and turned into the
catalog's values, with a message per field (keys are the form's field names, so a form shows
each message beside its input).

Amounts are typed in the currency's major units ("19.90") and converted exactly, never rounded:

- whole amounts (a flat fee, a package price, a tier's flat fee, a setup fee) go through
  ``Money.parse``, which refuses more decimals than the currency has (19.905 USD, 5.5 JPY);
- unit prices (per unit, each tier's price per unit) may be fractions of a minor unit (0.002 USD
  per API call, as Stripe's ``unit_amount_decimal``): up to ``UNIT_DECIMALS`` decimals beyond
  the currency's, kept exact as a ``Decimal`` of minor units; invoices multiply them by a
  quantity and round once per line with ``round_minor``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from domain.catalog.model import PlanDetails, PlanKind, PlanPrice
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from domain.shared.periods import Interval, IntervalUnit

CODE_PATTERN = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
METER_PATTERN = re.compile(r"[a-z][a-z0-9_.]*")
MAX_CODE, MAX_NAME, MAX_DESCRIPTION = 64, 200, 1_000
MAX_FEATURES, MAX_FEATURE = 30, 120
MAX_TRIAL_DAYS = 730
MAX_INTERVAL_COUNT = 12
MAX_SORT = 1_000_000
MAX_CURRENCIES, MAX_CHARGES, MAX_TIERS = 10, 8, 12
MAX_MINOR = 10**11  # a billion major units: far beyond any price, well inside BIGINT
MAX_UNITS = Decimal(10**12)
UNIT_DECIMALS = 6  # decimals a unit price may have beyond the currency's
MAX_LABEL = 40
INTERVAL_UNITS = (IntervalUnit.MONTH, IntervalUnit.YEAR)
RESERVED_CODES = frozenset({"new"})  # /admin/catalog/plans/new is the form


@dataclass(frozen=True, slots=True)
class TierInput:
    up_to: str = ""
    unit_price: str = ""
    flat_fee: str = ""

    @property
    def is_blank(self) -> bool:
        return not (self.up_to.strip() or self.unit_price.strip() or self.flat_fee.strip())


@dataclass(frozen=True, slots=True)
class ChargeInput:
    model: str = ""
    amount: str = ""
    unit_price: str = ""
    unit_label: str = ""
    package_size: str = ""
    free_units: str = ""
    meter: str = ""
    aggregation: str = ""
    tiers: tuple[TierInput, ...] = ()


@dataclass(frozen=True, slots=True)
class PriceInput:
    currency: str = ""
    setup_fee: str = ""
    charges: tuple[ChargeInput, ...] = ()

    @property
    def is_blank(self) -> bool:
        return not self.currency.strip() and not any(c.model.strip() for c in self.charges)


@dataclass(frozen=True, slots=True)
class DetailsInput:
    """What a plan shows, edited in place on every version (not versioned)."""

    name: str = ""
    description: str = ""
    features: str = ""  # one per line
    is_public: bool = True
    sort_order: str = "0"
    highlighted: bool = False
    family: str = ""


@dataclass(frozen=True, slots=True)
class PlanInput:
    code: str = ""
    details: DetailsInput = field(default_factory=DetailsInput)
    interval_unit: str = "month"
    interval_count: str = "1"
    kind: str = "base"
    attaches_to: tuple[str, ...] = ()
    trial_days: str = "0"
    prices: tuple[PriceInput, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """A checked new plan: everything but its id."""

    code: str
    details: PlanDetails
    interval: Interval
    kind: PlanKind
    attaches_to: tuple[str, ...]
    trial_days: int
    prices: tuple[PlanPrice, ...]


def price_key(i: int, name: str) -> str:
    return f"price-{i}-{name}"


def charge_key(i: int, j: int, name: str) -> str:
    return f"price-{i}-charge-{j}-{name}"


def tier_key(i: int, j: int, k: int, name: str) -> str:
    return f"price-{i}-charge-{j}-tier-{k}-{name}"


def code_problem(code: str) -> str | None:
    if not code:
        return "Enter a code, e.g. team-monthly."
    if len(code) > MAX_CODE or len(code) < 2:
        return f"Use 2 to {MAX_CODE} characters."
    if not CODE_PATTERN.fullmatch(code):
        return "Use lower-case letters, digits and single hyphens, starting with a letter."
    return None


def new_code_problem(code: str) -> str | None:
    if code in RESERVED_CODES:
        return f"{code!r} is reserved; choose another code."
    return code_problem(code)


def _int(text: str, low: int, high: int, errors: dict[str, str], key: str, what: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"-?[0-9]{1,9}", value):
        errors[key] = f"Enter {what} as a whole number."
        return low
    number = int(value)
    if not low <= number <= high:
        errors[key] = f"Enter {what} from {low:,} to {high:,}."
        return low
    return number


def whole_amount(
    text: str, currency: Currency, errors: dict[str, str], key: str, *, required: bool = True
) -> int:
    """Major units -> minor units exactly; more decimals than the currency has are refused."""
    value = text.strip().replace(",", "")
    if not value:
        if required:
            errors[key] = "Enter an amount."
        return 0
    try:
        minor = Money.parse(value, currency).minor
    except ValidationFailed:
        if _decimal(value) is None:
            errors[key] = "Enter an amount such as 19.90."
        else:
            errors[key] = _too_precise(currency, currency.exponent)
        return 0
    if minor < 0:
        errors[key] = "Enter an amount of zero or more."
    elif minor > MAX_MINOR:
        errors[key] = "That amount is too large."
    return max(0, min(minor, MAX_MINOR))


def _too_precise(currency: Currency, decimals: int) -> str:
    if decimals == 0:
        return f"{currency.code} has no decimal places; enter a whole amount."
    return f"Use at most {decimals} decimal places for {currency.code}."


def _decimal(value: str) -> Decimal | None:
    if not re.fullmatch(r"-?[0-9]{0,15}(\.[0-9]{0,20})?", value) or value in ("", "-", ".", "-."):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return None


def unit_amount(text: str, currency: Currency, errors: dict[str, str], key: str) -> Decimal:
    """A unit price in major units -> an exact ``Decimal`` of minor units (may be fractional)."""
    value = text.strip().replace(",", "")
    if not value:
        errors[key] = "Enter a price per unit (0 for free)."
        return Decimal(0)
    number = _decimal(value)
    if number is None:
        errors[key] = "Enter a price such as 0.05."
        return Decimal(0)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > currency.exponent + UNIT_DECIMALS:
        errors[key] = _too_precise(currency, currency.exponent + UNIT_DECIMALS)
        return Decimal(0)
    if number < 0:
        errors[key] = "Enter a price of zero or more."
        return Decimal(0)
    minor = number.scaleb(currency.exponent)
    if minor > MAX_MINOR:
        errors[key] = "That price is too large."
        return Decimal(0)
    return plain(minor) if minor else Decimal(0)


def _units(text: str, errors: dict[str, str], key: str) -> Decimal | None:
    value = text.strip().replace(",", "")
    if not value:
        return None
    number = _decimal(value)
    if number is None or number <= 0 or number > MAX_UNITS:
        errors[key] = "Enter the tier's last unit as a positive number (blank: and above)."
        return None
    return plain(number)


def plain(number: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (10000, not 1E+4), as stored and shown."""
    return Decimal(format(number.normalize(), "f"))


def _tiers(
    charge: ChargeInput, currency: Currency, i: int, j: int, errors: dict[str, str]
) -> tuple[Tier, ...]:
    rows = [(k, t) for k, t in enumerate(charge.tiers) if not t.is_blank]
    if not rows:
        errors[charge_key(i, j, "tiers")] = (
            "Add at least one tier; leave the last one's bound blank."
        )
        return ()
    tiers: list[Tier] = []
    previous = Decimal(0)
    for n, (k, row) in enumerate(rows):
        up_to = _units(row.up_to, errors, tier_key(i, j, k, "up_to"))
        last = n == len(rows) - 1
        if last and row.up_to.strip():
            errors[tier_key(i, j, k, "up_to")] = "Leave the last tier's bound blank (and above)."
        elif not last and up_to is None and tier_key(i, j, k, "up_to") not in errors:
            errors[tier_key(i, j, k, "up_to")] = "Enter where this tier ends."
        elif up_to is not None and up_to <= previous:
            errors[tier_key(i, j, k, "up_to")] = "Each tier must end above the one before."
        previous = up_to if up_to is not None else previous
        unit = unit_amount(row.unit_price, currency, errors, tier_key(i, j, k, "unit_price"))
        flat = whole_amount(
            row.flat_fee, currency, errors, tier_key(i, j, k, "flat_fee"), required=False
        )
        tiers.append(Tier(None if last else up_to, unit, flat))
    return tuple(tiers)


def _meter(charge: ChargeInput, i: int, j: int, errors: dict[str, str]) -> Meter | None:
    name = charge.meter.strip()
    if not name:
        return None
    if len(name) > 100 or not METER_PATTERN.fullmatch(name):
        errors[charge_key(i, j, "meter")] = (
            "Use lower-case letters, digits, dots and underscores (e.g. api_calls)."
        )
        return None
    try:
        aggregation = Aggregation(charge.aggregation.strip() or Aggregation.SUM.value)
    except ValueError:
        errors[charge_key(i, j, "aggregation")] = "Choose how usage is counted."
        aggregation = Aggregation.SUM
    return Meter(name, aggregation)


def parse_charge(
    charge: ChargeInput, currency: Currency, i: int, j: int, errors: dict[str, str]
) -> Charge | None:
    """One charge row; ``None`` when it has errors (recorded in ``errors``)."""
    before = len(errors)
    try:
        model = ChargeModel(charge.model.strip())
    except ValueError:
        errors[charge_key(i, j, "model")] = "Choose a pricing model."
        return None
    label = " ".join(charge.unit_label.split()) or "unit"
    if len(label) > MAX_LABEL:
        errors[charge_key(i, j, "unit_label")] = f"Use at most {MAX_LABEL} characters."
    meter = _meter(charge, i, j, errors)
    if meter is not None and model is ChargeModel.FLAT:
        errors[charge_key(i, j, "meter")] = "A flat fee counts no usage; leave the meter blank."
    amount, unit, package_size, free_units = 0, Decimal(0), 0, 0
    tiers: tuple[Tier, ...] = ()
    if model in (ChargeModel.FLAT, ChargeModel.PACKAGE):
        amount = whole_amount(charge.amount, currency, errors, charge_key(i, j, "amount"))
    if model is ChargeModel.PER_UNIT:
        unit = unit_amount(charge.unit_price, currency, errors, charge_key(i, j, "unit_price"))
    if model is ChargeModel.PACKAGE:
        package_size = _int(charge.package_size, 1, 10**9, errors,
                            charge_key(i, j, "package_size"), "the package size")  # fmt: skip
        if charge.free_units.strip():
            free_units = _int(charge.free_units, 0, 10**9, errors,
                              charge_key(i, j, "free_units"), "the free units")  # fmt: skip
    if model in (ChargeModel.GRADUATED, ChargeModel.VOLUME):
        tiers = _tiers(charge, currency, i, j, errors)
    if len(errors) > before:
        return None
    try:
        return Charge(model, amount_minor=amount, unit_minor=unit, tiers=tiers,
                      package_size=package_size, free_units=free_units, meter=meter,
                      unit_label=label)  # fmt: skip
    except ValidationFailed as exc:  # the model's own rules (tier order): beside the charge
        errors[charge_key(i, j, "model")] = next(iter(exc.field_errors.values()), exc.message)
        return None


def parse_prices(prices: tuple[PriceInput, ...], errors: dict[str, str]) -> tuple[PlanPrice, ...]:
    """Every non-blank currency block, with its charges; one price per currency."""
    parsed: list[PlanPrice] = []
    seen: set[str] = set()
    for i, block in enumerate(prices[:MAX_CURRENCIES]):
        if block.is_blank:
            continue
        try:
            currency = Currency.of(block.currency.strip())
        except ValidationFailed:
            errors[price_key(i, "currency")] = "Enter a currency code such as USD or EUR."
            continue
        if currency.code in seen:
            errors[price_key(i, "currency")] = f"{currency.code} is priced twice; keep one."
            continue
        seen.add(currency.code)
        setup = whole_amount(block.setup_fee, currency, errors, price_key(i, "setup_fee"),
                             required=False)  # fmt: skip
        rows = [(j, c) for j, c in enumerate(block.charges[:MAX_CHARGES]) if c.model.strip()]
        if not rows:
            errors[price_key(i, "charges")] = f"Add at least one charge in {currency.code}."
            continue
        charges = [parse_charge(c, currency, i, j, errors) for j, c in rows]
        if all(c is not None for c in charges):
            parsed.append(PlanPrice(currency, tuple(c for c in charges if c), setup))
    if not parsed and not any(k.startswith("price-") for k in errors):
        errors["prices"] = "Price the plan in at least one currency."
    return tuple(parsed)


def parse_trial_days(text: str, errors: dict[str, str]) -> int:
    return _int(text or "0", 0, MAX_TRIAL_DAYS, errors, "trial_days", "the trial days")


def parse_details(data: DetailsInput, errors: dict[str, str]) -> PlanDetails:
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "Enter the plan's name."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Use at most {MAX_NAME} characters."
    description = data.description.strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = f"Use at most {MAX_DESCRIPTION:,} characters."
    features = tuple(" ".join(line.split()) for line in data.features.splitlines() if line.strip())
    if len(features) > MAX_FEATURES:
        errors["features"] = f"List at most {MAX_FEATURES} features."
    elif any(len(f) > MAX_FEATURE for f in features):
        errors["features"] = f"Keep each feature to {MAX_FEATURE} characters."
    family = data.family.strip()
    if family and (problem := code_problem(family)):
        errors["family"] = problem
    sort_order = _int(data.sort_order or "0", -MAX_SORT, MAX_SORT, errors, "sort_order",
                      "the sort order")  # fmt: skip
    return PlanDetails(name, description, features, data.is_public, sort_order, data.highlighted,
                   family)  # fmt: skip


def parse_plan(data: PlanInput) -> PlanTerms:
    """Check every field of a new plan at once; ``ValidationFailed`` names each bad field.
    Whether the code is free and the add-on's base plans exist is the use case's to check."""
    errors: dict[str, str] = {}
    code = data.code.strip()
    if problem := new_code_problem(code):
        errors["code"] = problem
    details = parse_details(data.details, errors)
    unit = IntervalUnit.MONTH
    try:
        unit = IntervalUnit(data.interval_unit)
        if unit not in INTERVAL_UNITS:
            raise ValueError(unit)
    except ValueError:
        errors["interval_unit"] = "Choose monthly or yearly."
    count = _int(data.interval_count or "1", 1, MAX_INTERVAL_COUNT, errors, "interval_count",
                 "the number of months or years")  # fmt: skip
    kind = PlanKind.BASE
    try:
        kind = PlanKind(data.kind)
    except ValueError:
        errors["kind"] = "Choose a base plan or an add-on."
    attaches_to = tuple(sorted({c.strip() for c in data.attaches_to if c.strip()}))
    if kind is PlanKind.BASE:
        attaches_to = ()
    elif any(code_problem(c) for c in attaches_to):
        errors["attaches_to"] = "Choose base plans from the list."
    trial_days = parse_trial_days(data.trial_days, errors)
    prices = parse_prices(data.prices, errors)
    if errors:
        raise ValidationFailed(errors, message="Please correct the marked fields.")
    return PlanTerms(code, details, Interval(unit, count), kind, attaches_to, trial_days, prices)


def _major(minor: int, currency: Currency) -> str:
    return Money(minor, currency).to_decimal_string()


def _unit_major(minor: Decimal, currency: Currency) -> str:
    """An exact unit price in major units, with at least the currency's decimals."""
    text = format(minor.scaleb(-currency.exponent).normalize(), "f")
    whole, _, decimals = text.partition(".")
    decimals = decimals.ljust(currency.exponent, "0")
    return f"{whole}.{decimals}" if decimals else whole


def charge_input_of(charge: Charge, currency: Currency) -> ChargeInput:
    tiers = tuple(
        TierInput(
            "" if t.up_to is None else format(t.up_to, "f"),
            _unit_major(t.unit_minor, currency),
            _major(t.flat_minor, currency) if t.flat_minor else "",
        )
        for t in charge.tiers
    )
    with_amount = charge.model in (ChargeModel.FLAT, ChargeModel.PACKAGE)
    return ChargeInput(
        model=charge.model.value,
        amount=_major(charge.amount_minor, currency) if with_amount else "",
        unit_price=(
            _unit_major(charge.unit_minor, currency) if charge.model is ChargeModel.PER_UNIT else ""
        ),
        unit_label=charge.unit_label,
        package_size=str(charge.package_size) if charge.package_size else "",
        free_units=str(charge.free_units) if charge.free_units else "",
        meter=charge.meter.name if charge.meter else "",
        aggregation=charge.meter.aggregation.value if charge.meter else "",
        tiers=tiers,
    )


def price_inputs_of(prices: tuple[PlanPrice, ...]) -> tuple[PriceInput, ...]:
    """A version's prices as the form shows them (the new-version form starts from these)."""
    return tuple(
        PriceInput(
            currency=p.currency.code,
            setup_fee=_major(p.setup_fee_minor, p.currency) if p.setup_fee_minor else "",
            charges=tuple(charge_input_of(c, p.currency) for c in p.charges),
        )
        for p in prices
    )
