"""Endpoint signing secrets: generated, sealed at rest, opened only to sign.

A secret is `whsec_` + base64 of 32 random bytes (Standard Webhooks). The server must
keep it to sign, so it is stored sealed: encrypted and authenticated with a key derived
from `WEBHOOK_SECRETS_KEY` (default: `SECRET_KEY`). A database dump alone reveals no
secret. The construction uses only the standard library (no extra dependency):
HMAC-SHA256 as a PRF in counter mode for the keystream, then encrypt-then-MAC with a
separate HMAC-SHA256 key, and a random 16-byte nonce per seal.
"""

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

PREFIX = "whsec_"
_VERSION = b"v1"
_NONCE_BYTES = 16
_TAG_BYTES = 32


class SealBroken(Exception):
    """A sealed value was tampered with, or was sealed under another key."""


def secret_generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key_bytes(secret: str) -> bytes:
    """The HMAC key: the base64-decoded part after `whsec_`."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def _keys() -> tuple[bytes, bytes]:
    root = getattr(settings, "WEBHOOK_SECRETS_KEY", "") or settings.SECRET_KEY
    master = hmac.new(root.encode(), b"webhooks.endpoint-secrets", hashlib.sha256).digest()
    return (
        hmac.new(master, b"encrypt", hashlib.sha256).digest(),
        hmac.new(master, b"authenticate", hashlib.sha256).digest(),
    )


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    block_count = -(-length // 32)
    blocks = (hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(block_count))
    return b"".join(blocks)[:length]


def seal(secret: str) -> str:
    encrypt_key, mac_key = _keys()
    nonce = secrets.token_bytes(_NONCE_BYTES)
    plain = secret.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _keystream(encrypt_key, nonce, len(plain)), strict=True))
    tag = hmac.new(mac_key, _VERSION + nonce + cipher, hashlib.sha256).digest()
    return _VERSION.decode() + "$" + base64.b64encode(nonce + cipher + tag).decode()


def unseal(sealed: str) -> str:
    encrypt_key, mac_key = _keys()
    version, _, payload = sealed.partition("$")
    raw = base64.b64decode(payload)
    if version.encode() != _VERSION or len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise SealBroken("unknown seal format")
    nonce, cipher, tag = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:-_TAG_BYTES], raw[-_TAG_BYTES:]
    expected = hmac.new(mac_key, _VERSION + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealBroken("seal does not verify")
    return bytes(a ^ b for a, b in zip(cipher, _keystream(encrypt_key, nonce, len(cipher)), strict=True)).decode()
