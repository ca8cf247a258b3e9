"""What the operations pages hide: secret-named payload values, long random tokens in URLs or
standing alone; ids and ordinary text stay readable."""

from __future__ import annotations

import json

import pytest

from domain.operations.redaction import REDACTED, payload_json, redact_payload, redact_text

pytestmark = pytest.mark.unit

TOKEN = "kq2Vb7_-" * 5 + "xyz"  # 43 characters, as secrets.token_urlsafe(32) makes
UUID = "3f2a7c1e-9b4d-4e5f-8a6b-1c2d3e4f5a6b"


def test_a_token_in_a_link_is_hidden_and_ids_are_not() -> None:
    text = (
        f"Sign in: https://x.test/auth/magic/{TOKEN}?next=/account\n"
        f"Invoice: https://x.test/account/invoices/{UUID}\n"
        f"Reset: https://x.test/r?t={TOKEN}"
    )
    shown = redact_text(text)
    assert TOKEN not in shown
    assert f"/auth/magic/{REDACTED}?next=/account" in shown
    assert f"/account/invoices/{UUID}" in shown
    assert f"?t={REDACTED}" in shown


def test_secret_named_keys_and_bare_tokens_are_hidden_at_any_depth() -> None:
    payload = {
        "invoice_id": UUID,
        "key": "receipt:inv-1",
        "api_key": "short",
        "extra": {"password": "hunter2", "links": [f"https://x.test/auth/reset/{TOKEN}"]},
        "opaque": TOKEN,
        "otp_code": 123456,
        "notes": "not an otp",
        "empty_token": "",
        "amount": 1200,
    }
    shown = redact_payload(payload)
    assert shown["invoice_id"] == UUID and shown["key"] == "receipt:inv-1"
    assert shown["api_key"] == REDACTED and shown["opaque"] == REDACTED
    assert shown["extra"] == {
        "password": REDACTED,
        "links": [f"https://x.test/auth/reset/{REDACTED}"],
    }
    assert shown["otp_code"] == REDACTED and shown["notes"] == "not an otp"
    assert shown["empty_token"] == "" and shown["amount"] == 1200
    assert json.loads(payload_json(payload)) == shown
