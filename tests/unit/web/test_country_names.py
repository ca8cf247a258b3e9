"""Country and jurisdiction names in the reader's language (domain/adapters/country_names.py):
Babel's names, the codes kept as values, a select sorted by the reader's collation (the Persian
alphabet for Persian, accents ignored for English)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain.adapters.country_names import (
    collation_key,
    country_choices_in,
    country_name_in,
    country_options_in,
    jurisdiction_in,
)
from domain.shared.countries import country_choices

pytestmark = pytest.mark.unit


@dataclass
class _Rate:
    country: str
    region: str | None


def test_english_is_the_domains_list_unchanged() -> None:
    assert country_choices_in("en") == country_choices()
    assert country_name_in("en", "DE") == "Germany"


def test_persian_names_the_same_countries_with_the_same_codes() -> None:
    persian = country_choices_in("fa")
    assert {code for code, _ in persian} == {code for code, _ in country_choices()}
    names = dict(persian)
    assert (names["DE"], names["IR"], names["US"]) == ("آلمان", "ایران", "ایالات متحده")
    assert country_name_in("fa", " de ") == "آلمان"
    assert country_name_in("fa", "ZZ") == "ZZ" and country_name_in("fa", None) == ""


def test_persian_is_sorted_by_the_persian_alphabet() -> None:
    names = [name for _, name in country_choices_in("fa")]
    # code point order would put پاکستان (پ U+067E) after هند, and گرجستان (گ) after لبنان
    assert names.index("برزیل") < names.index("پاکستان") < names.index("ترکیه")
    assert names.index("کانادا") < names.index("گرجستان") < names.index("لبنان")
    assert names.index("ژاپن") < names.index("سوئد")
    assert names.index("آلمان") < names.index("اتریش")  # آ before ا
    assert names[-1] == "یونان"
    # the Arabic forms read as the Persian letter, marks ignored
    assert collation_key("fa", "كي") == collation_key("fa", "کی")
    assert collation_key("fa", "هنگ\u200cکنگ") == collation_key("fa", "هنگکنگ")


def test_english_ignores_accents() -> None:
    names = [name for _, name in country_choices_in("en")]
    assert names.index("Åland Islands") < names.index("Albania")


def test_a_filters_countries_and_a_jurisdiction() -> None:
    assert country_options_in("fa", ["US", "DE", "IR"]) == [
        ("DE", "آلمان (DE)"), ("US", "ایالات متحده (US)"), ("IR", "ایران (IR)")
    ]  # fmt: skip
    assert country_options_in("en", ["US", "DE"]) == [("DE", "Germany (DE)"),
                                                      ("US", "United States (US)")]  # fmt: skip
    assert jurisdiction_in("fa", _Rate("US", "WA")) == "ایالات متحده · WA"
    assert jurisdiction_in("en", _Rate("DE", None)) == "Germany"
