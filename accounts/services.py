"""Every write of the accounts context: registration, tokens, audit log."""

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import api_keys
from accounts.authentication import TOKEN_VERSION_CLAIM, token_version_of
from accounts.errors import ApiKeyAlreadyRolled, ApiKeyMissing, EmailTaken, InvalidCredentials, RefreshTokenInvalid
from accounts.models import ApiKey, AuditAction, AuditLogEntry, RevokedRefreshToken, User
from accounts.throttling import login_failure_record, login_throttle_check
from payments_platform.api.errors import ParameterInvalid

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int


def audit_log_record(
    *,
    action: str,
    actor: User | None = None,
    object_type: str = "",
    object_id: str = "",
    request_id: str = "",
    ip: str | None = None,
    details: dict | None = None,
) -> AuditLogEntry:
    """Append one audit log entry; call it inside the transaction of the action it records."""
    return AuditLogEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request_id=request_id or "",
        ip=ip,
        details=details or {},
    )


def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create a user with a bcrypt-hashed password, after Django's password validators.

    Raises `EmailTaken` for an email already registered (case-insensitive) and
    `ParameterInvalid` (param `password`) for a weak password.
    """
    email = User.objects.normalize_email(email).strip().lower()
    try:
        validate_password(password, user=User(email=email, name=name))
    except DjangoValidationError as error:
        raise ParameterInvalid(" ".join(error.messages), param="password") from None
    if User.objects.filter(email=email).exists():
        raise EmailTaken(param="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            audit_log_record(
                action=AuditAction.USER_REGISTERED, actor=user, object_type="user", object_id=user.public_id
            )
    except IntegrityError:
        raise EmailTaken(param="email") from None
    logger.info("user_registered", user_id=user.public_id)
    return user


def _pair_for(user: User) -> TokenPair:
    """A new refresh token and its access token, both carrying the user's current `token_version`."""
    refresh = RefreshToken.for_user(user)
    refresh[TOKEN_VERSION_CLAIM] = user.token_version
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh), expires_in=int(lifetime.total_seconds()))


def token_obtain(*, email: str, password: str, ip: str | None) -> TokenPair:
    """Check the credentials and issue an access/refresh pair.

    Throttled per IP and per email (`LoginThrottled`, 429); a wrong email and a wrong
    password give the same `InvalidCredentials` error, after the same bcrypt work.
    """
    login_throttle_check(ip=ip, email=email)
    user = authenticate(email=email.strip().lower(), password=password)
    if user is None:
        login_failure_record(ip=ip, email=email)
        logger.info("login_failed")
        raise InvalidCredentials()
    logger.info("login_succeeded", user_id=user.public_id)
    return _pair_for(user)


