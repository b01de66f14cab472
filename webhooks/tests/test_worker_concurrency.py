"""Workers racing on real PostgreSQL, and a worker killed mid-delivery.

Transactional tests: the workers' threads and processes see only committed rows.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection, transaction

from webhooks.models import WebhookAttempt, WebhookDelivery
from webhooks.services import event_record
from webhooks.tests.factories import WebhookEndpointFactory
from webhooks.tests.receiver import Receiver, Reply
from webhooks.worker import run_workers

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _record_events(user, count: int) -> None:
    with transaction.atomic():
        for index in range(count):
            event_record(user=user, event_type="transfer.created", data_object={"n": index})


def test_two_workers_racing_over_200_deliveries_send_each_exactly_once(user, receiver):
    WebhookEndpointFactory(user=user, url=receiver.url())
    _record_events(user, 200)

    workers = [threading.Thread(target=run_workers, kwargs={"concurrency": 4, "once": True}) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    sent = Counter(receiver.ids())
    assert len(sent) == 200
    assert set(sent.values()) == {1}
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 200
    assert WebhookAttempt.objects.count() == 200


def test_a_worker_killed_mid_delivery_loses_nothing_and_the_attempt_is_retried(user, allow_private_urls):
    with Receiver(replies=[Reply(delay=30)]) as receiver:
        WebhookEndpointFactory(user=user, url=receiver.url())
        _record_events(user, 1)
        database = connection.settings_dict
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "SECRET_KEY": "test-only-secret-key-not-for-production-use-0123456789abcdef",
            "DEBUG": "false",
            "HTTPS_ONLY": "false",
        }
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_webhook_worker", "--concurrency", "1"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 20
            while not receiver.requests and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.requests, "the worker never sent the delivery"
        finally:
            worker.kill()
            worker.wait()

        run_workers(concurrency=1, once=True)

        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "succeeded"
        assert delivery.attempt_count == 1
        assert len(set(receiver.ids())) == 1
        assert len(receiver.ids()) == 2
