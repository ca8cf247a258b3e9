"""A person's own time zone: chosen by its IANA name (checked against zoneinfo, its case
corrected), saved with their display, and used for every date shown to them; an instant late in
the evening in UTC is the next calendar day in Tehran. Billing is not touched: only the display."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jinja2 import Environment

from domain.adapters.formatting import format_in_display, install_filters
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.notifications.model import EmailKind
from domain.shared.display import Calendar, Digits, Display, DisplayPreferences, parse_preferences
from domain.shared.errors import ValidationFailed
from domain.shared.time_zones import canonical_zone, zone_names
from tests.support.emails import sample_context

pytestmark = pytest.mark.unit

# 21:00 on 7 December 2026 in UTC is 00:30 on 8 December in Tehran (UTC+03:30)
LATE = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)
TEHRAN = DisplayPreferences("en", timezone="Asia/Tehran")


def test_a_typed_zone_is_checked_and_its_case_corrected() -> None:
    assert parse_preferences("en", timezone="Asia/Tehran").timezone == "Asia/Tehran"
    assert parse_preferences("fa", timezone="  asia/TEHRAN ").timezone == "Asia/Tehran"
    assert parse_preferences("en", timezone="UTC").timezone == "UTC"
    assert parse_preferences("en", timezone="").timezone == ""  # the site's zone
    # a form without the field (the header's language switch) keeps the saved zone
    assert parse_preferences("fa", current=TEHRAN).timezone == "Asia/Tehran"
    assert parse_preferences("fa", timezone="", current=TEHRAN).timezone == ""


@pytest.mark.parametrize(
    "typed", ["Mars/Olympus_Mons", "Tehran", "../../etc/passwd", "/etc/localtime", "localtime",
              "Asia/" + "x" * 80, "Asia/Tehran\x00"],
)  # fmt: skip
def test_a_zone_that_is_not_an_iana_name_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_preferences("en", timezone=typed)
    assert refused.value.code == "display.timezone_unknown"
    assert set(refused.value.field_errors) == {"timezone"}
    assert canonical_zone(typed) is None


def test_the_offered_zones_are_iana_names() -> None:
    names = zone_names()
    assert "Asia/Tehran" in names and "Europe/London" in names and "UTC" in names
    assert names == sorted(names) and "localtime" not in names


def test_the_zone_is_saved_with_the_display_and_an_unknown_one_is_dropped() -> None:
    prefs = DisplayPreferences("fa", Digits.LATIN, Calendar.JALALI, "Asia/Tehran")
    assert prefs.to_json()["timezone"] == "Asia/Tehran"
    assert DisplayPreferences.from_json(prefs.to_json()) == prefs
    assert DisplayPreferences.from_json({"language": "fa"}).timezone == ""  # saved before zones
    assert DisplayPreferences.from_json({"language": "fa", "timezone": "Nowhere/Else"}) == (
        DisplayPreferences("fa")
    )
    assert DisplayPreferences.from_json({"timezone": 3}).timezone == ""


def test_the_cookie_keeps_the_zone_and_reads_the_older_three_part_form() -> None:
    prefs = DisplayPreferences("fa", Digits.LATIN, Calendar.JALALI, "America/Argentina/Salta")
    assert prefs.to_cookie() == "fa.latin.jalali.America/Argentina/Salta"
    assert DisplayPreferences.from_cookie(prefs.to_cookie()) == prefs
    assert DisplayPreferences.from_cookie("fa.latin.jalali") == DisplayPreferences(
        "fa", Digits.LATIN, Calendar.JALALI
    )
    assert DisplayPreferences.from_cookie("fa.latin.jalali.No/Such") == DisplayPreferences(
        "fa", Digits.LATIN, Calendar.JALALI
    )


def test_an_instant_is_a_different_day_in_tehran_than_in_utc() -> None:
    en = Display.resolve("en", TEHRAN, site_locale="en_US")
    assert en.timezone == "Asia/Tehran"
    assert format_in_display(LATE, display=en, timezone="UTC", style="date") == "Dec 7, 2026"
    assert format_in_display(LATE, display=en, timezone="Asia/Tehran", style="date") == (
        "Dec 8, 2026"
    )
    jalali = Display.resolve("fa", DisplayPreferences("fa", calendar=Calendar.JALALI),
                             site_locale="en_US")  # fmt: skip
    # 16 Azar 1405 in UTC, 17 Azar in Tehran
    assert format_in_display(LATE, display=jalali, timezone="UTC", style="date") == "۱۶ آذر ۱۴۰۵"
    assert format_in_display(LATE, display=jalali, timezone="Asia/Tehran", style="date") == (
        "۱۷ آذر ۱۴۰۵"
    )


def test_the_filter_uses_the_persons_zone_over_the_renderers_and_the_sites() -> None:
    env = Environment(autoescape=True)
    install_filters(env)
    page = env.from_string("{{ at|date_local('date') }}")
    chosen = Display.resolve("en", TEHRAN, site_locale="en_US")
    unchosen = Display.resolve("en", DisplayPreferences("en"), site_locale="en_US")

    assert page.render(at=LATE, display=chosen, default_timezone="UTC") == "Dec 8, 2026"
    assert page.render(at=LATE, display=chosen, timezone="UTC") == "Dec 8, 2026"
    assert page.render(at=LATE, display=unchosen, default_timezone="UTC") == "Dec 7, 2026"
    assert page.render(at=LATE, display=unchosen, timezone="Asia/Tehran") == "Dec 8, 2026"
    short = env.from_string("{{ at|date_local('short') }}")
    assert short.render(at=LATE, display=chosen) == "12/8/26, 12:30\u202fAM"


def test_an_email_shows_its_recipients_zone() -> None:
    renderer = JinjaEmailRenderer(brand_name="Tessera")
    context = {**sample_context(EmailKind.RECEIPT), "paid_at": LATE, "timezone": "UTC"}
    chose = renderer.render(EmailKind.RECEIPT, context | {"display_preferences": TEHRAN})
    did_not = renderer.render(
        EmailKind.RECEIPT, context | {"display_preferences": DisplayPreferences("en")}
    )
    zone_only = renderer.render(
        EmailKind.RECEIPT,
        context | {"display_preferences": DisplayPreferences(timezone="Asia/Tehran")},
    )
    assert "Dec 8, 2026" in chose.text and "Dec 7, 2026" not in chose.text
    assert "Dec 7, 2026" in did_not.text
    assert "Dec 8, 2026" in zone_only.text  # a zone chosen without a language: the site's language


def test_every_refused_field_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_preferences("xx", "roman", "lunar", "Nowhere")
    assert set(refused.value.field_errors) == {"language", "digits", "calendar", "timezone"}
    assert refused.value.code == "display.language_unknown"
