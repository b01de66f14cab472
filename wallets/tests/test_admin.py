"""The operators' wallet, statement, transfer and payout pages: what each shows (rows, amounts in
money, links to the related rows), that they are read-only and searchable, and what the CSV
export writes."""

import csv
import io

import pytest

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.api import JournalEntry, credit, debit, post_entry, system_account
from wallets.models import BalanceTransaction
from wallets.services import transfer_reverse, wallet_owed_account
from wallets.tests.admin_pages import admin_page
from wallets.tests.factories import PayoutFactory, TransferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def transfer(funded_usd_wallet, other_user_wallet):
    """2.50 from the user's wallet (100.00) to another user's."""
    return TransferFactory(source_wallet=funded_usd_wallet, destination_wallet=other_user_wallet, amount=250)


def user_page(user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def wallet_page(wallet) -> str:
    return f"/admin/wallets/wallet/{wallet.pk}/change/"


def test_wallet_list_shows_owner_and_ledger_balances(admin_client, funded_usd_wallet):
    response = admin_client.get("/admin/wallets/wallet/")

    assert response.status_code == 200
    page = response.content.decode()
    assert funded_usd_wallet.public_id in page
    assert funded_usd_wallet.user.email in page
    assert "10000" in page
    row = admin_page(response).row_for(funded_usd_wallet.public_id)
    assert row["public_id"].links == [wallet_page(funded_usd_wallet)]
    assert (row["owner_link"].text, row["owner_link"].links) == (
        funded_usd_wallet.user.email,
        [user_page(funded_usd_wallet.user)],
    )
    assert (row["currency"].text, row["available"].text, row["pending"].text, row["owed"].text) == (
        "usd",
        "100.00 USD",
        "0.00 USD",
        "0.00 USD",
    )


def test_wallet_list_shows_what_the_owner_owes_as_money(admin_client, funded_usd_wallet):
    owed = wallet_owed_account(wallet=funded_usd_wallet)
    adjustments = system_account(purpose="adjustments", currency="usd")
    post_entry(lines=[debit(owed.pk, 1_820), credit(adjustments.pk, 1_820)], kind=JournalEntry.Kind.ADJUSTMENT)

    row = admin_page(admin_client.get("/admin/wallets/wallet/")).row_for(funded_usd_wallet.public_id)

    assert row["owed"].text == "18.20 USD"


def test_wallet_list_counts_a_pending_payout_in_pending_and_not_in_available(admin_client, funded_usd_wallet):
    PayoutFactory(wallet=funded_usd_wallet, amount=1_000)

    row = admin_page(admin_client.get("/admin/wallets/wallet/")).row_for(funded_usd_wallet.public_id)

    assert (row["available"].text, row["pending"].text) == ("90.00 USD", "10.00 USD")


def test_wallet_page_links_to_its_ledger_accounts_and_statements(admin_client, funded_usd_wallet):
    response = admin_client.get(wallet_page(funded_usd_wallet))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"/admin/ledger/account/{funded_usd_wallet.available_account_id}/change/" in page
    assert f"/admin/ledger/account/{funded_usd_wallet.available_account_id}/statement/" in page
    assert funded_usd_wallet.available_account.code in page
    fields = admin_page(response).fields
    for part, account in [
        ("available", funded_usd_wallet.available_account),
        ("pending", funded_usd_wallet.pending_account),
        ("owed", funded_usd_wallet.owed_account),  # created with the wallet
    ]:
        shown = fields[f"{part}_account_link"]
        assert shown.text == f"{account.code} ( statement )"
        assert shown.links == [
            f"/admin/ledger/account/{account.pk}/change/",
            f"/admin/ledger/account/{account.pk}/statement/",
        ]
    assert fields["statement_lines_link"].links == [
        f"/admin/wallets/balancetransaction/?wallet__id__exact={funded_usd_wallet.pk}"
    ]


def test_wallet_page_lists_its_statement_lines_newest_first_in_money(admin_client, funded_usd_wallet, transfer):
    fields_and_rows = admin_page(admin_client.get(wallet_page(funded_usd_wallet)))

    lines = fields_and_rows.rows["balance_transactions"]
    assert [
        (line["type"].text, line["amount_display"].text, line["balance_after_display"].text, line["source_link"].text)
        for line in lines
    ] == [
        ("Transfer Out", "-2.50 USD", "97.50 USD", transfer.public_id),
        ("Adjustment", "100.00 USD", "100.00 USD", BalanceTransaction.objects.earliest("pk").source),
    ]
    assert lines[0]["source_link"].links == [f"/admin/go/{transfer.public_id}"]
    assert (fields_and_rows.fields["available"].text, fields_and_rows.fields["pending"].text) == (
        "97.50 USD",
        "0.00 USD",
    )


def test_wallets_are_searchable_by_owner_email(admin_client, funded_usd_wallet, other_user_wallet):
    response = admin_client.get("/admin/wallets/wallet/", {"q": funded_usd_wallet.user.email})
    page = response.content.decode()

    assert funded_usd_wallet.public_id in page
    assert other_user_wallet.public_id not in page
    assert [row["public_id"].text for row in admin_page(response).list_rows()] == [funded_usd_wallet.public_id]


def test_transfers_are_read_only_and_searchable_by_id_and_email(
    admin_client, funded_usd_wallet, other_user_wallet, transfer
):
    assert (
        transfer.public_id in admin_client.get("/admin/wallets/transfer/", {"q": transfer.public_id}).content.decode()
    )
    by_email = admin_client.get("/admin/wallets/transfer/", {"q": other_user_wallet.user.email})
    assert transfer.public_id in by_email.content.decode()
    row = admin_page(by_email).row_for(transfer.public_id)
    assert (row["sender"].text, row["recipient"].text, row["amount_display"].text, row["status"].text) == (
        funded_usd_wallet.user.email,
        other_user_wallet.user.email,
        "2.50 USD",
        "Succeeded",
    )
    assert admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/change/").status_code == 200
    assert admin_client.get("/admin/wallets/transfer/add/").status_code == 403
    assert admin_client.post(f"/admin/wallets/transfer/{transfer.pk}/delete/").status_code == 403


def test_transfer_page_links_both_wallets_both_parties_its_entry_and_its_statement_lines(
    admin_client, funded_usd_wallet, other_user_wallet, transfer
):
    fields = admin_page(admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/change/")).fields

    assert (fields["amount_display"].text, fields["status"].text) == ("2.50 USD", "Succeeded")
    assert fields["source_wallet_link"].links == [wallet_page(funded_usd_wallet)]
    assert fields["destination_wallet_link"].links == [wallet_page(other_user_wallet)]
    assert (fields["sender_link"].text, fields["sender_link"].links) == (
        funded_usd_wallet.user.email,
        [user_page(funded_usd_wallet.user)],
    )
    assert (fields["recipient_link"].text, fields["recipient_link"].links) == (
        other_user_wallet.user.email,
        [user_page(other_user_wallet.user)],
    )
    assert fields["entries"].text == f"{transfer.entry.public_id} (transfer)"
    assert fields["entries"].links == [f"/admin/ledger/journalentry/{transfer.entry_id}/change/"]
    out_line, in_line = BalanceTransaction.objects.filter(source=transfer.public_id).order_by("pk")
    assert fields["statement_lines"].text == (
        f"{out_line.public_id} transfer_out -2.50 USD on {funded_usd_wallet.public_id} "
        f"{in_line.public_id} transfer_in 2.50 USD on {other_user_wallet.public_id}"
    )
    assert fields["statement_lines"].links == [
        f"/admin/wallets/balancetransaction/{out_line.pk}/change/",
        f"/admin/wallets/balancetransaction/{in_line.pk}/change/",
    ]
    assert fields["review_link"].text == "-"


def test_transfer_page_offers_the_reversal_while_the_transfer_can_be_reversed(admin_client, transfer):
    page = admin_page(admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/change/"))

    assert f"/admin/wallets/transfer/{transfer.pk}/reverse/" in page.links


def test_transfer_page_no_longer_offers_the_reversal_once_reversed(admin_client, transfer):
    transfer_reverse(transfer=transfer, actor=UserFactory(is_staff=True, is_superuser=True))

    page = admin_page(admin_client.get(f"/admin/wallets/transfer/{transfer.pk}/change/"))

    assert f"/admin/wallets/transfer/{transfer.pk}/reverse/" not in page.links
    assert page.fields["status"].text == "Reversed"


def test_payouts_are_read_only_and_searchable(admin_client, funded_usd_wallet):
    payout = PayoutFactory(wallet=funded_usd_wallet, amount=5, account_number="000123456789")

    listed = admin_client.get("/admin/wallets/payout/", {"q": funded_usd_wallet.user.email})
    assert payout.public_id in listed.content.decode()
    row = admin_page(listed).row_for(payout.public_id)
    assert (row["user"].text, row["amount_display"].text, row["status"].text, row["failure_code"].text) == (
        funded_usd_wallet.user.email,
        "0.05 USD",
        "Pending",
        "-",
    )
    detail = admin_client.get(f"/admin/wallets/payout/{payout.pk}/change/").content.decode()
    assert "6789" in detail
    assert "000123456789" not in detail
    assert admin_client.get("/admin/wallets/payout/add/").status_code == 403


def test_payout_page_shows_the_last_four_digits_and_links_its_wallet_owner_and_entry(admin_client, funded_usd_wallet):
    payout = PayoutFactory(wallet=funded_usd_wallet, amount=1_000)

    fields = admin_page(admin_client.get(f"/admin/wallets/payout/{payout.pk}/change/")).fields

    assert (fields["amount_display"].text, fields["account_last4"].text, fields["routing_number"].text) == (
        "10.00 USD",
        "6789",
        "110000000",
    )
    assert fields["wallet_link"].links == [wallet_page(funded_usd_wallet)]
    assert fields["user_link"].links == [user_page(funded_usd_wallet.user)]
    assert (fields["entry_link"].text, fields["entry_link"].links) == (
        payout.entry.public_id,
        [f"/admin/ledger/journalentry/{payout.entry_id}/change/"],
    )
    assert fields["settlement_entry_link"].text == "-"


def test_statement_lines_export_writes_the_filtered_lines_in_minor_units_and_money(
    admin_client, funded_usd_wallet, transfer
):
    response = admin_client.get(
        "/admin/wallets/balancetransaction/export.csv", {"wallet__id__exact": funded_usd_wallet.pk}
    )

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "line",
        "wallet",
        "type",
        "source",
        "currency",
        "amount_minor",
        "amount",
        "balance_after_minor",
        "description",
        "created",
    ]
    assert [row[1:8] for row in rows[1:]] == [
        [funded_usd_wallet.public_id, "transfer_out", transfer.public_id, "usd", "-250", "-2.50", "9750"],
        [
            funded_usd_wallet.public_id,
            "adjustment",
            BalanceTransaction.objects.earliest("pk").source,
            "usd",
            "10000",
            "100.00",
            "10000",
        ],
    ]


def test_wallets_cannot_be_added_or_deleted_in_the_admin(admin_client, funded_usd_wallet):
    assert admin_client.get("/admin/wallets/wallet/add/").status_code == 403
    assert admin_client.post(f"/admin/wallets/wallet/{funded_usd_wallet.pk}/delete/").status_code == 403
