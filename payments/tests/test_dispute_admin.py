"""Admin: disputes with their evidence and money, linked to payment, wallet and entries; notifications."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from payments.admin.disputes import money
from payments.models import ConnectorNotification
from payments.tests.disputes_support import deliver, notification_for, open_dispute, paid_intent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["dispute", "connectornotification", "simulatornotification"])
def test_the_dispute_admin_lists_render_and_allow_no_add(admin_client, model):
    assert admin_client.get(reverse(f"admin:payments_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:payments_{model}_add")).status_code == 403


def test_a_dispute_page_shows_its_money_evidence_and_links(admin_client, auth_client, api_client, user, wallet):
    dispute = open_dispute(api_client, paid_intent(auth_client, user, wallet))
    auth_client.post(f"/v1/disputes/{dispute.public_id}", {"evidence": {"receipt": "order 42"}}, format="json")
    page = admin_client.get(reverse("admin:payments_dispute_change", args=[dispute.pk])).content.decode()
    assert "100.00 USD" in page and "15.00 USD" in page and "18.20 USD" in page
    assert "order 42" in page
    assert reverse("admin:payments_paymentintent_change", args=[dispute.intent_id]) in page
    assert reverse("admin:wallets_wallet_change", args=[dispute.wallet_id]) in page
    assert reverse("admin:ledger_journalentry_change", args=[dispute.withdrawal_entry_id]) in page
    assert dispute.balance_transaction_ids[0] in page


def test_unmatched_notifications_are_listed_for_operators(admin_client, auth_client, api_client, user, wallet):
    notification = notification_for(paid_intent(auth_client, user, wallet))
    notification.payload["data"]["charge"] = "simulator_a_ch_unknown"
    deliver(api_client, notification)
    page = admin_client.get(reverse("admin:payments_connectornotification_changelist") + "?status__exact=unmatched")
    assert notification.notification_id in page.content.decode()
    assert ConnectorNotification.objects.get().status == "unmatched"


def test_the_wallet_page_shows_what_is_owed(admin_client, auth_client, api_client, user, wallet):
    open_dispute(api_client, paid_intent(auth_client, user, wallet))
    page = admin_client.get(reverse("admin:wallets_wallet_change", args=[wallet.pk])).content.decode()
    assert f"wallet:{wallet.public_id}:owed" in page


def test_money_is_shown_with_its_currencys_exponent():
    assert (money(1_820, "usd"), money(1_500, "jpy"), money(-5, "usd")) == ("18.20 USD", "1,500 JPY", "-0.05 USD")
