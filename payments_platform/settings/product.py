"""The product's settings: money, webhooks and events, fraud, payments, disputes, the scheduler."""

import environ

from payments_platform.settings.core import PORT, SECRET_KEY
from payments_platform.settings.environment import env
from payments_platform.settings.services import REDIS_URL

# --- Money ------------------------------------------------------------------------

SUPPORTED_CURRENCIES = env.list("SUPPORTED_CURRENCIES", default=["usd", "eur", "gbp", "jpy"])
PLATFORM_FEE_PERCENT = env.str("PLATFORM_FEE_PERCENT", default="2.9")
PLATFORM_FEE_FIXED = env.int("PLATFORM_FEE_FIXED", default=30)
MAX_AMOUNT = 99_999_999_999
# What a refund does with the platform fee (issue 17, docs/payments.md "Refunds and the fee"):
# "return" gives back the refund's share of it (so a full refund always fits in the wallet),
# "retain" keeps it, as Stripe does.
REFUND_FEE_POLICY = env.str("REFUND_FEE_POLICY", default="return")
if REFUND_FEE_POLICY not in ("return", "retain"):
    raise environ.ImproperlyConfigured(f"REFUND_FEE_POLICY must be return or retain, not {REFUND_FEE_POLICY!r}.")
# How many accounts the hot system accounts (fee revenue, each connector's receivable) are spread
# over, chosen per payment intent, so that concurrent captures do not queue on one row lock
# (docs/ledger.md "Sharded system accounts"). 1 (the default) turns sharding off. Opt in only on
# a fresh ledger or knowingly: changing it moves the refunds and disputes of earlier payments to
# other fee shards, and a shard too small for one is refused by post_entry (400
# balance_insufficient), never overdrawn, until the shard a payment used is stored with it.
LEDGER_SYSTEM_ACCOUNT_SHARDS = env.int("LEDGER_SYSTEM_ACCOUNT_SHARDS", default=1)
if LEDGER_SYSTEM_ACCOUNT_SHARDS < 1:
    raise environ.ImproperlyConfigured("LEDGER_SYSTEM_ACCOUNT_SHARDS must be at least 1.")
# Seconds after its creation when a pending payout is due at the (simulated) bank.
PAYOUT_DELAY_SECONDS = env.int("PAYOUT_DELAY_SECONDS", default=86400)

# --- Webhooks ---------------------------------------------------------------------

WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
# Seals webhook signing secrets at rest; empty means SECRET_KEY. Set it, so that rotating
# SECRET_KEY keeps the stored webhook secrets readable.
WEBHOOK_SECRETS_KEY = env.str("WEBHOOK_SECRETS_KEY", default="")
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=30)
NATS_STREAM = env.str("NATS_STREAM", default="PAYMENTS")
NATS_SUBJECT_PREFIX = env.str("NATS_SUBJECT_PREFIX", default="payments.events")

# --- Fraud ------------------------------------------------------------------------
# The checks every assessment runs, in order (dotted paths to `check(context, signals)`);
# a deployment appends its own. The default list is `fraud.conf.DEFAULT_CHECKS`; its
# `fraud.checks.test_cards` recognises the simulator's test cards: drop it in production.
# Other fraud settings and their defaults: fraud/conf.py.
if env.str("FRAUD_CHECKS", default=""):  # unset: fraud.conf.DEFAULT_CHECKS
    FRAUD_CHECKS = env.list("FRAUD_CHECKS")
FRAUD_REDIS_URL = env.str("FRAUD_REDIS_URL", default=REDIS_URL)
FRAUD_RULES_CACHE_SECONDS = env.float("FRAUD_RULES_CACHE_SECONDS", default=5.0)
FRAUD_MODEL_CACHE_SECONDS = env.float("FRAUD_MODEL_CACHE_SECONDS", default=30.0)

# --- Payments ---------------------------------------------------------------------
# Card fingerprints are HMAC-SHA256(CARD_FINGERPRINT_KEY, PAN): equal for equal numbers,
# useless without the key. Connectors, routing and the circuit breaker: docs/payments.md.

CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY", default="") or f"card-fingerprint:{SECRET_KEY}"
# The payments sandbox (payments/sandbox/): the simulated issuer's /simulator/3ds/ page and the
# payments runner of `simulate_traffic`. Off in production with a real connector (docs/operations.md).
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=True)
# 3-D Secure (issue 17, docs/payments.md "3-D Secure"): the simulator's hosted page is served at
# THREE_D_SECURE_BASE_URL/simulator/3ds/…; its tokens are HMACs with THREE_D_SECURE_KEY (empty: SECRET_KEY).
THREE_D_SECURE_BASE_URL = env.str("THREE_D_SECURE_BASE_URL", default=f"http://localhost:{PORT}")
THREE_D_SECURE_KEY = env.str("THREE_D_SECURE_KEY", default="")
PAYMENT_SIMULATOR_LATENCY_MS = env.int("PAYMENT_SIMULATOR_LATENCY_MS", default=0)
# Every connector call is bounded by its "timeout_seconds" option (default 10 s, well under
# GUNICORN_TIMEOUT): past it the outcome is unknown and the payment waits for retrieve/sync.
PAYMENT_CONNECTOR_TIMEOUT_SECONDS = env.float("PAYMENT_CONNECTOR_TIMEOUT_SECONDS", default=10.0)
PAYMENT_CONNECTORS = {
    "simulator_a": {
        "class": "payments.sandbox.connector.SimulatorConnector",
        # The contract's 4000000000000119 fails with a processing error here only, so routing fails over.
        "options": {
            "latency_ms": PAYMENT_SIMULATOR_LATENCY_MS,
            "technical_failures": ["processing_error"],
            "timeout_seconds": PAYMENT_CONNECTOR_TIMEOUT_SECONDS,
        },
    },
    "simulator_b": {
        "class": "payments.sandbox.connector.SimulatorConnector",
        "options": {
            "latency_ms": PAYMENT_SIMULATOR_LATENCY_MS,
            "technical_failures": [],
            "timeout_seconds": PAYMENT_CONNECTOR_TIMEOUT_SECONDS,
        },
    },
}
# Per currency ("*" for any other), the connectors in the order to try; optional rules per entry:
# "brands" (card brands), "min_amount" / "max_amount" (minor units, inclusive).
PAYMENT_ROUTING = {"*": [{"connector": "simulator_a"}, {"connector": "simulator_b"}]}
PAYMENT_CIRCUIT_BREAKER_THRESHOLD = env.int("PAYMENT_CIRCUIT_BREAKER_THRESHOLD", default=5)
PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS = env.int("PAYMENT_CIRCUIT_BREAKER_COOL_OFF_SECONDS", default=30)
PAYMENT_INTENT_CAPTURE_WINDOW_DAYS = 7

# --- Disputes (docs/disputes.md) --------------------------------------------------
# DISPUTE_FEE (minor units) is withdrawn with a disputed amount. Connectors sign the notifications
# they send to /v1/connectors/<name>/notifications (Standard Webhooks) with their secret here,
# "name=whsec_…,name2=whsec_…"; one not listed gets a secret derived from SECRET_KEY (development).
# The simulated processor sends its notifications to CONNECTOR_NOTIFICATION_BASE_URL, due
# PROCESSOR_NOTIFICATION_DELAY_SECONDS after their cause (send_processor_notifications).
DISPUTE_FEE = env.int("DISPUTE_FEE", default=1500)
DISPUTE_EVIDENCE_DAYS = env.int("DISPUTE_EVIDENCE_DAYS", default=7)
CONNECTOR_NOTIFICATION_SECRETS = env.dict("CONNECTOR_NOTIFICATION_SECRETS", default={})
CONNECTOR_NOTIFICATION_BASE_URL = env.str("CONNECTOR_NOTIFICATION_BASE_URL", default=f"http://127.0.0.1:{PORT}")
PROCESSOR_NOTIFICATION_DELAY_SECONDS = env.float("PROCESSOR_NOTIFICATION_DELAY_SECONDS", default=2.0)
# --- Scheduler (manage.py run_scheduler; docs/operations.md#scheduler) ---------------
# Every periodic job, keyed by the management command it runs: "every" N seconds, or a
# "cron" line (UTC); "args" for the command; "alert": a failure also writes an audit log
# entry (`scheduler.job_failed`) for operators. A job whose command is not installed is
# skipped with a warning. Adding a job is one line.
SCHEDULER_JOBS = {
    "process_payouts": {"every": env.int("SCHEDULE_PROCESS_PAYOUTS_SECONDS", default=30)},
    "expire_payment_intents": {"every": env.int("SCHEDULE_EXPIRE_PAYMENT_INTENTS_SECONDS", default=3600)},
    "sync_payment_attempts": {"every": env.int("SCHEDULE_SYNC_PAYMENT_ATTEMPTS_SECONDS", default=300)},
    "send_processor_notifications": {
        "every": env.int("SCHEDULE_SEND_PROCESSOR_NOTIFICATIONS_SECONDS", default=5),
        "args": ["--once"],
    },
    "prune_events": {"every": env.int("SCHEDULE_PRUNE_EVENTS_SECONDS", default=86400)},
    "prune_idempotency_keys": {"every": env.int("SCHEDULE_PRUNE_IDEMPOTENCY_KEYS_SECONDS", default=3600)},
    "prune_job_runs": {"every": env.int("SCHEDULE_PRUNE_JOB_RUNS_SECONDS", default=86400)},
    "reconcile_ledger": {"cron": env.str("SCHEDULE_RECONCILE_LEDGER_CRON", default="30 2 * * *"), "alert": True},
}
# A follower retries the leader lock this often; the leader checks its lock connection this often.
SCHEDULER_LEADER_RETRY_SECONDS = env.float("SCHEDULER_LEADER_RETRY_SECONDS", default=5.0)
SCHEDULER_LOCK_CHECK_SECONDS = env.float("SCHEDULER_LOCK_CHECK_SECONDS", default=5.0)
SCHEDULER_JOB_RUN_RETENTION_DAYS = env.int("SCHEDULER_JOB_RUN_RETENTION_DAYS", default=30)
# Where a failed "alert" job is recorded (an operator-visible event); called with audit-log keywords.
SCHEDULER_ALERT_RECORDER = "accounts.services.audit_log_record"
