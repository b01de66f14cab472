"""The quickstart's money flows on SQLite with the in-process cache, as `make run` serves them.

Run by tests/test_quickstart_sqlite.py in a subprocess (the test suite itself runs on
PostgreSQL): migrate a fresh SQLite file, then register, log in, open wallets, tokenize a card,
top up, transfer, refund, pay out, subscribe a webhook endpoint and read the events, through
the API with Django's test client. Prints one line per step; exits non-zero on the first failure.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "payments_platform.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

JSON = "application/json"


def check(step: str, response, status: int) -> dict:
    body = response.json()
    if response.status_code != status:
        print(f"FAIL {step}: {response.status_code} {body}")
        sys.exit(1)
    print(f"ok   {step}")
    return body["data"]


def main() -> None:
    call_command("migrate", verbosity=0)
    client = Client()
    password = "violet-harbour-quantum-88"
    tokens = {}
    for email in ("ada@example.com", "bob@example.com"):
        check(f"register {email}", client.post("/v1/auth/register", {"email": email, "password": password}, JSON), 201)
        data = check(f"token {email}", client.post("/v1/auth/token", {"email": email, "password": password}, JSON), 200)
        tokens[email] = {"HTTP_AUTHORIZATION": f"Bearer {data['access']}"}
    ada, bob = tokens["ada@example.com"], tokens["bob@example.com"]

    hook = {"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]}
    check("webhook endpoint", client.post("/v1/webhook_endpoints", hook, JSON, **ada), 201)
    wallet = check("ada's wallet", client.post("/v1/wallets", {"currency": "usd"}, JSON, **ada), 201)["id"]
    bob_wallet = check("bob's wallet", client.post("/v1/wallets", {"currency": "usd"}, JSON, **bob), 201)["id"]
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    method = check("card", client.post("/v1/payment_methods", {"type": "card", "card": card}, JSON, **ada), 201)["id"]
    intent = {"amount": 10_000, "currency": "usd", "wallet": wallet, "payment_method": method, "confirm": True}
    paid = check(
        "top up by card",
        client.post("/v1/payment_intents", intent, JSON, HTTP_IDEMPOTENCY_KEY="top-up-1", **ada),
        201,
    )
    assert paid["status"] == "succeeded", paid
    transfer = {"source_wallet": wallet, "destination_wallet": bob_wallet, "amount": 1_000}
    check("transfer", client.post("/v1/transfers", transfer, JSON, HTTP_IDEMPOTENCY_KEY="tr-1", **ada), 201)
    check("refund", client.post("/v1/refunds", {"payment_intent": paid["id"], "amount": 500}, JSON, **ada), 201)
    payout = {
        "wallet": wallet,
        "amount": 1_000,
        "destination": {"account_number": "000123456789", "routing_number": "110000000"},
    }
    check("payout", client.post("/v1/payouts", payout, JSON, **ada), 201)
    balance = check("wallet", client.get(f"/v1/wallets/{wallet}", **ada), 200)["balance"]
    print(f"     balance {balance}")
    events = check("events", client.get("/v1/events?limit=100", **ada), 200)["data"]
    assert events, "no events recorded"
    check("statement", client.get(f"/v1/wallets/{wallet}/transactions", **ada), 200)
    call_command("reconcile_ledger", stdout=open(os.devnull, "w"))  # noqa: SIM115 - exits non-zero when unclean
    print("ok   reconcile_ledger")


if __name__ == "__main__":
    main()
