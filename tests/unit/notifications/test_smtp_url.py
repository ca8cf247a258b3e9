"""SMTP_URL parsing and the MIME message the SMTP mailer builds."""

from __future__ import annotations

import pytest

from domain.adapters.mail_smtp import SmtpUrl, build_message, redact_url
from domain.notifications.model import Attachment, OutgoingMessage

pytestmark = pytest.mark.unit


def test_smtp_urls_parse_with_default_ports_and_escaped_credentials() -> None:
    assert SmtpUrl.parse("smtp://mail.example.com") == SmtpUrl("smtp", "mail.example.com", 587)
    assert SmtpUrl.parse("smtps://u%40x:p%2Fw@mail.example.com") == SmtpUrl(
        "smtps", "mail.example.com", 465, "u@x", "p/w"
    )
    assert SmtpUrl.parse("smtp://127.0.0.1:2525").port == 2525


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.com",
        "smtp://",
        "smtp://host:99999",
        "smtp://host/x",
        "mail.example.com",
    ],
)
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpUrl.parse(url)


def test_passwords_never_show() -> None:
    assert redact_url("smtps://user:secret@mail.example.com") == (
        "smtps://user:***@mail.example.com:465"
    )


def test_the_message_is_text_and_html_alternatives_plus_attachments() -> None:
    msg = build_message(
        OutgoingMessage(
            email_id="e-1",
            to="ada@example.com",
            subject="Your receipt — INV-1",
            text="Thanks\n",
            html="<p>Thanks</p>\n",
            attachments=(Attachment("INV-1.pdf", "application/pdf", b"%PDF-1.7"),),
        ),
        mail_from="Tessera Billing <billing@tessera.example>",
    )
    assert msg.get_content_type() == "multipart/mixed"
    assert msg["Message-ID"] == "<e-1@tessera.example>"
    assert msg["Subject"] == "Your receipt — INV-1"
    body, attachment = msg.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_filename() == "INV-1.pdf"
    assert attachment.get_content() == b"%PDF-1.7"
