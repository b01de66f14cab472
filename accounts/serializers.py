"""Input validation and output shapes of the accounts API."""

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import ApiKey, User
from payments_platform.api import scopes
from payments_platform.api.fields import ConstantField, StrictCharField, StrictIntegerField, UnixTimestampField


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = StrictCharField(max_length=1024, trim_whitespace=False, write_only=True)
    name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")


class TokenObtainInput(serializers.Serializer):
    email = StrictCharField(max_length=254)
    password = StrictCharField(max_length=1024, trim_whitespace=False, write_only=True)


class RefreshInput(serializers.Serializer):
    refresh = StrictCharField(max_length=4096)


class UserOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("user")
    created = UnixTimestampField()

    class Meta:
        model = User
        fields = ["id", "object", "email", "name", "created"]


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class LogoutOutput(serializers.Serializer):
    logged_out = serializers.BooleanField()


# --- API keys -----------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": [scopes.ALL_SCOPES, *scopes.SCOPES]},
        "description": '["*"] or a list of scopes; `write` implies `read`.',
    }
)
class ScopesField(serializers.Field):
    """A key's scopes; anything unknown is 400 `parameter_invalid` with `param: "scopes"`."""

    def to_internal_value(self, data) -> list[str]:
        return scopes.scopes_validate(data)

    def to_representation(self, value) -> list[str]:
        return list(value)


@extend_schema_field({"type": ["integer", "null"], "description": "Unix seconds, or null."})
class OptionalUnixTimestampField(serializers.Field):
    """A nullable datetime rendered as Unix seconds (read-only)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.source)

    def to_representation(self, value) -> int | None:
        return int(value.timestamp()) if value is not None else None


class ApiKeyCreateInput(serializers.Serializer):
    name = StrictCharField(max_length=100)
    scopes = ScopesField()
    expires_at = StrictIntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        max_value=253_402_300_799,
        help_text="Unix seconds in the future; null or absent: the key does not expire.",
    )

    def validate_expires_at(self, value: int | None) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value is not None else None


class ApiKeyRollInput(serializers.Serializer):
    expires_in_hours = StrictIntegerField(
        required=False,
        default=0,
        min_value=0,
        max_value=168,
        help_text="How long the old secret stays valid, 0 to 168 hours (default 0: revoked now).",
    )


class ApiKeyOutput(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    object = ConstantField("api_key")
    redacted = serializers.CharField(help_text="sk_live_… and the secret's last four characters.")
    scopes = ScopesField()
    expires_at = OptionalUnixTimestampField()
    last_used_at = OptionalUnixTimestampField(help_text="Updated at most once a minute.")
    created = UnixTimestampField()

    class Meta:
        model = ApiKey
        fields = ["id", "object", "name", "redacted", "scopes", "expires_at", "last_used_at", "created"]


class ApiKeyWithSecretOutput(ApiKeyOutput):
    """A key with its secret: only in the response that created it (create, roll)."""

    secret = serializers.SerializerMethodField(help_text="sk_live_…: shown in this response only. Store it now.")

    class Meta(ApiKeyOutput.Meta):
        fields = ["id", "object", "name", "secret", "redacted", "scopes", "expires_at", "last_used_at", "created"]

    def get_secret(self, _key) -> str | None:
        return self.context.get("secret")


class ApiKeyDeletedOutput(serializers.Serializer):
    id = serializers.CharField()
    object = ConstantField("api_key")
    deleted = serializers.BooleanField()
