"""Finance pages of the ledger admin: period statements with opening and closing balances, streamed
CSV of what a list shows, date-range filters, and the one link helper."""

import datetime as dt

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from accounts.tests.second_factor import force_login_verified
from ledger.models import JournalEntry, Posting
from ledger.selectors import account_period_statement
from ledger.services import credit, debit, post_entry
from ledger.tests.support import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    force_login_verified(client, UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def history(wallet_account, other_wallet_account):
    """10,000 in three days ago, 2,500 out today, seen from `wallet_account`."""
    fund(wallet_account, 10_000)
    post_entry(
        lines=[debit(wallet_account, 2_500), credit(other_wallet_account, 2_500)], kind="transfer", reference="tr_x"
    )
    first = Posting.objects.filter(account=wallet_account).order_by("pk").first()
    backdate(first.entry_id, days=3)
    return wallet_account


def backdate(entry_id: int, *, days: int) -> None:
    """Move an entry and its postings `days` into the past, behind the append-only triggers (test setup only)."""
    moment = timezone.now() - dt.timedelta(days=days)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("UPDATE ledger_posting SET created = %s WHERE entry_id = %s", [moment, entry_id])
            cursor.execute("UPDATE ledger_journalentry SET created = %s WHERE id = %s", [moment, entry_id])
        finally:
            cursor.execute("SET session_replication_role = origin")


def _day(offset: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=offset), dt.time.min))


def test_a_period_statement_opens_with_the_balance_before_it_and_closes_with_the_last_line(history):
    statement = account_period_statement(account=history, start=_day(-1), end=_day(1))

    assert (statement.opening_balance, statement.closing_balance) == (10_000, 7_500)
    assert (statement.debits, statement.credits) == (2_500, 0)
    assert [posting.amount for posting in statement.postings] == [2_500]


def test_a_period_before_any_posting_opens_and_closes_at_zero(history):
    statement = account_period_statement(account=history, start=_day(-10), end=_day(-5))

    assert (statement.opening_balance, statement.closing_balance, statement.postings) == (0, 0, [])


def test_the_statement_page_has_debit_and_credit_columns_and_both_balances(admin_client, history):
    start, end = (timezone.localdate() - dt.timedelta(days=1)).isoformat(), timezone.localdate().isoformat()

    page = admin_client.get(f"/admin/ledger/account/{history.pk}/statement/", {"start": start, "end": end})

    content = page.content.decode()
    assert '<th class="num">debit</th><th class="num">credit</th>' in content
    assert "opening balance" in content and "100.00 USD" in content
    assert "closing balance" in content and "75.00 USD" in content


def test_the_postings_csv_streams_the_rows_the_list_shows(admin_client, history, other_wallet_account):
    response = admin_client.get("/admin/ledger/posting/export.csv", {"account__id__exact": history.pk})

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("posting,entry,account,currency,debit_minor,credit_minor,debit,credit")
    assert len(rows) == 3  # the header and the wallet's two postings, not the other wallet's
    assert all(history.code in row for row in rows[1:])
    assert any(",2500,,25.00,," in row for row in rows)


def test_the_entries_csv_follows_the_date_range_filter(admin_client, history):
    since = timezone.localdate().isoformat()

    response = admin_client.get("/admin/ledger/journalentry/export.csv", {"created__range__gte": since})

    rows = b"".join(response.streaming_content).decode().splitlines()
    assert [row.split(",")[1] for row in rows[1:]] == ["transfer"]


def test_the_list_offers_the_csv_of_what_it_shows(admin_client, history):
    page = admin_client.get("/admin/ledger/posting/", {"account__id__exact": history.pk}).content.decode()

    assert f'href="export.csv?account__id__exact={history.pk}"' in page


def test_an_entry_links_to_its_source_object_through_the_one_link_helper(admin_client, history):
    entry = JournalEntry.objects.get(reference="tr_x")

    page = admin_client.get(f"/admin/ledger/journalentry/{entry.pk}/change/").content.decode()

    assert 'href="/admin/go/tr_x"' in page


def test_the_link_helper_redirects_a_public_id_to_its_admin_page(admin_client, history):
    entry = JournalEntry.objects.get(reference="tr_x")

    response = admin_client.get(f"/admin/go/{entry.public_id}")

    assert response.status_code == 302
    assert response["Location"] == f"/admin/ledger/journalentry/{entry.pk}/change/"


def test_the_link_helper_answers_404_for_an_unknown_id(admin_client):
    assert admin_client.get("/admin/go/tr_doesnotexist").status_code == 404


def test_the_link_helper_is_for_staff_only(client, history):
    entry = JournalEntry.objects.get(reference="tr_x")

    response = client.get(f"/admin/go/{entry.public_id}")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_times_show_their_time_zone(admin_client, history):
    page = admin_client.get("/admin/ledger/journalentry/").content.decode()

    assert " UTC" in page


def test_a_csv_export_with_an_invalid_filter_is_refused_with_a_reason(admin_client, history):
    response = admin_client.get("/admin/ledger/posting/export.csv", {"no_such_field": "1"})

    assert response.status_code == 400
    assert "filters are not valid" in response.content.decode()