def _revoke(refresh: RefreshToken, user: User) -> bool:
    """Record the token's jti as revoked; False if it already was (a replay)."""
    expires_at = dt.datetime.fromtimestamp(refresh["exp"], tz=dt.UTC)
    try:
        with transaction.atomic():
            RevokedRefreshToken.objects.create(jti=refresh["jti"], user=user, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


def _valid_refresh(raw: str) -> tuple[RefreshToken, User]:
    try:
        refresh = RefreshToken(raw)
    except TokenError:
        raise RefreshTokenInvalid() from None
    user_id = refresh.get(settings.SIMPLE_JWT["USER_ID_CLAIM"])
    user = User.objects.filter(public_id=user_id, is_active=True).first()
    if user is None or token_version_of(refresh) != user.token_version:
        raise RefreshTokenInvalid()
    if RevokedRefreshToken.objects.filter(jti=refresh.get("jti")).exists():
        raise RefreshTokenInvalid()
    return refresh, user


def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate a refresh token: the old one is revoked, a new pair is issued.

    Reusing a rotated token, even concurrently, is `RefreshTokenInvalid` (401): the
    unique `jti` lets only one rotation win.
    """
    old, user = _valid_refresh(refresh)
    if not _revoke(old, user):
        raise RefreshTokenInvalid()
    return _pair_for(user)


def token_revoke(*, refresh: str, user: User) -> None:
    """Log out: revoke a refresh token of `user`. A token of another user is refused."""
    token, owner = _valid_refresh(refresh)
    if owner.pk != user.pk:
        raise RefreshTokenInvalid()
    _revoke(token, owner)
    logger.info("logout", user_id=user.public_id)


# --- Ending a user's sessions ---------------------------------------------------------
# Each bumps the user's `token_version` in its transaction, and `User.save` refreshes the cached
# snapshot when it commits: every access and refresh token issued before is refused from the next
# request on (accounts.user_cache states the bound when the cache fails).


def _user_locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def _user_audit(action: str, user: User, *, actor: User | None, request_id: str, ip: str | None) -> None:
    audit_log_record(
        action=action, actor=actor, object_type="user", object_id=user.public_id, request_id=request_id, ip=ip
    )


def user_deactivate(*, user: User, actor: User | None = None, request_id: str = "", ip: str | None = None) -> User:
    """Deactivate `user`: no login, and every token issued so far refused. Audited (`user.deactivated`)."""
    with transaction.atomic():
        locked = _user_locked(user)
        locked.is_active = False
        locked.save(update_fields=["is_active"])  # an inactive user's save bumps token_version
        _user_audit("user.deactivated", locked, actor=actor, request_id=request_id, ip=ip)
    logger.info("user_deactivated", user_id=locked.public_id)
    return locked


def user_logout_everywhere(
    *, user: User, actor: User | None = None, request_id: str = "", ip: str | None = None
) -> User:
    """Refuse every access and refresh token `user` holds; logging in again works. Audited
    (`user.logged_out_everywhere`)."""
    with transaction.atomic():
        locked = _user_locked(user)
        locked.token_version_bump()
        locked.save(update_fields=["token_version"])
        _user_audit("user.logged_out_everywhere", locked, actor=actor, request_id=request_id, ip=ip)
    logger.info("user_logged_out_everywhere", user_id=locked.public_id)
    return locked


def user_password_change(
    *, user: User, password: str, actor: User | None = None, request_id: str = "", ip: str | None = None
) -> User:
    """Set a new password (after Django's validators: `ParameterInvalid`, param `password`) and refuse
    every token issued before it. Audited (`user.password_changed`); the password is never logged."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ParameterInvalid(" ".join(error.messages), param="password") from None
    with transaction.atomic():
        locked = _user_locked(user)
        locked.set_password(password)
        locked.save(update_fields=["password"])  # a password change bumps token_version
        _user_audit("user.password_changed", locked, actor=actor, request_id=request_id, ip=ip)
    logger.info("user_password_changed", user_id=locked.public_id)
    return locked


# --- API keys -----------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedApiKey:
    """A key just made, with its secret: the only moment the secret exists outside its owner's hands."""

    key: ApiKey
    secret: str


def _api_key_insert(*, user: User, name: str, scopes: list[str], expires_at, rolled_from=None) -> CreatedApiKey:
    new = api_keys.secret_new()
    key = ApiKey.objects.create(
        user=user,
        name=name,
        scopes=scopes,
        lookup_prefix=new.lookup_prefix,
        secret_hash=new.secret_hash,
        last4=new.last4,
        expires_at=expires_at,
        rolled_from=rolled_from,
    )
    return CreatedApiKey(key=key, secret=new.secret)


def _api_key_audit(action: str, key: ApiKey, *, actor: User, request_id: str, ip: str | None, **details) -> None:
    audit_log_record(
        action=action,
        actor=actor,
        object_type="api_key",
        object_id=key.public_id,
        request_id=request_id,
        ip=ip,
        details={"name": key.name, "scopes": key.scopes, "redacted": key.redacted, **details},
    )


def api_key_create(
    *, user: User, name: str, scopes: list[str], expires_at=None, request_id: str = "", ip: str | None = None
) -> CreatedApiKey:
    """Make a key for `user` (scopes already validated) and audit it (`api_key.created`), in one transaction.

    Raises `ParameterInvalid` (param `expires_at`) for an expiry that is not in the future.
    """
    if expires_at is not None and expires_at <= timezone.now():
        raise ParameterInvalid("expires_at must be in the future.", param="expires_at")
    with transaction.atomic():
        created = _api_key_insert(user=user, name=name, scopes=scopes, expires_at=expires_at)
        _api_key_audit(AuditAction.API_KEY_CREATED, created.key, actor=user, request_id=request_id, ip=ip)
    logger.info("api_key_created", api_key_id=created.key.public_id)
    return created


def _api_key_locked(*, user: User, public_id: str) -> ApiKey:
    """The user's key, unrevoked, locked for update (inside the caller's transaction), or `ApiKeyMissing`."""
    key = ApiKey.objects.select_for_update().filter(user=user, public_id=public_id, revoked_at__isnull=True).first()
    if key is None:
        raise ApiKeyMissing(f"No such API key: {public_id!r}.", param="id")
    return key


def api_key_revoke(*, user: User, public_id: str, request_id: str = "", ip: str | None = None) -> ApiKey:
    """Revoke one of `user`'s keys at once: its cached snapshot is overwritten when this commits,
    so the next request with it, on any worker, is a 401. Audited (`api_key.revoked`)."""
    with transaction.atomic():
        key = _api_key_locked(user=user, public_id=public_id)
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        _api_key_audit(AuditAction.API_KEY_REVOKED, key, actor=user, request_id=request_id, ip=ip)
        api_keys.cache_refresh(key)
    logger.info("api_key_revoked", api_key_id=key.public_id)
    return key


def api_key_roll(
    *, user: User, public_id: str, expires_in_hours: int = 0, request_id: str = "", ip: str | None = None
) -> CreatedApiKey:
    """Replace a key by a new one (same name, scopes and expiry, a new secret and id).

    The old key stays valid for `expires_in_hours` (0 to 168; 0 revokes it now), never past its own
    expiry. Audited (`api_key.rolled`); the old key's cached snapshot is overwritten on commit.
    """
    now = timezone.now()
    with transaction.atomic():
        old = _api_key_locked(user=user, public_id=public_id)
        if not old.is_active(now):
            raise ApiKeyMissing(f"No such API key: {public_id!r} (it has expired).", param="id")
        successor = ApiKey.objects.filter(rolled_from=old).values_list("public_id", flat=True).first()
        if successor is not None:
            raise ApiKeyAlreadyRolled(f"This key was already rolled into {successor}: roll that one.", param="id")
        created = _api_key_insert(
            user=user, name=old.name, scopes=old.scopes, expires_at=old.expires_at, rolled_from=old
        )
        if expires_in_hours == 0:
            old.revoked_at = now
        else:
            grace_end = now + timedelta(hours=expires_in_hours)
            old.expires_at = min(old.expires_at, grace_end) if old.expires_at else grace_end
        old.save(update_fields=["revoked_at", "expires_at"])
        _api_key_audit(
            AuditAction.API_KEY_ROLLED,
            old,
            actor=user,
            request_id=request_id,
            ip=ip,
            rolled_to=created.key.public_id,
            old_key_valid_until=int(old.expires_at.timestamp()) if old.revoked_at is None else int(now.timestamp()),
        )
        api_keys.cache_refresh(old)
    logger.info("api_key_rolled", api_key_id=old.public_id, rolled_to=created.key.public_id)
    return created
