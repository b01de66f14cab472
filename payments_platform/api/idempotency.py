"""Idempotency keys for POST requests, stored in the database with the request's effect.

How a keyed request runs (see `IdempotentMixin`):

1. The view opens a transaction, authenticates the caller, then inserts the key with
   `INSERT ... ON CONFLICT DO NOTHING`. On PostgreSQL a second request with the same
   key blocks on the unique index until the first transaction ends, so concurrent
   retries wait and then replay: exactly one effect.
2. If the key already exists (committed), the stored request must match, method, path
   and body: a match replays the stored status and body with `Idempotent-Replayed: true`;
   anything else is 400 `idempotency_key_reused`.
3. When the view has run, the response is stored in the same transaction as the effect.
   A 400, 429 or 5xx rolls back the whole transaction, key included, so the client can
   retry with the same key.

The phased mode (`idempotency_mode = "phased"` on a view) is for views that call the
outside world, such as confirming a payment with a card connector. There, one request
transaction would be wrong: a crash after the connector charged the card would roll back
every record of the charge. Instead:

1. The key is claimed in its own short transaction and committed as "in progress".
2. The view runs with its own transactions: it commits a record of each external call
   (a `pending` payment attempt) before making it, so a crash leaves a trail that
   `sync_payment_attempts` follows up.
3. The response is stored when the view returns; a 400, 429 or 5xx deletes the key instead.

A second request with the key while the first runs gets 409 `idempotency_key_in_use`. A key
left "in progress" by a crashed process is taken over by a retry after
`IDEMPOTENCY_STALE_SECONDS`; the view then runs again against the state the crash left
(a payment intent's state machine refuses what was already done).
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import orjson
import structlog
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from payments_platform.api.errors import IdempotencyError
from payments_platform.db import prepared_cursor
from payments_platform.models import IdempotencyKey

logger = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


class IdempotentReplay(Exception):
    """Raised inside a view to short-circuit it with a stored response."""

    def __init__(self, status: int, body: object):
        super().__init__("replay")
        self.status = status
        self.body = body


@dataclass
class ClaimedKey:
    pk: int
    phased: bool = False


def fingerprint(body: object) -> str:
    """A keyed hash (HMAC-SHA256 with SECRET_KEY) of the canonical JSON body.

    Keyed, because bodies can hold low-entropy secrets (a bank account number): a plain
    hash in the database could be brute-forced offline.
    """
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hmac.new(settings.SECRET_KEY.encode(), canonical, hashlib.sha256).hexdigest()


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise IdempotencyError(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters.",
            code="idempotency_key_invalid",
        )
    return key


def should_store(status: int) -> bool:
    """Validation failures, throttling and crashes are not stored, so a retry can succeed."""
    return status < 500 and status not in (400, 429)


def _on_conflict(user_id: int | None) -> str:
    """The conflict target of the claim's INSERT: a user's keys, or (no user) the unauthenticated keys'
    partial unique index. A constant string either way; values are always parameters."""
    if user_id is None:
        return "ON CONFLICT (key) WHERE user_id IS NULL"
    return "ON CONFLICT (user_id, key)"


def _stored(*, user_id: int | None, key: str):
    if user_id is None:
        return IdempotencyKey.objects.filter(user__isnull=True, key=key)
    return IdempotencyKey.objects.filter(user_id=user_id, key=key)


def claim(*, user_id: int | None, key: str, method: str, path: str, body: object) -> ClaimedKey:
    """Claim `key` for this request, or raise `IdempotentReplay` / `IdempotencyError`.

    `user_id` None is an unauthenticated POST (registration): the key alone scopes it.

    Must run inside the transaction that will also hold the request's effect.
    """
    assert connection.in_atomic_block, "claim() must run inside the request's transaction"
    request_fingerprint = fingerprint(body)
    table = IdempotencyKey._meta.db_table
    with prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, request_method, request_path, request_fingerprint, created) "  # noqa: S608
            f"VALUES (%s, %s, %s, %s, %s, %s) {_on_conflict(user_id)} DO NOTHING RETURNING id",
            [user_id, key, method, path, request_fingerprint, timezone.now()],
        )
        row = cursor.fetchone()
    if row is not None:
        return ClaimedKey(pk=row[0])
    stored = _stored(user_id=user_id, key=key).get()
    _same_request_or_raise(stored, method=method, path=path, request_fingerprint=request_fingerprint)
    if stored.response_status is None:
        raise _in_use()
    raise IdempotentReplay(stored.response_status, stored.response_body)


def _same_request_or_raise(stored: IdempotencyKey, *, method: str, path: str, request_fingerprint: str) -> None:
    same_request = (
        stored.request_method == method
        and stored.request_path == path
        and stored.request_fingerprint == request_fingerprint
    )
    if not same_request:
        raise IdempotencyError(
            "This Idempotency-Key was already used with a different request "
            "(method, path or body). Use a new key for a new request.",
            code="idempotency_key_reused",
        )


def _in_use() -> IdempotencyError:
    return IdempotencyError(
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        code="idempotency_key_in_use",
        status_code=409,
    )


def claim_phased(*, user_id: int | None, key: str, method: str, path: str, body: object) -> ClaimedKey:
    """Claim `key` and commit the claim before the view runs (phased mode, see above).

    Raises `IdempotentReplay` for a finished request, `IdempotencyError` (400) for a key used
    with another request, and 409 `idempotency_key_in_use` while another request holds it and
    is not yet stale.
    """
    request_fingerprint = fingerprint(body)
    now = timezone.now()
    table = IdempotencyKey._meta.db_table
    with transaction.atomic():
        with prepared_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (user_id, key, request_method, request_path, request_fingerprint, created, "  # noqa: S608
                f"locked_at) VALUES (%s, %s, %s, %s, %s, %s, %s) {_on_conflict(user_id)} DO NOTHING RETURNING id",
                [user_id, key, method, path, request_fingerprint, now, now],
            )
            row = cursor.fetchone()
        if row is not None:
            return ClaimedKey(pk=row[0], phased=True)
        stored = _stored(user_id=user_id, key=key).select_for_update().get()
        _same_request_or_raise(stored, method=method, path=path, request_fingerprint=request_fingerprint)
        if stored.response_status is not None:
            raise IdempotentReplay(stored.response_status, stored.response_body)
        stale_before = now - timedelta(seconds=settings.IDEMPOTENCY_STALE_SECONDS)
        if stored.locked_at is not None and stored.locked_at > stale_before:
            raise _in_use()
        stored.locked_at = now
        stored.save(update_fields=["locked_at"])
        return ClaimedKey(pk=stored.pk, phased=True)


def record(claimed: ClaimedKey, *, status: int, body: object) -> None:
    """Store the response to replay, in the request's transaction; or roll everything back.

    In phased mode the effect is already committed when this runs, so a database failure here
    must not turn the response into a 500: the key stays "in progress", a retry gets 409 until
    it is stale, and then runs against the state the first request left (see above).
    """
    try:
        if should_store(status):
            IdempotencyKey.objects.filter(pk=claimed.pk).update(response_status=status, response_body=body)
        elif claimed.phased:
            IdempotencyKey.objects.filter(pk=claimed.pk, response_status__isnull=True).delete()
        else:
            transaction.set_rollback(True)
    except DatabaseError as error:
        if not claimed.phased:
            raise
        logger.warning(
            "idempotency_key_not_recorded",
            idempotency_key_id=claimed.pk,
            status=status,
            error_class=type(error).__name__,
        )
