"""Operators see the scheduler's job runs in the admin, read-only."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from payments_platform.tests.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_the_admin_lists_job_runs_with_their_outcome_and_offers_no_writes(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    run = JobRunFactory(job="process_payouts", started_at=timezone.now(), outcome="failed", detail="boom")

    listing = client.get("/admin/payments_platform/jobrun/")
    detail = client.get(f"/admin/payments_platform/jobrun/{run.pk}/change/")

    assert listing.status_code == 200
    assert "process_payouts" in listing.content.decode()
    assert detail.status_code == 200
    assert client.get("/admin/payments_platform/jobrun/add/").status_code == 403
