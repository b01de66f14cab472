"""Checks a deployment might add through FRAUD_CHECKS (used by the tests)."""


def vip_email(context, signals) -> dict:
    return {"vip": (signals.get("email_domain") or "") == "vip.example"}


def broken(context, signals) -> dict:
    raise RuntimeError("this check is broken")
