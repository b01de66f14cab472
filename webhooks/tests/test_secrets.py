import pytest

from webhooks import secrets


def test_a_sealed_secret_opens_to_the_same_secret_and_does_not_contain_it():
    secret = secrets.secret_generate()

    sealed = secrets.seal(secret)

    assert secret not in sealed
    assert secret.removeprefix("whsec_") not in sealed
    assert secrets.unseal(sealed) == secret


def test_a_tampered_seal_is_refused():
    sealed = secrets.seal(secrets.secret_generate())
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]

    with pytest.raises(secrets.SealBroken):
        secrets.unseal(tampered)


def test_a_seal_made_under_another_key_is_refused(settings):
    sealed = secrets.seal(secrets.secret_generate())
    settings.WEBHOOK_SECRETS_KEY = "another-key-entirely-0123456789"

    with pytest.raises(secrets.SealBroken):
        secrets.unseal(sealed)
