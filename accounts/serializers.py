"""Input validation and output shapes of the accounts API."""

from rest_framework import serializers

from accounts.models import User
from payments_platform.api.fields import ConstantField, StrictCharField, UnixTimestampField


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
