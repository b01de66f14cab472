"""Outcomes, rule order, thresholds, the contract's test cards, and Redis down."""

import datetime as dt

import pytest
from django.utils import timezone

from fraud.pipeline import velocity
from fraud.services import allowlist_add, assess, blocklist_add, velocity_record
from fraud.tests.factories import RuleFactory


@pytest.mark.django_db
def test_an_ordinary_payment_is_authorized_at_normal_risk(make_context):
    assessment = assess(context=make_context())
    assert assessment.as_outcome() == {
        "type": "authorized",
        "risk_level": "normal",
        "risk_score": assessment.risk_score,
        "rules": [],
        "reason": None,
    }
    assert assessment.risk_score < 65


@pytest.mark.django_db
def test_test_card_4100000000000019_is_blocked_at_the_highest_risk_level(make_context):
    assessment = assess(context=make_context(card_bin="410000", card_last4="0019"))
    assert assessment.outcome_type == "blocked"
    assert assessment.risk_level == "highest"
    assert assessment.risk_score == 85
    assert assessment.rules == ["block-highest-risk"]
    assert assessment.reason == "highest_risk_level"


@pytest.mark.django_db
def test_test_card_4000000000009235_is_reviewed_at_the_elevated_risk_level(make_context):
    assessment = assess(context=make_context(card_bin="400000", card_last4="9235"))
    assert assessment.outcome_type == "manual_review"
    assert assessment.risk_level == "elevated"
    assert assessment.risk_score == 70
    assert assessment.rules == ["review-elevated-risk"]


@pytest.mark.django_db
def test_thresholds_elevated_from_65_and_highest_from_75(make_context, settings):
    from fraud.pipeline.assessment import risk_level_for

    assert [risk_level_for(score) for score in (64, 65, 74, 75, 99)] == [
        "normal",
        "elevated",
        "elevated",
        "highest",
        "highest",
    ]


@pytest.mark.django_db
def test_a_blocklisted_card_is_blocked_by_the_default_rule(make_context):
    blocklist_add(list_kind="card_fingerprint", value="fp_regular")
    assessment = assess(context=make_context())
    assert assessment.outcome_type == "blocked"
    assert assessment.rules == ["block-blocklisted-card"]
    assert assessment.reason == "blocklist"
    assert assessment.risk_level == "normal"


@pytest.mark.django_db
def test_allow_rules_win_over_block_rules(make_context):
    blocklist_add(list_kind="card_fingerprint", value="fp_regular")
    allowlist_add(list_kind="email", value="trusted@example.com")
    assessment = assess(context=make_context(email="trusted@example.com"))
    assert assessment.outcome_type == "authorized"
    assert assessment.rules == ["allow-allowlisted-email"]


@pytest.mark.django_db
def test_block_rules_win_over_review_rules(make_context):
    RuleFactory(name="review-all", expression="review if :amount: > 0", position=1)
    RuleFactory(name="block-big", expression="block if :amount: > 1000", position=999)
    assert assess(context=make_context(amount=5_000)).rules == ["block-big"]


@pytest.mark.django_db
def test_within_an_action_the_lower_position_matches_first(make_context):
    RuleFactory(name="second", expression="review if :amount: > 0", position=20)
    RuleFactory(name="first", expression="review if :amount: > 0", position=10)
    assert assess(context=make_context()).rules == ["first"]


@pytest.mark.django_db
def test_a_disabled_rule_does_not_match(make_context):
    RuleFactory(name="off", expression="block if :amount: > 0", enabled=False)
    assert assess(context=make_context()).outcome_type == "authorized"


@pytest.mark.django_db
def test_the_issue_example_rule_reviews_a_large_amount_from_a_day_old_account(make_context, settings):
    settings.FRAUD_CHECKS = ["fraud.checks.lists"]  # no score: only the rule can decide
    RuleFactory(name="big-new", expression="review if :amount_usd: > 5000 and :account_age_days: < 1")
    young = timezone.now() - dt.timedelta(hours=3)
    assert assess(context=make_context(account_created=young, amount=600_000)).rules == ["big-new"]
    assert assess(context=make_context(amount=600_000)).outcome_type == "authorized"


@pytest.mark.django_db
def test_a_rule_stored_without_validation_that_does_not_parse_is_skipped(make_context):
    RuleFactory(name="broken", expression="block if :amount: >", position=1)
    assert assess(context=make_context()).outcome_type == "authorized"


@pytest.mark.django_db
def test_a_rule_can_read_a_velocity_signal(make_context):
    RuleFactory(name="burst", expression="block if :user_attempts_1m: >= 5")
    context = make_context()
    for _ in range(5):
        velocity_record(context=context)
    assert assess(context=context).rules == ["burst"]


@pytest.mark.django_db
def test_assess_writes_nothing_to_the_database(make_context, django_assert_max_num_queries):
    with django_assert_max_num_queries(3) as captured:
        assess(context=make_context())
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in captured.captured_queries)


@pytest.mark.django_db
def test_an_unknown_currency_has_no_usd_amount_and_says_so(make_context):
    assessment = assess(context=make_context(currency="xof"))
    assert assessment.signals["amount_usd"] is None
    assert "amount_usd" in assessment.signals["missing"]


@pytest.mark.django_db
def test_with_redis_down_the_assessment_completes_and_names_the_missing_signals(make_context, redis_down):
    assessment = assess(context=make_context())
    assert assessment.outcome_type == "authorized"
    assert assessment.signals["missing"] == ["velocity"]
    assert "user_attempts_1m" not in assessment.signals
    assert "ml_score" in assessment.signals


@pytest.mark.django_db
def test_with_redis_down_the_test_cards_still_decide(make_context, redis_down):
    assert assess(context=make_context(card_bin="410000", card_last4="0019")).outcome_type == "blocked"


@pytest.mark.django_db
def test_with_redis_down_recording_velocity_is_a_no_op(make_context, redis_down, settings):
    context = make_context()
    assert velocity_record(context=context) is None

    settings.FRAUD_REDIS_URL = settings.REDIS_URL  # Redis is back: nothing was counted meanwhile
    velocity.reset_clients()
    snapshot = velocity.velocity_read(user_id=context.user_id, card_fingerprint=context.card_fingerprint, ip=context.ip)
    assert snapshot.counters["user_attempts_24h"] == 0
    assert snapshot.counters["card_attempts_24h"] == 0


@pytest.mark.django_db
def test_after_a_redis_failure_assessments_skip_redis_until_the_retry_delay(make_context, redis_down, settings):
    assess(context=make_context())
    client = velocity.CLIENTS[settings.FRAUD_REDIS_URL]
    assert client.down_until > 0
    with pytest.raises(velocity.VelocityUnavailable, match="recently"):
        velocity.velocity_client()
