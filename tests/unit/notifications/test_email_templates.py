"""Every notice renders from its templates: one-line subject, text and inline-styled HTML with
the brand, a heading, the facts formatted per locale, at most one call to action, a footer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from domain.adapters.mail_templates import TEMPLATE_DIR, JinjaEmailRenderer
from domain.notifications.model import CONTEXT_KEYS, EmailKind
from tests.support.emails import sample_context
from tests.support.html import parse, text

pytestmark = pytest.mark.unit

RENDERER = JinjaEmailRenderer(brand_name="Tessera")
CTA = {
    EmailKind.RECEIPT: "View invoice",
    EmailKind.INVOICE: "Pay or download the invoice",
    EmailKind.PAYMENT_FAILED: "Update card",
    EmailKind.PAYMENT_ACTION_REQUIRED: "Complete payment",
    EmailKind.LAST_CHANCE: "Update card",
    EmailKind.CARD_EXPIRING: "Update card",
    EmailKind.PASSWORD_RESET: "Reset password",
    EmailKind.MAGIC_LINK: "Sign in",
}


@pytest.mark.parametrize("kind", list(EmailKind))
def test_every_notice_renders_all_three_parts(kind: EmailKind) -> None:
    out = RENDERER.render(kind, sample_context(kind))
    assert out.subject and "\n" not in out.subject and len(out.subject) < 120
    assert out.text.strip() and "{{" not in out.text and "Tessera" in out.text
    doc = parse(out.html)
    assert doc.find("style") is None, "e-mail clients drop <style>: inline styles only"
    assert text(doc.select_one('[data-role="brand"]')) == "Tessera"
    assert doc.find("h1") is not None and text(doc.find("h1"))
    assert "Tessera" in text(doc.select_one('[data-role="footer"]'))
    buttons = doc.select('[data-role="cta"]')
    assert len(buttons) == 1, "one call to action"
    assert buttons[0]["href"].startswith("https://billing.example.test/")
    if kind in CTA:
        assert text(buttons[0]) == CTA[kind]


@pytest.mark.parametrize("kind", list(EmailKind))
def test_each_template_documents_the_context_it_reads(kind: EmailKind) -> None:
    for suffix in (".subject.txt", ".txt", ".html"):
        source = (Path(TEMPLATE_DIR) / "emails" / f"{kind.value}{suffix}").read_text()
        header = re.match(r"\{#-(.*?)-#\}", source, re.S)
        assert header, f"{kind.value}{suffix} starts with a context comment"
        documented = set(re.findall(r"([a-z_0-9]+) \(", header.group(1))) - {kind.value}
        assert documented == CONTEXT_KEYS[kind], f"{kind.value}{suffix}"


def test_amounts_and_dates_are_formatted_per_locale() -> None:
    context = {**sample_context(EmailKind.RECEIPT), "locale": "de_DE", "timezone": "Asia/Tokyo"}
    out = RENDERER.render(EmailKind.RECEIPT, context)
    facts = text(parse(out.html).select_one('[data-role="facts"]'))
    assert "1.234,50 $" in facts  # text() folds the no-break space Babel puts there
    assert "03.02.2024" in facts
    assert "1.234,50\xa0$" in out.text
    assert parse(out.html).find("html")["lang"] == "de-DE"


def test_html_escapes_what_the_customer_typed_and_text_keeps_it() -> None:
    context = {**sample_context(EmailKind.WELCOME), "customer_name": "<b>Ada</b> & Co"}
    out = RENDERER.render(EmailKind.WELCOME, context)
    assert "<b>Ada</b>" not in out.html and "&lt;b&gt;Ada&lt;/b&gt; &amp; Co" in out.html
    assert "<b>Ada</b> & Co" in out.text


def test_an_optional_fact_may_be_none() -> None:
    context = {**sample_context(EmailKind.PAYMENT_FAILED), "next_retry_at": None}
    out = RENDERER.render(EmailKind.PAYMENT_FAILED, context)
    assert "None planned" in out.html
    assert "Next attempt" not in out.text


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    context = sample_context(EmailKind.RECEIPT)
    del context["invoice_number"]
    with pytest.raises(UndefinedError):
        RENDERER.render(EmailKind.RECEIPT, context)
