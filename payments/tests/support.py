"""Helpers of the payments tests that go through the API."""


def create_intent(client, wallet, method=None, **fields):
    """POST /v1/payment_intents for 100.00 into `wallet` (with `method` when given); the response."""
    body = {"amount": 10_000, "currency": wallet.currency, "wallet": wallet.public_id, **fields}
    if method is not None:
        body["payment_method"] = method.public_id
    return client.post("/v1/payment_intents", body, format="json")
