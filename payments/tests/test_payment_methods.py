"""POST /v1/payment_methods: tokenization, validation with params, and no PAN or CVC anywhere."""

import io
import logging
import re

import pytest

from payments.models import PaymentMethod, SimulatorVaultCard
from payments.tests.factories import CARDS, EXP_YEAR
from tests.security.dump import database_dump

pytestmark = pytest.mark.django_db


def tokenize(client, number="4242424242424242", exp_month=12, exp_year=EXP_YEAR, cvc="123"):
    card = {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}
    return client.post("/v1/payment_methods", {"type": "card", "card": card}, format="json")


def test_tokenizing_a_card_returns_the_payment_method_without_number_or_cvc(auth_client):
    response = tokenize(auth_client)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["id"].startswith("pm_")
    assert data["object"] == "payment_method"
    assert data["type"] == "card"
    assert data["card"]["brand"] == "visa"
    assert data["card"]["last4"] == "4242"
    assert data["card"]["exp_month"] == 12
    assert data["card"]["exp_year"] == EXP_YEAR
    assert data["card"]["country"] == "US"
    assert len(data["card"]["fingerprint"]) == 32
    assert "4242424242424242" not in response.content.decode()
    assert '"123"' not in response.content.decode()


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3566002020360505", "jcb"),
        ("6200000000000005", "unionpay"),
        ("36227206271667", "diners"),
    ],
)
def test_the_brand_comes_from_the_number_prefix(auth_client, number, brand):
    assert tokenize(auth_client, number=number).json()["data"]["card"]["brand"] == brand


def test_equal_numbers_have_equal_fingerprints_and_different_numbers_do_not(auth_client):
    first = tokenize(auth_client).json()["data"]["card"]["fingerprint"]
    second = tokenize(auth_client, exp_month=1, cvc="999").json()["data"]["card"]["fingerprint"]
    other = tokenize(auth_client, number="5555555555554444").json()["data"]["card"]["fingerprint"]
    assert first == second
    assert first != other


def test_the_fingerprint_is_keyed(auth_client, settings):
    first = tokenize(auth_client).json()["data"]["card"]["fingerprint"]
    settings.CARD_FINGERPRINT_KEY = "another-key"
    assert tokenize(auth_client).json()["data"]["card"]["fingerprint"] != first


@pytest.mark.parametrize(
    ("fields", "code", "param"),
    [
        ({"number": "4242424242424241"}, "incorrect_number", "card[number]"),
        ({"number": "4242 4242 4242 4242"}, "invalid_number", "card[number]"),
        ({"number": "42424242424"}, "invalid_number", "card[number]"),
        ({"number": "42424242424242424242"}, "invalid_number", "card[number]"),
        ({"exp_month": 13}, "invalid_expiry_month", "card[exp_month]"),
        ({"exp_month": 0}, "invalid_expiry_month", "card[exp_month]"),
        ({"exp_year": 30}, "invalid_expiry_year", "card[exp_year]"),
        ({"exp_year": 2001}, "invalid_expiry_year", "card[exp_year]"),
        ({"cvc": "12"}, "invalid_cvc", "card[cvc]"),
        ({"cvc": "12a"}, "invalid_cvc", "card[cvc]"),
        ({"cvc": "12345"}, "invalid_cvc", "card[cvc]"),
    ],
)
def test_a_bad_card_field_is_a_400_naming_its_param(auth_client, fields, code, param):
    response = tokenize(auth_client, **fields)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == ("invalid_request_error", code, param)
    assert PaymentMethod.objects.count() == 0


def test_a_card_that_expired_last_month_is_refused(auth_client):
    from datetime import date

    today = date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    response = tokenize(auth_client, exp_month=month, exp_year=year)
    assert response.json()["error"]["code"] in ("invalid_expiry_month", "invalid_expiry_year")


@pytest.mark.parametrize("number", ["4242424242424241", "4242 4242 4242 4242", 4242424242424242])
def test_a_validation_error_never_echoes_the_number(auth_client, number):
    response = tokenize(auth_client, number=number)
    assert response.status_code == 400
    body = response.content.decode()
    assert "424242424242424" not in body
    assert "4242 4242" not in body


def test_a_missing_card_field_is_parameter_missing(auth_client):
    response = auth_client.post(
        "/v1/payment_methods", {"type": "card", "card": {"number": "4242424242424242"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_missing"
    assert response.json()["error"]["param"].startswith("card[")


def test_payment_methods_are_listed_and_retrieved_only_by_their_owner(auth_client, other_client):
    pm = tokenize(auth_client).json()["data"]["id"]
    assert auth_client.get(f"/v1/payment_methods/{pm}").status_code == 200
    assert [item["id"] for item in auth_client.get("/v1/payment_methods").json()["data"]["data"]] == [pm]
    assert other_client.get(f"/v1/payment_methods/{pm}").status_code == 404
    assert other_client.get("/v1/payment_methods").json()["data"]["data"] == []


def test_the_vault_keeps_the_behaviour_and_last4_but_not_the_number(auth_client):
    tokenize(auth_client, number=CARDS["generic_decline"])
    card = SimulatorVaultCard.objects.get()
    assert (card.behaviour, card.last4, card.brand) == ("generic_decline", "0002", "visa")


def _log_capture():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    return stream, handler


@pytest.mark.django_db(transaction=True)
def test_no_card_number_or_cvc_is_in_the_database_dump_or_the_logs(auth_client):
    """Tokenize every contract test card (and some bad ones, with an Idempotency-Key too), then
    pg_dump the whole test database and read the captured logs: no number, no CVC.

    The CVCs have a leading zero ("0731"): no integer column (ids, amounts, counts) ever prints one,
    so a match can only be a stored CVC, never an id that happens to be equal (a three-digit CVC
    such as "705" once matched a content type id)."""
    stream, handler = _log_capture()
    root = logging.getLogger()
    root.addHandler(handler)
    cvcs = [f"0{731 + 17 * index}" for index in range(len(CARDS))]  # leading zero: never an integer column
    try:
        for (name, number), cvc in zip(CARDS.items(), cvcs, strict=True):
            response = auth_client.post(
                "/v1/payment_methods",
                {"type": "card", "card": {"number": number, "exp_month": 11, "exp_year": EXP_YEAR, "cvc": cvc}},
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"tokenize-{name}",
            )
            assert response.status_code == 201
        tokenize(auth_client, number="4242424242424241", cvc="0919")
        tokenize(auth_client, number="4000000000000002", cvc="79x")
    finally:
        root.removeHandler(handler)
    dump = database_dump()
    logs = stream.getvalue()
    assert "payment_method_created" in logs and "tok_sim_" in dump  # the dump and logs are real
    for number in [*CARDS.values(), "4242424242424241"]:
        assert number not in dump
        assert number not in logs
    for cvc in [*cvcs, "0919"]:
        # a whole COPY field (text columns), a JSON string value, or a quoted literal
        assert not re.search(rf"(^|\t){cvc}(\t|$)", dump, flags=re.MULTILINE), cvc
        assert f'"{cvc}"' not in dump and f"'{cvc}'" not in dump
        assert f'"{cvc}"' not in logs and f"cvc={cvc}" not in logs and f"'{cvc}'" not in logs
