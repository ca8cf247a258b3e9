"""A notice in its recipient's language: the receipt for a subscriber who reads Persian is in
Persian, right to left, its amounts in Persian digits (and in Jalali dates when chosen); the
same notice for anyone else stays in the site's language."""

from __future__ import annotations

import pytest

from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.notifications.model import EmailKind
from domain.shared.display import Calendar, DisplayPreferences
from tests.support.emails import sample_context
from tests.support.html import parse, text

pytestmark = pytest.mark.unit

RENDERER = JinjaEmailRenderer(brand_name="Tessera")


def test_the_receipt_in_persian_for_a_persian_reader() -> None:
    prefs = DisplayPreferences("fa", calendar=Calendar.JALALI)
    out = RENDERER.render(
        EmailKind.RECEIPT, {**sample_context(EmailKind.RECEIPT), "display_preferences": prefs}
    )
    assert out.subject.startswith("رسید")
    doc = parse(out.html)
    root = doc.select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("fa", "rtl")
    assert text(doc.find("h1")) == "سپاس از پرداخت شما"  # type: ignore[arg-type]
    assert text(doc.select_one('[data-role="cta"]')) == "مشاهدهٔ صورتحساب"  # type: ignore[arg-type]
    assert any(c in out.text for c in "۰۱۲۳۴۵۶۷۸۹")
    assert "Invoice" not in out.text and "صورتحساب" in out.text
    assert "جمع کل" in text(doc.select_one('[data-role="document"]'))  # type: ignore[arg-type]


def test_the_receipt_stays_in_the_sites_language_for_anyone_else() -> None:
    out = RENDERER.render(
        EmailKind.RECEIPT,
        {**sample_context(EmailKind.RECEIPT), "display_preferences": DisplayPreferences()},
    )
    assert out.subject.startswith("Your Tessera receipt")
    root = parse(out.html).select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("en-US", "ltr")
