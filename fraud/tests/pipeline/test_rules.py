"""The rule language: parsing (valid and hostile input), error positions, and evaluation."""

import pytest

from fraud.pipeline.rules import (
    MAX_DEPTH,
    MAX_RULE_LENGTH,
    Attribute,
    BoolOp,
    Compare,
    Literal,
    Membership,
    RuleSyntaxError,
    matches,
    parse_rule,
    tokenize,
)


def no_lists(name, value):
    return False


def evaluate(source: str, signals: dict, in_list=no_lists) -> bool:
    return matches(parse_rule(source), signals, in_list)


def test_a_comparison_parses_to_its_action_and_ast():
    rule = parse_rule("block if :risk_score: >= 75")
    assert rule.action == "block"
    assert rule.condition == Compare(">=", Attribute("risk_score"), Literal(75))


def test_and_binds_tighter_than_or():
    rule = parse_rule("review if :a: = 1 or :b: = 2 and :c: = 3")
    assert isinstance(rule.condition, BoolOp) and rule.condition.op == "or"
    assert rule.condition.operands[1].op == "and"


def test_keywords_are_case_insensitive():
    assert parse_rule("BLOCK IF :amount_usd: > 10 AND NOT :allowlisted:").action == "block"


def test_a_list_membership_parses_with_its_list_name():
    rule = parse_rule("block if :card_fingerprint: in @blocked_cards")
    assert rule.condition.collection.name == "blocked_cards"
    assert rule.lists() == {"blocked_cards"}


def test_not_in_a_literal_collection_parses_negated():
    rule = parse_rule("review if :card_country: not in ('us', 'gb')")
    assert isinstance(rule.condition, Membership) and rule.condition.negated


def test_the_issue_examples_parse():
    for source in (
        "block if :risk_score: >= 75",
        "review if :amount_usd: > 5000 and :account_age_days: < 1",
        "block if :card_fingerprint: in @blocked_cards",
    ):
        assert parse_rule(source).source == source


@pytest.mark.parametrize(
    ("source", "position"),
    [
        ("", 0),
        ("deny if :a: > 1", 0),
        ("block :a: > 1", 6),
        ("block if :a: >", 14),
        ("block if :a: > 1 and", 20),
        ("block if (:a: > 1", 17),
        ("block if :a: > 1)", 16),
        ("block if :a: ~ 1", 13),
        ("block if :a: in @nope", 16),
        ("block if :a: = 'unterminated", 15),
        ("block if amount > 1", 9),
        ("block if :a: in ()", 17),
    ],
)
def test_a_malformed_rule_is_rejected_with_the_position_of_the_error(source, position):
    with pytest.raises(RuleSyntaxError) as raised:
        parse_rule(source)
    assert raised.value.position == position


@pytest.mark.parametrize(
    "source",
    [
        "block if __import__('os').system('rm -rf /')",
        "block if :a:.__class__",
        "block if exec(:a:)",
        "block if :a: = 1; drop table fraud_rule",
        "block if `id`",
        "block if :a: = {1}",
        "block if lambda: 1",
    ],
)
def test_hostile_input_is_a_syntax_error_never_code(source):
    with pytest.raises(RuleSyntaxError):
        parse_rule(source)


def test_deep_nesting_is_refused_without_exhausting_the_stack():
    source = "block if " + "(" * (MAX_DEPTH + 5) + ":a:" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(RuleSyntaxError, match="nested"):
        parse_rule(source)


def test_a_long_chain_of_nots_is_refused():
    with pytest.raises(RuleSyntaxError, match="nested"):
        parse_rule("block if " + "not " * 100 + ":a:")


def test_an_overlong_rule_is_refused():
    with pytest.raises(RuleSyntaxError) as raised:
        parse_rule("block if " + " or ".join([":a: = 1"] * 200))
    assert raised.value.position == MAX_RULE_LENGTH


def test_tokenize_ends_with_an_end_token_at_the_length():
    tokens = tokenize("allow if :a:")
    assert tokens[-1].kind == "END" and tokens[-1].position == len("allow if :a:")


def test_numeric_comparisons_evaluate():
    assert evaluate("block if :risk_score: >= 75", {"risk_score": 75})
    assert not evaluate("block if :risk_score: >= 75", {"risk_score": 74})
    assert evaluate(
        "review if :amount_usd: > 5000 and :account_age_days: < 1", {"amount_usd": 5000.01, "account_age_days": 0.5}
    )


def test_string_equality_ignores_case():
    assert evaluate("block if :risk_level: = 'highest'", {"risk_level": "HIGHEST"})


def test_a_missing_signal_never_matches_a_comparison():
    assert not evaluate("block if :risk_score: >= 0", {})
    assert not evaluate("block if :risk_score: != 5", {"risk_score": None})


def test_a_type_mismatch_is_false_not_an_error():
    assert not evaluate("block if :amount_usd: > 'abc'", {"amount_usd": 10})
    assert not evaluate("block if :flag: > 1", {"flag": True})


def test_a_bare_attribute_is_true_when_the_signal_is_truthy():
    assert evaluate("review if :card_ip_country_mismatch:", {"card_ip_country_mismatch": True})
    assert not evaluate("review if :card_ip_country_mismatch:", {"card_ip_country_mismatch": False})


def test_membership_in_a_list_asks_the_lookup():
    asked = []

    def in_list(name, value):
        asked.append((name, value))
        return value == "fp_bad"

    assert evaluate("block if :card_fingerprint: in @blocked_cards", {"card_fingerprint": "fp_bad"}, in_list)
    assert asked == [("blocked_cards", "fp_bad")]


def test_membership_in_a_literal_collection():
    assert evaluate("block if :card_country: in ('ng', 'ru')", {"card_country": "NG"})
    assert evaluate("block if :card_country: not in ('us')", {"card_country": "fr"})
    assert not evaluate("block if :card_country: not in ('us')", {})


def test_an_unknown_list_is_reported_before_a_later_syntax_error():
    with pytest.raises(RuleSyntaxError, match="Unknown list @nope") as raised:
        parse_rule("block if :a: in @nope ==")
    assert raised.value.position == 16


def test_a_not_after_an_operand_without_in_is_the_error():
    with pytest.raises(RuleSyntaxError) as raised:
        parse_rule("block if :a: not :b:")
    assert raised.value.position == 13


def test_a_word_that_begins_with_a_keyword_is_an_unknown_word():
    with pytest.raises(RuleSyntaxError, match="Unknown word 'andy'") as raised:
        parse_rule("block if :a: = 1 andy :b:")
    assert raised.value.position == 17
