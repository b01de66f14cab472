"""factory_boy factories of the accounts context."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiKey, User

DEFAULT_PASSWORD = "correct horse battery staple 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.save(update_fields=["password"])


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
