"""``Mailer`` adapters: ``SmtpMailer`` (any SMTP server, ``SMTP_URL``) and ``OutboxOnlyMailer``
(development: nothing leaves the machine; read mail on the outbox page).

``SMTP_URL`` is ``smtp://[user:pass@]host[:port]`` (plain SMTP, upgraded with STARTTLS whenever
the server offers it; port 587 by default) or ``smtps://[user:pass@]host[:port]`` (TLS from the
first byte; port 465 by default). The standard library's ``smtplib`` runs in a worker thread so
the event loop never waits on the mail server.

Errors are translated at this boundary: a 5xx reply (recipient refused, authentication failed)
is a permanent ``DomainError``; a 4xx reply, a refused connection, a timeout or a dropped
connection is a ``TransientError`` (the job retries).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import partial
from urllib.parse import unquote, urlsplit

import anyio.to_thread

from domain.notifications.errors import NotificationErrorCode
from domain.notifications.model import OutgoingMessage
from domain.shared.errors import DomainError, TransientError

log = logging.getLogger("mail")

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True, slots=True)
class SmtpUrl:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    @staticmethod
    def parse(url: str) -> SmtpUrl:
        """Raises ``ValueError`` with a one-line reason (never echoing the password)."""
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError("expected smtp://host:port or smtps://host:port")
        if not parts.hostname:
            raise ValueError("no host")
        try:
            port = parts.port or DEFAULT_PORTS[scheme]
        except ValueError:
            raise ValueError("the port is not a number between 0 and 65535") from None
        if parts.path not in ("", "/") or parts.query:
            raise ValueError("no path or query expected")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if password and not username:
            raise ValueError("a password without a user name")
        return SmtpUrl(scheme, parts.hostname, port, username, password)

    def redacted(self) -> str:
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def redact_url(url: str) -> str:
    """``smtp://user:***@host:port`` for messages and logs, or a placeholder if unparseable."""
    try:
        return SmtpUrl.parse(url).redacted()
    except ValueError:
        parts = urlsplit(url)
        return f"{parts.scheme}://***" if parts.password else url


def build_message(message: OutgoingMessage, *, mail_from: str) -> EmailMessage:
    """multipart/alternative (text, then HTML), inside multipart/mixed when there are files."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg["Date"] = formatdate(usegmt=True)
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = f"<{message.email_id}@{domain}>"
    msg.set_content(message.text)
    msg.add_alternative(message.html, subtype="html")
    for a in message.attachments:
        maintype, _, subtype = a.content_type.partition("/")
        msg.add_attachment(a.content, maintype=maintype, subtype=subtype, filename=a.filename)
    return msg


class SmtpMailer:
    def __init__(self, url: str | SmtpUrl, *, mail_from: str, timeout_s: float = 30.0) -> None:
        self.url = url if isinstance(url, SmtpUrl) else SmtpUrl.parse(url)
        self.mail_from = mail_from
        self.timeout_s = timeout_s

    async def send(self, message: OutgoingMessage) -> None:
        msg = build_message(message, mail_from=self.mail_from)
        try:
            await anyio.to_thread.run_sync(partial(self._deliver, msg))
        except smtplib.SMTPRecipientsRefused as exc:
            replies = list(exc.recipients.values())
            detail = "; ".join(f"{code} {_text(text)}" for code, text in replies)
            if all(code >= 500 for code, _ in replies):
                raise DomainError(
                    f"{self.url.redacted()} refused {message.to}: {detail}",
                    code=NotificationErrorCode.REJECTED,
                ) from exc
            raise TransientError(
                f"{self.url.redacted()} deferred {message.to}: {detail}",
                code=NotificationErrorCode.SEND_FAILED,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            detail = f"{exc.smtp_code} {_text(exc.smtp_error)}"
            if exc.smtp_code >= 500:
                raise DomainError(
                    f"{self.url.redacted()} refused the message: {detail}",
                    code=NotificationErrorCode.REJECTED,
                ) from exc
            raise TransientError(
                f"{self.url.redacted()} deferred the message: {detail}",
                code=NotificationErrorCode.SEND_FAILED,
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            # connection refused, DNS, timeout, TLS, the server hanging up (OSError subclasses)
            raise TransientError(
                f"cannot deliver through {self.url.redacted()}: {type(exc).__name__}: {exc}",
                code=NotificationErrorCode.SEND_FAILED,
            ) from exc
        log.info("e-mail sent", extra={"email_id": message.email_id})

    def _deliver(self, msg: EmailMessage) -> None:
        url = self.url
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if url.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(url.host, url.port, timeout=self.timeout_s, context=context)
        else:
            smtp = smtplib.SMTP(url.host, url.port, timeout=self.timeout_s)
        with smtp:
            smtp.ehlo()
            if url.scheme == "smtp" and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if url.username:
                smtp.login(url.username, url.password or "")
            smtp.send_message(msg)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class OutboxOnlyMailer:
    """Development without ``SMTP_URL``: a send succeeds and goes nowhere; the e-mail is marked
    sent and stays readable at ``/admin/emails``."""

    async def send(self, message: OutgoingMessage) -> None:
        log.info(
            "e-mail kept in the outbox (no SMTP_URL)",
            extra={"email_id": message.email_id, "subject": message.subject},
        )
