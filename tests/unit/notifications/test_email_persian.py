"""A notice in its recipient's language: the receipt for a subscriber who reads Persian is in
Persian, right to left, its amounts in Persian digits (and in Jalali dates when chosen); the
same notice for anyone else stays in the site's language."""

from __future__ import annotations

import pytest

from domain.adapters.formatting import format_money
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.notifications.model import EmailKind, RenderedEmail
from domain.shared.display import Calendar, Display, DisplayPreferences
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


PERSIAN = DisplayPreferences("fa")


def _render(kind: EmailKind, prefs: DisplayPreferences | None) -> RenderedEmail:
    context = sample_context(kind)
    if prefs is not None:
        context["display_preferences"] = prefs
    return RENDERER.render(kind, context)


@pytest.mark.parametrize(
    ("kind", "subject", "heading", "cta"),
    [
        (EmailKind.PAYMENT_FAILED, "نتوانستیم پرداخت صورتحساب", "پرداخت شما انجام نشد",
         "به‌روزرسانی کارت"),
        (EmailKind.TRIAL_ENDING, "دورهٔ آزمایشی", "دورهٔ آزمایشی شما ۳ روز دیگر پایان می‌یابد",
         "مدیریت اشتراک"),
        (EmailKind.INVOICE, "صورتحساب", "صورتحساب INV-2024-000042", "پرداخت یا دریافت صورتحساب"),
    ],
)  # fmt: skip
def test_a_persian_accounts_notice_is_in_persian_right_to_left(
    kind: EmailKind, subject: str, heading: str, cta: str
) -> None:
    out = _render(kind, PERSIAN)
    assert out.subject.startswith(subject)
    doc = parse(out.html)
    root = doc.select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("fa", "rtl")
    assert text(doc.find("h1")) == heading  # type: ignore[arg-type]
    assert text(doc.select_one('[data-role="cta"]')) == cta  # type: ignore[arg-type]
    assert "%(" not in out.text + out.html and "Hi Ada" not in out.text
    assert out.text.startswith("Ada عزیز،")


@pytest.mark.parametrize("kind", [EmailKind.PAYMENT_FAILED, EmailKind.TRIAL_ENDING,
                                  EmailKind.INVOICE])  # fmt: skip
def test_an_english_accounts_notice_is_in_english(kind: EmailKind) -> None:
    for prefs in (DisplayPreferences("en"), DisplayPreferences(), None):
        out = _render(kind, prefs)
        root = parse(out.html).select_one("html")
        assert root is not None and (root.get("lang"), root.get("dir")) == ("en-US", "ltr")
        assert out.text.startswith("Hi Ada,")
        assert not any("\u0600" <= c <= "\u06ff" for c in out.subject + out.text)


@pytest.mark.parametrize("kind", list(EmailKind))
def test_every_notice_has_a_persian_rendering(kind: EmailKind) -> None:
    """Subject, text and HTML in Persian for every kind: no English sentence left (a URL, an
    address, a plan or card brand from the sample context may stay Latin)."""
    out = _render(kind, PERSIAN)
    assert any("\u0600" <= c <= "\u06ff" for c in out.subject), out.subject
    root = parse(out.html).select_one("html")
    assert root is not None and root.get("dir") == "rtl"
    for sentence in ("Hi ", "Your ", "You ", "We ", "The ", "If ", "Manage", "Update"):
        assert sentence not in out.text, (kind, sentence)


def test_the_invoice_e_mail_shows_what_is_charged() -> None:
    """The totals in the Persian e-mail are the invoice's (what is shown is what is charged)."""
    context = sample_context(EmailKind.INVOICE)
    document = context["document"]
    out = RENDERER.render(EmailKind.INVOICE, {**context, "display_preferences": PERSIAN})
    table = text(parse(out.html).select_one('[data-role="document"]'))  # type: ignore[arg-type]
    display = Display.resolve("fa", PERSIAN, site_locale="en_US")
    for amount in (document.subtotal, document.discount, document.tax.tax, document.total):
        shown = format_money(amount, locale=display.locale, display=display)
        assert shown.replace("\xa0", " ") in table.replace("\xa0", " "), (amount, table)
    assert format_money(context["amount_due"], locale="fa", display=display) in out.text


def test_staff_notices_follow_the_staff_members_display() -> None:
    out = _render(EmailKind.WEBHOOK_ENDPOINT_DISABLED, PERSIAN)
    assert out.subject == "یک نقطهٔ پایانی وب‌هوک پس از سه روز خطا غیرفعال شد"
    english = _render(EmailKind.ANALYTICS_SUMMARY, None)
    assert english.subject.startswith("Tessera in ")
    persian = _render(EmailKind.ANALYTICS_SUMMARY, PERSIAN)
    assert persian.subject.startswith("Tessera در ")


def test_a_persian_invoice_line_that_starts_with_a_plan_name_reads_right_to_left() -> None:
    """ "Team units (۲۹ فوریه ...)" began with a Latin letter and was laid out left to right: the
    plan's name is isolated and the line starts right to left, in the HTML's ``<bdi>`` and in
    the plain text's isolate alike."""
    out = _render(EmailKind.INVOICE, PERSIAN)
    cells = parse(out.html).select('[data-role="document"] bdi')
    lines = [c for c in cells if "Team" in c.get_text()]
    assert lines and all(c.get("dir") == "rtl" for c in lines), lines
    assert all("\u2068Team" in c.get_text() for c in lines)
    assert "\u2068\u200f\u2068Team units\u2069 (۲۹ فوریه ۲۰۲۴" in out.text


def test_the_price_change_e_mail_says_its_tax_and_interval_in_persian() -> None:
    """The tax wording and an interval of several units the domain composes in English read
    in Persian, the rate and count in Persian digits."""
    context = {**sample_context(EmailKind.PRICE_CHANGE), "display_preferences": PERSIAN,
               "tax_note": "Tax at 8.875% is added to these prices", "interval": "3 months"}  # fmt: skip
    out = RENDERER.render(EmailKind.PRICE_CHANGE, context)
    for part in (out.text, text(parse(out.html).select_one("body"))):  # type: ignore[arg-type]
        assert "مالیات با نرخ ۸٫۸۷۵٪ به این قیمت‌ها افزوده می‌شود" in part
        assert "در هر ۳ ماه" in part
        assert "Tax at" not in part and "months" not in part
