"""Each built-in check, through assess() with real Redis and PostgreSQL."""

import datetime as dt

import pytest
from django.utils import timezone

from fraud import conf
from fraud.services import allowlist_add, assess, blocklist_add, velocity_record


def signals_of(context) -> dict:
    return assess(context=context).signals


@pytest.mark.django_db
def test_lists_check_reports_a_blocked_card(make_context):
    blocklist_add(list_kind="card_fingerprint", value="fp_stolen")
    signals = signals_of(make_context(card_fingerprint="fp_stolen"))
    assert signals["blocklisted"] is True
    assert signals["list_hits"] == {"blocked_cards": ["fp_stolen"]}


@pytest.mark.django_db
def test_lists_check_reports_an_allowed_email_domain_case_insensitively(make_context, user):
    allowlist_add(list_kind="email_domain", value="@Example.COM")
    signals = signals_of(make_context(email="Someone@EXAMPLE.com"))
    assert signals["allowlisted"] is True
    assert signals["list_hits"] == {"allowed_email_domains": ["example.com"]}


@pytest.mark.django_db
def test_lists_check_matches_the_ip_country_on_the_country_list(make_context):
    blocklist_add(list_kind="country", value="NG")
    signals = signals_of(make_context(ip="203.0.113.7"))
    assert signals["ip_country"] == "ng"
    assert signals["list_hits"] == {"blocked_countries": ["ng"]}


@pytest.mark.django_db
def test_velocity_check_counts_earlier_attempts_of_user_card_and_ip(make_context):
    context = make_context(amount=10_000)
    for _ in range(3):
        velocity_record(context=context)
    signals = signals_of(context)
    assert signals["user_attempts_1m"] == 3
    assert signals["card_attempts_1h"] == 3
    assert signals["ip_attempts_24h"] == 3
    assert signals["user_amount_usd_24h"] == 300.0


@pytest.mark.django_db
def test_velocity_windows_forget_old_attempts(make_context):
    start = timezone.now()
    velocity_record(context=make_context(occurred_at=start))
    later = signals_of(make_context(occurred_at=start + dt.timedelta(minutes=2)))
    assert later["user_attempts_1m"] == 0
    assert later["user_attempts_1h"] == 1
    next_day = signals_of(make_context(occurred_at=start + dt.timedelta(hours=25)))
    assert next_day["user_attempts_24h"] == 0


@pytest.mark.django_db
def test_velocity_sums_are_in_us_dollars_by_the_rate_table(make_context):
    velocity_record(context=make_context(amount=10_000, currency="jpy"))
    assert signals_of(make_context())["user_amount_usd_1h"] == 67.0


@pytest.mark.django_db
def test_amount_anomaly_flags_an_amount_far_above_the_users_history(make_context):
    for amount in (2_000, 2_500, 3_000, 2_200):
        velocity_record(context=make_context(amount=amount))
    usual = signals_of(make_context(amount=2_400))
    unusual = signals_of(make_context(amount=500_000))
    assert usual["amount_anomaly"] is False
    assert unusual["amount_anomaly"] is True
    assert unusual["amount_over_user_max"] is True


@pytest.mark.django_db
def test_amount_anomaly_needs_some_history(make_context):
    velocity_record(context=make_context(amount=1_000))
    signals = signals_of(make_context(amount=900_000))
    assert signals["amount_zscore"] == 0.0
    assert signals["amount_anomaly"] is False


@pytest.mark.django_db
def test_new_account_with_large_amount(make_context):
    young = timezone.now() - dt.timedelta(hours=5)
    assert signals_of(make_context(account_created=young, amount=150_000))["new_account_large_amount"] is True
    assert signals_of(make_context(account_created=young, amount=5_000))["new_account_large_amount"] is False
    assert signals_of(make_context(amount=150_000))["new_account_large_amount"] is False


@pytest.mark.django_db
def test_card_country_differing_from_the_ip_country(make_context):
    assert signals_of(make_context(card_country="us", ip="198.51.100.4"))["card_ip_country_mismatch"] is True
    assert signals_of(make_context(card_country="gb", ip="198.51.100.4"))["card_ip_country_mismatch"] is False


@pytest.mark.django_db
def test_an_unknown_ip_country_is_no_mismatch(make_context):
    signals = signals_of(make_context(card_country="us", ip="10.9.8.7"))
    assert signals["ip_country"] is None
    assert signals["card_ip_country_mismatch"] is False


@pytest.mark.django_db
def test_many_distinct_cards_on_one_account(make_context):
    for fingerprint in ("fp_a", "fp_b"):
        velocity_record(context=make_context(card_fingerprint=fingerprint))
    signals = signals_of(make_context(card_fingerprint="fp_c"))
    assert signals["user_distinct_cards_24h"] == 3
    assert signals["many_cards_on_account"] is True
    again = signals_of(make_context(card_fingerprint="fp_a"))
    assert again["user_distinct_cards_24h"] == 2


@pytest.mark.django_db
def test_one_card_used_across_accounts(make_context, other_user):
    velocity_record(context=make_context(owner=other_user, card_fingerprint="fp_shared"))
    signals = signals_of(make_context(card_fingerprint="fp_shared"))
    assert signals["card_distinct_users_24h"] == 2
    assert signals["card_shared_across_accounts"] is True


@pytest.mark.django_db
def test_repeated_declines(make_context):
    for _ in range(3):
        velocity_record(context=make_context(), declined=True)
    signals = signals_of(make_context())
    assert signals["user_declines_1h"] == 3
    assert signals["repeated_declines"] is True


@pytest.mark.django_db
def test_declines_are_not_part_of_the_users_amount_history(make_context):
    velocity_record(context=make_context(), declined=True)
    assert signals_of(make_context())["user_history_count"] == 0


@pytest.mark.django_db
def test_test_card_4100000000000019_gets_the_highest_risk_floor(make_context):
    signals = signals_of(make_context(card_bin="410000", card_last4="0019"))
    assert signals["test_card"] == "fraudulent"
    assert signals["risk_score_floors"] == {"test_cards": 85}


@pytest.mark.django_db
def test_ml_score_uses_the_builtin_model_until_one_is_trained(make_context):
    signals = signals_of(make_context())
    assert signals["model_version"] == "builtin-1"
    assert 0 <= signals["ml_score"] < 65


@pytest.mark.django_db
def test_a_deployment_adds_its_own_check_through_settings(make_context, settings):
    settings.FRAUD_CHECKS = [*conf.checks(), "fraud.tests.custom_checks.vip_email"]
    assert signals_of(make_context(email="boss@vip.example"))["vip"] is True


@pytest.mark.django_db
def test_a_failing_custom_check_is_named_missing_and_the_assessment_completes(make_context, settings):
    settings.FRAUD_CHECKS = [*conf.checks(), "fraud.tests.custom_checks.broken"]
    assessment = assess(context=make_context())
    assert assessment.signals["missing"] == ["broken"]
    assert assessment.outcome_type == "authorized"
