"""Invoice lines read in the reader's language: the engine's English wording (kept on the
invoice) rewritten at display time for Persian, from lines the engine itself made, so a change
of the engine's wording that the rewrite no longer knows fails here."""

from __future__ import annotations

import re

import pytest

from domain.adapters.formatting import first_strong_direction
from domain.adapters.line_text import FSI, PDI, RLM, arithmetic, describe
from domain.billing.model import LineKind
from domain.shared.display import Calendar, Display, DisplayPreferences
from domain.shared.periods import utc
from domain.subscriptions.engine import ProrationBehavior
from tests.unit.billing._builders import make_engine, make_plan

pytestmark = pytest.mark.unit

FA = Display.resolve("fa", DisplayPreferences(), site_locale="en_US")
FA_JALALI = Display.resolve("fa", DisplayPreferences(calendar=Calendar.JALALI), site_locale="en_US")
EN = Display.resolve("en", DisplayPreferences(), site_locale="en_US")
LATIN_LETTERS_BUT_PLAN = re.compile(r"[A-Za-z]+")
JAN31, FEB15 = utc(2024, 1, 31), utc(2024, 2, 15)


def _english_words(text: str) -> set[str]:
    return set(LATIN_LETTERS_BUT_PLAN.findall(text)) - {"Team", "units", "Starter"}


def _label(name: str) -> str:
    """A merchant's label as a Persian line isolates it."""
    return f"{FSI}{name}{PDI}"


def _lines():  # type: ignore[no-untyped-def]
    team = make_plan("team", setup_fee_minor=500)
    starter = make_plan("starter", trial_days=14)
    engine = make_engine(team)
    engine.subscribe(JAN31, team)
    first = engine.invoices[-1].lines
    engine.advance_to(FEB15)
    engine.change(FEB15, quantity=5, proration=ProrationBehavior.INVOICE_NOW)
    proration = engine.invoices[-1].lines
    trial = make_engine(starter)
    trial.subscribe(JAN31, starter)
    return first, proration, trial.invoices[-1].lines


def test_english_is_the_stored_text_unchanged() -> None:
    for lines in _lines():
        for line in lines:
            assert describe(line, EN, "UTC") == line.description
            assert arithmetic(line.shown_detail, EN) == line.shown_detail


def test_every_line_the_engine_writes_reads_in_persian() -> None:
    first, proration, trial = _lines()
    kinds = {line.kind for line in (*first, *proration, *trial)}
    assert {LineKind.SUBSCRIPTION, LineKind.SETUP_FEE, LineKind.PRORATION} <= kinds
    for line in (*first, *proration, *trial):
        text = describe(line, FA, "UTC")
        assert _english_words(text) == set(), (line.description, text)
        assert not re.search(r"[0-9]", text), text  # Persian digits
        detail = arithmetic(line.shown_detail, FA)
        assert _english_words(detail) == set(), (line.shown_detail, detail)


def test_the_dates_are_the_line_period_in_the_reader_calendar() -> None:
    first, proration, _ = _lines()
    subscription = next(ln for ln in first if ln.kind is LineKind.SUBSCRIPTION)
    assert describe(subscription, FA, "UTC") == (
        f"{RLM}{_label('Team')} (۳۱ ژانویه ۲۰۲۴ – ۲۹ فوریه ۲۰۲۴)"
    )
    assert "بهمن" in describe(subscription, FA_JALALI, "UTC")  # 11 Bahman 1402
    unused = proration[0]
    assert unused.description == "Unused time on Team after Feb 15, 2024"
    assert describe(unused, FA, "UTC") == (
        f"{RLM}زمان استفاده‌نشده از {_label('Team')} پس از ۱۵ فوریه ۲۰۲۴"
    )
    counted = next(ln for ln in proration if ln.description.startswith("Remaining time on 5 x"))
    assert describe(counted, FA, "UTC").startswith(f"{RLM}زمان باقی‌مانده از ۵ × {FSI}Team units")
    assert arithmetic(counted.detail, FA) == "۱۴ از ۲۹ روز × ۵ × ۱۰٫۰۰"


def test_a_description_in_no_known_shape_is_shown_as_stored_in_the_reader_digits() -> None:
    class Manual:
        description = "Goodwill credit 2024"
        period = None
        explanation = ""
        shown_detail = ""

    assert describe(Manual(), FA, "UTC") == "Goodwill credit ۲۰۲۴"  # type: ignore[arg-type]


def test_a_credit_note_line_without_a_period_reads_its_date_from_its_words() -> None:
    from domain.billing.model import CreditNoteLine

    line = CreditNoteLine("Unused time on 3 x Team after Feb 15, 2024", 4345, "14/29 x 3 x 30.00",
                          "14 of 29 days x 3 x 30.00")  # fmt: skip
    assert describe(line, FA, "UTC") == (
        f"{RLM}زمان استفاده‌نشده از ۳ × {_label('Team')} پس از ۱۵ فوریه ۲۰۲۴"
    )
    assert arithmetic(line.shown_detail, FA) == "۱۴ از ۲۹ روز × ۳ × ۳۰٫۰۰"


def test_a_document_line_reads_its_dates_from_its_own_period_dates() -> None:
    from datetime import date

    from domain.documents.invoice_document import DocumentLine
    from domain.shared.money import Currency, Money, UnitPrice

    usd = Currency.of("USD")
    line = DocumentLine("Team (Jan 31 - Feb 29)", "1 x 30.00", "1", UnitPrice(3000, usd), True,
                        Money(3000, usd), date(2024, 1, 31), date(2024, 2, 29))  # fmt: skip
    assert describe(line, FA, "UTC") == f"{RLM}{_label('Team')} (۳۱ ژانویه ۲۰۲۴ – ۲۹ فوریه ۲۰۲۴)"
    assert describe(line, EN, "UTC") == "Team (Jan 31 - Feb 29)"


def test_a_persian_line_reads_right_to_left_whatever_the_label_begins_with() -> None:
    """The flaw this guards: "Team (۷ دسامبر ...)" began with the strong Latin "T", so a
    ``<bdi>`` or the ``|bdi`` filter laid it out left to right (the parenthesis and the first
    date on the wrong side). Every rewritten Persian line starts right to left and keeps its
    label isolated, with the label's own letters and neutrals inside the isolate."""
    first, proration, trial = _lines()
    for line in (*first, *proration, *trial):
        text = describe(line, FA, "UTC")
        assert text.startswith(RLM), text
        assert text.count(FSI) == text.count(PDI) == 1, text
        assert first_strong_direction(text) == "rtl", text
        inside = text[text.index(FSI) + 1 : text.index(PDI)]
        assert inside in {"Team", "Team units", "Starter"}, inside
        assert describe(line, EN, "UTC").count(FSI) == 0  # English is stored text, untouched


def test_the_bdi_direction_skips_an_isolated_label() -> None:
    assert first_strong_direction("Team (۷ دسامبر)") == "ltr"  # what went wrong
    assert first_strong_direction(f"{FSI}Team{PDI} (۷ دسامبر)") == "rtl"
    assert first_strong_direction(f"{FSI}Team{PDI} (7 Dec)") == "ltr"
    assert first_strong_direction(f"{FSI}{FSI}a{PDI}b{PDI} د") == "rtl"  # nested isolates
