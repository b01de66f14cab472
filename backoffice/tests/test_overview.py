"""The overview on the admin index: volumes, open reviews, webhook backlog and relay lag, last reconciliation."""

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.tests.factories import UserFactory
from fraud.services import assess, review_open
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfer(db):
    sender = WalletFactory(currency="usd", balance=100_000)
    recipient = WalletFactory(currency="usd")
    return transfer_create(
        user=sender.user, source_wallet=sender.public_id, destination_wallet=recipient.public_id, amount=35_972
    )


def test_overview_shows_todays_transfer_volume_in_its_currency(admin_client, transfer):
    page = admin_client.get("/admin/").content.decode()

    assert 'id="overview-today"' in page
    assert "359.72 USD" in page


def test_overview_serves_its_chart_library_from_our_static_files(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "/static/backoffice/vendor/chartjs-4.6.1/chart.umd.min.js" in page
    assert "cdn" not in page.lower()


def test_overview_shows_the_last_reconciliation_and_when_it_ran(admin_client, transfer):
    call_command("reconcile_ledger")

    page = admin_client.get("/admin/").content.decode()

    assert "clean" in page and "ran " in page


def test_overview_counts_open_reviews(admin_client, payment_context):
    user = UserFactory()
    with transaction.atomic():
        review_open(
            user=user, object_type="payment_intent", object_id="pi_1", assessment=assess(context=payment_context(user))
        )

    page = admin_client.get("/admin/").content.decode()

    assert '<div class="big bad">1</div>' in page


def test_overview_is_not_computed_for_the_login_page(client):
    assert 'id="overview"' not in client.get("/admin/login/").content.decode()


def test_overview_shows_the_last_run_of_each_scheduled_job_and_its_outcome(admin_client):
    from django.utils import timezone

    from payments_platform.models import JobRun

    now = timezone.now()
    JobRun.objects.create(job="process_payouts", started_at=now, finished_at=now, outcome="succeeded")
    JobRun.objects.create(job="reconcile_ledger", started_at=now, finished_at=now, outcome="failed", detail="drift")

    page = admin_client.get("/admin/").content.decode()
    jobs = page[page.index('id="overview-jobs"') :]

    assert "process_payouts" in jobs and "succeeded" in jobs
    assert "reconcile_ledger" in jobs and "failed" in jobs


def test_overview_says_when_no_scheduled_job_has_run(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "No job has run yet" in page
