"""Persian formatting and input: Babel's ``fa`` money in Persian digits (or Latin on request),
Jalali dates for whoever chose them with the Gregorian date for a title, percentages, and
Persian or Arabic-Indic digits typed into a number field read as numbers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from jinja2 import Environment

from domain.adapters.formatting import format_in_display, format_money, install_filters
from domain.adapters.i18n import install_i18n
from domain.shared.digits import ascii_digits, persian_digits
from domain.shared.display import (
    Calendar,
    Digits,
    Display,
    DisplayPreferences,
    negotiate,
    parse_preferences,
)
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money
from web.forms import Field, FormSpec

pytestmark = pytest.mark.unit

FA = Display.resolve("fa", DisplayPreferences(), site_locale="en_US")
FA_LATIN = Display.resolve("fa", DisplayPreferences(digits=Digits.LATIN), site_locale="en_US")
FA_JALALI = Display.resolve("fa", DisplayPreferences(calendar=Calendar.JALALI), site_locale="en_US")
EN = Display.resolve("en", DisplayPreferences(), site_locale="en_US")


def _usd(minor: int) -> Money:
    return Money(minor, Currency.of("USD"))


def test_money_in_persian_is_babels_fa_in_persian_digits() -> None:
    assert format_money(_usd(123450), locale=FA.locale, display=FA) == "\u200e$\u00a0۱٬۲۳۴٫۵۰"
    assert format_money(_usd(123450), locale=FA.locale, display=FA_LATIN) == "\u200e$\u00a01,234.50"
    assert format_money(_usd(123450), locale=EN.locale, display=EN) == "$1,234.50"
    jpy = Money(1234, Currency.of("JPY"))  # the currency's own decimals: none
    assert "٫" not in format_money(jpy, locale=FA.locale, display=FA)


def test_a_date_in_persian_gregorian_or_jalali() -> None:
    day = date(2026, 12, 7)
    assert format_in_display(day, display=FA, timezone="UTC") == "۷ دسامبر ۲۰۲۶"
    assert format_in_display(day, display=FA_JALALI, timezone="UTC") == "۱۶ آذر ۱۴۰۵"
    nowruz = datetime(2027, 3, 20, 21, 0, tzinfo=UTC)  # 00:30 on 1 Farvardin 1406 in Tehran
    text = format_in_display(nowruz, display=FA_JALALI, timezone="Asia/Tehran", style="date")
    assert text == "۱ فروردین ۱۴۰۶"


def test_the_filters_read_the_display_from_the_context() -> None:
    env = Environment(autoescape=True)
    install_filters(env)
    install_i18n(env)
    page = env.from_string(
        "{{ day|date_local }}|{{ day|date_title }}|{{ share|percent }}|{{ 12|digits }}"
    )
    day = date(2026, 12, 7)
    shown = page.render(display=FA_JALALI, day=day, share=Fraction(1, 8))
    assert shown == "۱۶ آذر ۱۴۰۵|۷ دسامبر ۲۰۲۶|۱۲٫۵٪|۱۲"
    assert page.render(display=EN, day=day, share=Fraction(1, 8)) == "Dec 7, 2026||12.5%|12"
    assert page.render(display=FA, day=day, share=Decimal("0.5")).endswith("|۵۰٫۰٪|۱۲")


def test_typed_digits_in_any_script_read_as_numbers() -> None:
    assert ascii_digits("۱۲۳") == "123"
    assert ascii_digits("٤٥٦") == "456"
    assert ascii_digits("۴۲۴۲ ۴۲۴۲") == "4242 4242"
    assert persian_digits("2026") == "۲۰۲۶"
    spec = FormSpec(Field("quantity", 20, digits=True), Field("name", 50))
    parsed = spec.parse({"quantity": "۱۲", "name": "سام ۲"})
    assert parsed.get("quantity") == "12"
    assert parsed.get("name") == "سام ۲"  # text fields keep what was typed


def test_accept_language_and_a_typed_choice() -> None:
    assert negotiate("fa-IR,fa;q=0.9,en;q=0.8", "en") == "fa"
    assert negotiate("de-DE,de;q=0.9", "en") == "en"
    assert negotiate("en;q=0.5, fa;q=0.9", "en") == "fa"
    assert negotiate("fa;q=0", "en") == "en"
    assert negotiate(None, "fa") == "fa"
    chosen = parse_preferences("fa", "latin", "jalali")
    assert chosen == DisplayPreferences("fa", Digits.LATIN, Calendar.JALALI)
    assert parse_preferences("en", current=chosen).calendar is Calendar.JALALI
    with pytest.raises(ValidationFailed):
        parse_preferences("klingon")
    with pytest.raises(ValidationFailed):
        parse_preferences("fa", "roman")
    assert DisplayPreferences.from_cookie(chosen.to_cookie()) == chosen
    assert DisplayPreferences.from_cookie("fa.<script>.x") == DisplayPreferences("fa")
    assert DisplayPreferences.from_json({"language": "xx"}) == DisplayPreferences()


def test_direction_follows_the_language() -> None:
    assert FA.direction == "rtl" and EN.direction == "ltr"


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fa;q=0.9,en;q=0.8", "fa"),
        ("en;q=0.5,fa", "fa"),
        ("fa;q=nan,en", "en"),  # not a qvalue: ignored, never an error
        ("fa;q=inf,en;q=0.1", "en"),
        ("fa;q=2,en;q=0.3", "en"),  # out of 0..1
        ("fa;q=abc,en", "en"),
        ("fa;q=0,en;q=0.001", "en"),
    ],
)
def test_quality_values_are_read_exactly_and_bad_ones_ignored(header: str, chosen: str) -> None:
    assert negotiate(header, "en") == chosen


def _render(source: str, display: Display, *, autoescape: bool, **values: object) -> str:
    env = Environment(autoescape=autoescape)
    install_filters(env)
    install_i18n(env)
    return env.from_string(source).render(display=display, **values)


def test_bdi_isolates_a_run_in_its_own_direction() -> None:
    """HTML gets an explicit direction (WeasyPrint ignores a bare <bdi> and dir=auto), worked
    out from the first strong letter past Babel's direction marks; the value is escaped."""
    html = "{{ v|bdi }}"
    assert _render(html, FA, autoescape=True, v="Tessera Inc.") == (
        '<bdi dir="ltr">Tessera Inc.</bdi>'
    )
    assert _render(html, FA, autoescape=True, v="شرکت <نمونه>") == (
        '<bdi dir="rtl">شرکت &lt;نمونه&gt;</bdi>'
    )
    money = format_money(_usd(3000), locale="fa", display=FA)  # starts with a left-to-right mark
    assert _render(html, FA, autoescape=True, v=f"{money} در هر ماه").startswith('<bdi dir="rtl">')
    assert _render(html, FA, autoescape=True, v=f"-{money}").startswith('<bdi dir="ltr">')
    assert _render(html, FA, autoescape=True, v="") == ""
    # plain text: Unicode isolates around the run in right-to-left text only
    assert _render(html, FA, autoescape=False, v="INV-7") == "\u2068INV-7\u2069"
    assert _render(html, EN, autoescape=False, v="INV-7") == "INV-7"


def test_a_month_and_a_decimal_point_in_the_readers_language() -> None:
    month = "{{ m|month_local }}"
    assert _render(month, EN, autoescape=False, m=date(2026, 12, 1)) == "December 2026"
    assert _render(month, FA_JALALI, autoescape=False, m=date(2026, 12, 1)) == "دسامبر ۲۰۲۶"
    assert _render("{{ q|digits }}", FA, autoescape=False, q="1234.5") == "۱۲۳۴٫۵"
    assert _render("{{ q|digits }}", FA_LATIN, autoescape=False, q="1234.5") == "1234.5"


def test_bdi_is_decided_by_the_text_outside_the_runs_already_isolated() -> None:
    phrase = _render(
        '{{ _("%(brand)s ending in %(last4)s", brand="Visa"|bdi, last4="4242"|bdi)|bdi }}',
        FA, autoescape=True,
    )  # fmt: skip
    assert phrase.startswith('<bdi dir="ltr">') is False
    assert phrase.startswith('<bdi dir="rtl"><bdi dir="ltr">Visa</bdi>')
