"""The 3-D Secure page's address and its token (no database, no services: serializers use it too).

The token is `base64url(HMAC-SHA256(THREE_D_SECURE_KEY, "3ds-page:" + session public id))`: 256
bits nobody can guess without the key, and recomputable, so the intent can show its page's address
on every read without the token being stored. The session row keeps only `token_hash` (SHA-256 of
the token) and the page compares hashes in constant time. The token travels in the query string,
not the path, so the access log (which records `request.path`) never holds it.
"""

import base64
import hashlib
import hmac
from urllib.parse import urlencode

from django.conf import settings

PAGE_PATH = "/simulator/3ds/"
LIFETIME_SECONDS = 600  # the contract: valid 10 minutes


def page_token(session_public_id: str) -> str:
    key = (settings.THREE_D_SECURE_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(key, f"3ds-page:{session_public_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(token_hash(token), stored_hash)


def page_url(session_public_id: str) -> str:
    """The absolute address of the session's page (THREE_D_SECURE_BASE_URL + /simulator/3ds/<id>?token=…)."""
    base = settings.THREE_D_SECURE_BASE_URL.rstrip("/")
    return f"{base}{PAGE_PATH}{session_public_id}?{urlencode({'token': page_token(session_public_id)})}"
