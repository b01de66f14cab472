"""Users (email login, bcrypt hashes), revoked refresh tokens, and the audit log."""

from enum import StrEnum

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import F
from django.utils import timezone

from accounts import user_cache
from payments_platform.api.ids import PublicIdField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person or business holding wallets; logs in with email and password."""

    public_id = PublicIdField(prefix="usr")
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    token_version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Tokens carry the version they were issued at; a bump (password change, deactivation, "
        "logging out everywhere) refuses every older token.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        """Emails are stored lowercase everywhere (registration, admin, createsuperuser)."""
        super().clean()
        self.email = User.objects.normalize_email(self.email).strip().lower()

    def save(self, *args, **kwargs) -> None:
        """Save, bumping `token_version` when the password changed or the user is inactive, and refresh
        the user's cached authentication state (`accounts.user_cache`) around the commit.

        This breaks the "no rule in save()" habit on purpose: a password is set by the admin's form,
        `manage.py changepassword`, services and shells alike, and Django marks a real change (not a
        hash upgrade) only here (`_password`, which `AbstractBaseUser.save` hands to the validators).
        Doing it here is the one place every path passes, so no path can leave old tokens alive.
        """
        if not self._state.adding and (self._password is not None or not self.is_active):
            self.token_version_bump()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "token_version"}
        user_cache.forget(self.public_id)
        super().save(*args, **kwargs)
        if hasattr(self.token_version, "resolve_expression"):
            self.refresh_from_db(fields=["token_version"])
        user_cache.refresh_on_commit(self)

    def token_version_bump(self) -> None:
        """Refuse every token issued so far, once saved (an increment in SQL: no lost update)."""
        self.token_version = F("token_version") + 1


class RevokedRefreshToken(models.Model):
    """A refresh token that was rotated out or logged out, by its `jti` only.

    The token itself is never stored: its id is enough to refuse it again.
    """

    jti = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True, help_text="After this the token is refused anyway.")
    revoked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.jti


class AuditAction(StrEnum):
    """The audit log actions of the accounts app. Every app names its own (`<object>.<what happened>`),
    so `AuditLogEntry.action` is not a choices field."""

    USER_REGISTERED = "user.registered"
    API_KEY_CREATED = "api_key.created"
    API_KEY_ROLLED = "api_key.rolled"
    API_KEY_REVOKED = "api_key.revoked"
    ADMIN_OTP_ENROLLED = "admin.otp_enrolled"
    ADMIN_OTP_RESET = "admin.otp_reset"


class AuditLogEntry(models.Model):
    """Who did what to which object, from where: written by services, read by operators."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=50, blank=True, default="")
    object_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    request_id = models.CharField(max_length=128, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}".strip()


class ApiKey(models.Model):
    """A secret API key (`sk_live_…`) of one user, for server-to-server calls.

    The secret itself is never stored: only `lookup_prefix` (its first characters after
    `sk_live_`, to find the row with one indexed lookup), `secret_hash` (HMAC-SHA256 with the
    server's `API_KEY_HASH_KEY`) and `last4` (for `redacted`). A revoked key keeps its row, for
    the audit log; `rolled_from` links a key to the one it replaced.
    """

    public_id = PublicIdField(prefix="ak")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    scopes = models.JSONField(help_text='["*"] or a list of scopes such as "wallets:read".')
    lookup_prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64, help_text="HMAC-SHA256 of the secret, hex.")
    last4 = models.CharField(max_length=4)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    rolled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="rolled_to"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "API key"
        indexes = [models.Index(fields=["user", "id"], name="api_key_user_id")]

    def __str__(self) -> str:
        return f"{self.name} ({self.redacted})"

    @property
    def redacted(self) -> str:
        return f"sk_live_…{self.last4}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
