"""factory_boy factories of the accounts context."""

import factory
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, User

DEFAULT_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = DEFAULT_PASSWORD

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        """Hash the password before the first save: a later set_password() and save() is a password
        change, which bumps token_version (accounts.models.User.save)."""
        kwargs["password"] = make_password(kwargs["password"])
        return kwargs


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed TOTP device (django-otp) of a user: what enrolment in the admin's second factor leaves."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "phone"
    confirmed = True


def api_key_for(user: User, *, scopes: list[str] | None = None, expires_at=None) -> tuple[ApiKey, str]:
    """A key of `user` made by the service (the only way to get a secret), and its secret."""
    from accounts.services import api_key_create

    created = api_key_create(user=user, name="test key", scopes=scopes or ["*"], expires_at=expires_at)
    return created.key, created.secret


def key_client(secret: str):
    """An API client that authenticates with an API key."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client
