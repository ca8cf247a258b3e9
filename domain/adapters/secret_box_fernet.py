"""The SecretBox on ``cryptography``'s Fernet (AES-128-CBC with HMAC-SHA256, authenticated): a
secret the app must read back, such as a staff member's TOTP secret, encrypted at rest.

The Fernet key is derived (HKDF-SHA256, labelled for this use) from key material in the
settings (``STAFF_TOTP_KEY``, else ``APP_SECRET_KEY``: web/settings.py), never from code."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_LABEL = b"tessera staff totp secret v1"  # which key this is; not a secret


class FernetSecretBox:
    def __init__(self, key_material: str) -> None:
        if len(key_material) < 32:
            raise ValueError("the secret box's key material must be at least 32 characters")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_LABEL).derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "FernetSecretBox(<key hidden>)"

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None
