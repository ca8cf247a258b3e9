"""What the cohort page may be asked for: a plan, a currency, a country (each of the customer's
first payment) and a range of cohort months, typed as text in a GET form and checked here, every
problem at once; and the record of a refresh (when, how many customers, missing rates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.analytics.cohorts import Measure, add_months, months_between
from domain.shared.countries import is_country
from domain.shared.errors import ValidationFailed

BAD_FILTERS = "analytics.bad_filters"
DEFAULT_COHORTS = 12  # cohorts shown when no range is asked for
MAX_COHORTS = 120  # ten years of cohorts at most on one page
MAX_CODE = 64


@dataclass(frozen=True, slots=True)
class CohortFilters:
    plan_code: str | None = None
    currency: str | None = None
    country: str | None = None
    start: date | None = None  # first cohort month shown (its first day)
    end: date | None = None  # last cohort month shown
    measure: Measure = Measure.LOGOS

    def query(self) -> dict[str, str]:
        """The filters as the page's query string carries them (empty ones left out)."""
        values = {
            "plan": self.plan_code or "", "currency": self.currency or "",
            "country": self.country or "",
            "from": self.start.strftime("%Y-%m") if self.start else "",
            "to": self.end.strftime("%Y-%m") if self.end else "",
            "measure": self.measure.value,
        }  # fmt: skip
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True, slots=True)
class CohortFilterInput:
    """The filters as typed (every value text)."""

    plan: str = ""
    currency: str = ""
    country: str = ""
    start: str = ""
    end: str = ""
    measure: str = ""


@dataclass(frozen=True, slots=True)
class CohortRefresh:
    refreshed_at: datetime
    customers: int  # customers with a first payment, in every cohort
    missing_rates: str  # "EUR on 2026-01-03, ..." (empty: every amount converted)
    reporting_currency: str
    # what the filters may choose (the first payments' plans, currencies, countries), sorted
    plans: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


def parse_month(text: str) -> date | None:
    """``2026-04`` -> 2026-04-01; anything else None."""
    if len(text) != 7 or text[4] != "-":
        return None
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        return None


def check_dims(
    plan_text: str, currency_text: str, country_text: str
) -> tuple[tuple[str, str, str], dict[str, str]]:
    """A plan code, a currency and a country as typed (each may be empty: any), normalised, and
    a message per refused one (also used by the subscriber metrics' filters)."""
    errors: dict[str, str] = {}
    plan = plan_text.strip()
    currency = currency_text.strip().upper()
    country = country_text.strip().upper()
    if len(plan) > MAX_CODE or any(not (c.isalnum() or c in "-_.") for c in plan):
        errors["plan"] = "Choose a plan from the list."
    if currency and (len(currency) != 3 or not currency.isalpha() or not currency.isascii()):
        errors["currency"] = "Choose a currency from the list (a three-letter code)."
    if country and not is_country(country):
        errors["country"] = "Choose a country from the list (a two-letter code)."
    return (plan, currency, country), errors


def check_filters(typed: CohortFilterInput, *, today: date) -> CohortFilters:
    """The checked filters, or ``ValidationFailed`` naming each field's problem. Without a
    range the last ``DEFAULT_COHORTS`` cohorts up to this month are shown."""
    (plan, currency, country), errors = check_dims(typed.plan, typed.currency, typed.country)
    measure = Measure.LOGOS
    if typed.measure.strip():
        try:
            measure = Measure(typed.measure.strip())
        except ValueError:
            errors["measure"] = "Show logos or revenue."
    start, end = parse_month(typed.start.strip()), parse_month(typed.end.strip())
    if typed.start.strip() and start is None:
        errors["from"] = "Enter a month like 2026-04."
    if typed.end.strip() and end is None:
        errors["to"] = "Enter a month like 2026-04."
    current = date(today.year, today.month, 1)
    if end is not None and end > current:
        errors["to"] = "Choose this month or an earlier one."
    if start is not None and end is not None and start > end and "to" not in errors:
        errors["to"] = "The last month comes on or after the first."
    if errors:
        raise ValidationFailed(errors, code=BAD_FILTERS)
    if end is None:
        end = current
    if start is None:
        start = add_months(end, -(DEFAULT_COHORTS - 1))
    if months_between(start, end) >= MAX_COHORTS:
        raise ValidationFailed(
            {"from": f"Show at most {MAX_COHORTS} cohorts (ten years) at once."}, code=BAD_FILTERS
        )
    return CohortFilters(plan or None, currency or None, country or None, start, end, measure)


def default_filters(today: date) -> CohortFilters:
    return check_filters(CohortFilterInput(), today=today)
