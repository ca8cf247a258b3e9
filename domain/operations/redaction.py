"""What staff must not read on an operations page: secrets in a job's payload and the links in
an e-mail that would sign its reader in.

Every staff role reads these pages, and none may borrow a customer's sign-in: a magic link, a
password reset or an e-mail-change confirmation carries a single-use secret in its URL. Those
secrets are long random URL-safe strings (``secrets.token_urlsafe``: 32 characters and more),
so any URL path segment or query value of 32+ such characters is hidden. Ids (UUIDs) stay
readable.
"""

from __future__ import annotations

import json
import re

from domain.jobs.model import JsonValue

REDACTED = "[redacted]"

# Keys whose values are secrets whatever they look like (matched as a part of the key).
_SECRET_KEYS = re.compile(
    r"(secret|token|password|passwd|api[_-]?key|private|signature|authorization|cookie"
    r"|credential|card[_-]?number|(?:^|_)otp(?:_|$)|cvc|cvv|iban)",
    re.IGNORECASE,
)
# A long random URL-safe string anywhere in a URL's path or query (or standing alone).
_RANDOM = r"[A-Za-z0-9_\-]{32,}"
_URL_TOKEN = re.compile(rf"(?<=[/=]){_RANDOM}")
_BARE_TOKEN = re.compile(rf"^{_RANDOM}$")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _hide(match: re.Match[str]) -> str:
    return match.group(0) if _UUID.fullmatch(match.group(0)) else REDACTED


def redact_text(text: str) -> str:
    """``text`` with every URL token (see the module) replaced by ``[redacted]``; ids (UUIDs)
    stay."""
    return _URL_TOKEN.sub(_hide, text)


def _redact_value(key: str, value: JsonValue) -> JsonValue:
    if isinstance(value, dict):
        return {k: _redact_value(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(key, v) for v in value]
    if _SECRET_KEYS.search(key) and value not in (None, ""):
        return REDACTED
    if isinstance(value, str):
        bare = _BARE_TOKEN.match(value) and not _UUID.fullmatch(value)
        return REDACTED if bare else redact_text(value)
    return value


def redact_payload(kwargs: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """A job's kwargs with secret-looking values hidden: a key naming a secret (token,
    password, signature, ...), a bare 32+ character random string, or such a token in a URL."""
    return {k: _redact_value(k, v) for k, v in kwargs.items()}


def payload_json(kwargs: dict[str, JsonValue]) -> str:
    """The redacted payload as indented JSON, keys sorted (shown as data, never run)."""
    return json.dumps(redact_payload(kwargs), indent=2, sort_keys=True, ensure_ascii=False)
