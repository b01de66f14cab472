"""Every write of the accounts context: registration, tokens, audit log."""

import datetime as dt
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.errors import EmailTaken, InvalidCredentials, RefreshTokenInvalid
from accounts.models import AuditLogEntry, RevokedRefreshToken, User
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
            audit_log_record(action="user.registered", actor=user, object_type="user", object_id=user.public_id)
    except IntegrityError:
        raise EmailTaken(param="email") from None
    logger.info("user_registered", user_id=user.public_id)
    return user


def _pair_for(refresh: RefreshToken) -> TokenPair:
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
    return _pair_for(RefreshToken.for_user(user))


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
    if user is None or RevokedRefreshToken.objects.filter(jti=refresh.get("jti")).exists():
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
    return _pair_for(RefreshToken.for_user(user))


def token_revoke(*, refresh: str, user: User) -> None:
    """Log out: revoke a refresh token of `user`. A token of another user is refused."""
    token, owner = _valid_refresh(refresh)
    if owner.pk != user.pk:
        raise RefreshTokenInvalid()
    _revoke(token, owner)
    logger.info("logout", user_id=user.public_id)
