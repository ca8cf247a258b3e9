"""The one country list (domain.shared.countries): ISO 3166-1 alpha-2 countries only."""

from __future__ import annotations

import pytest

from domain.customers.service import check_customer
from domain.shared.countries import country_choices, country_name, is_country

pytestmark = pytest.mark.unit

NOT_COUNTRIES = ["XA", "XB", "XK", "ZZ", "QO", "EU", "EZ", "UN", "AC", "CP", "CQ", "DG", "EA",
                 "IC", "TA", "AA", "QM", "XX", "419", "001"]  # fmt: skip


def test_the_list_is_the_249_countries_of_iso_3166_1() -> None:
    codes = [code for code, _ in country_choices()]
    assert len(codes) == len(set(codes)) == 249
    assert {"US", "DE", "GB", "AQ", "SS", "BQ", "SH", "AX", "TW", "PS"} <= set(codes)
    names = [name for _, name in country_choices()]
    assert not any(name.startswith("Pseudo") for name in names)
    assert set(codes).isdisjoint(NOT_COUNTRIES)


def test_names_sort_alphabetically_ignoring_accents() -> None:
    names = [name for _, name in country_choices()]
    assert names[:3] == ["Afghanistan", "Åland Islands", "Albania"]
    assert names[-1] == "Zimbabwe"


@pytest.mark.parametrize("code", NOT_COUNTRIES)
def test_reserved_and_private_use_codes_are_not_countries(code: str) -> None:
    assert not is_country(code)
    errors = check_customer(
        email="a@example.com", name="A", currency="USD", country=code, tax_id=None,
        timezone="UTC",
    )  # fmt: skip
    assert "country" in errors


def test_codes_are_checked_in_any_case() -> None:
    assert is_country("de") and is_country(" US ")
    assert country_name("de") == "Germany"
    assert country_name("XA") == "XA"
