"""The operators' wallet, transfer and payout pages: read-only, searchable, balances from the ledger."""

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from wallets.services import payout_create, transfer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_wallet_list_shows_owner_and_ledger_balances(admin_client, wallet):
    response = admin_client.get("/admin/wallets/wallet/")

    assert response.status_code == 200
    page = response.content.decode()
    assert wallet.public_id in page
    assert wallet.user.email in page
    assert "10000" in page


def test_wallet_page_links_to_its_ledger_accounts_and_statements(admin_client, wallet):
    response = admin_client.get(f"/admin/wallets/wallet/{wallet.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"/admin/ledger/account/{wallet.available_account_id}/change/" in page
    assert f"/admin/ledger/account/{wallet.available_account_id}/statement/" in page
    assert wallet.available_account.code in page


def test_wallets_are_searchable_by_owner_email(admin_client, wallet, other_wallet):
    page = admin_client.get("/admin/wallets/wallet/", {"q": wallet.user.email}).content.decode()

    assert wallet.public_id in page
    assert other_wallet.public_id not in page


def test_transfers_are_read_only_and_searchable_by_id_and_email(admin_client, wallet, other_wallet):
    transfer = transfer_create(
        user=wallet.user, source_wallet=wallet.public_id, destination_wallet=other_wallet.public_id, amount=5
    )

    assert (
        transfer.public_id in admin_client.get("/admin/wallets/transfer/", {"q": transfer.public_id}).content.decode()
    )
    by_email = admin_client.get("/admin/wallets/transfer/", {"q": other_wallet.user.email}).content.decode()
    assert transfer.public_id in by_email
    assert admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/change/").status_code == 200
    assert admin_client.get("/admin/wallets/transfer/add/").status_code == 403
    assert admin_client.post(f"/admin/wallets/transfer/{transfer.pk}/delete/").status_code == 403


def test_payouts_are_read_only_and_searchable(admin_client, wallet):
    payout = payout_create(
        user=wallet.user, wallet=wallet.public_id, amount=5, account_number="000123456789", routing_number="110000000"
    )

    page = admin_client.get("/admin/wallets/payout/", {"q": wallet.user.email}).content.decode()
    assert payout.public_id in page
    detail = admin_client.get(f"/admin/wallets/payout/{payout.pk}/change/").content.decode()
    assert "6789" in detail
    assert "000123456789" not in detail
    assert admin_client.get("/admin/wallets/payout/add/").status_code == 403


def test_wallets_cannot_be_added_or_deleted_in_the_admin(admin_client, wallet):
    assert admin_client.get("/admin/wallets/wallet/add/").status_code == 403
    assert admin_client.post(f"/admin/wallets/wallet/{wallet.pk}/delete/").status_code == 403
