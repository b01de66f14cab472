"""Endpoint signing secrets: generated, sealed at rest, opened only to sign.

A secret is `whsec_` + base64 of 32 random bytes (Standard Webhooks). The server must
keep it to sign, so it is stored sealed with Fernet (AES-128-CBC + HMAC-SHA256, from the
`cryptography` package) under a key derived with HKDF from `WEBHOOK_SECRETS_KEY`
(default: `SECRET_KEY`). A database dump alone reveals no secret.
"""

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "whsec_"
_VERSION = "f1"


class SealBroken(Exception):
    """A sealed value was tampered with, or was sealed under another key."""


def secret_generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def _fernet() -> Fernet:
    root = getattr(settings, "WEBHOOK_SECRETS_KEY", "") or settings.SECRET_KEY
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"webhooks.endpoint-secrets").derive(root.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    return f"{_VERSION}${_fernet().encrypt(secret.encode()).decode()}"


def unseal(sealed: str) -> str:
    version, _, token = sealed.partition("$")
    if version != _VERSION:
        raise SealBroken("unknown seal format")
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SealBroken("seal does not verify") from None
