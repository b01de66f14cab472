"""Operators' edits of rules and list entries in the admin go through fraud.services and are audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from fraud.models import ListEntry, Rule
from fraud.pipeline.assessment import rules_enabled
from fraud.tests.factories import ListEntryFactory, RuleFactory

pytestmark = pytest.mark.django_db


def rule_form(**overrides) -> dict:
    return {"name": "big", "expression": "review if :amount_usd: > 5000", "reason": "", "position": 5} | {
        "enabled": "on",
        **overrides,
    }


def audited(action: str) -> AuditLogEntry:
    return AuditLogEntry.objects.get(action=action)


def test_adding_a_rule_in_the_admin_is_audited_with_the_operators_request(admin_client, admin_user):
    admin_client.post(reverse("admin:fraud_rule_add"), rule_form(), HTTP_X_REQUEST_ID="op-rule-1")

    entry = audited("fraud.rule.created")
    assert (entry.actor, entry.object_id, entry.request_id, entry.ip) == (admin_user, "big", "op-rule-1", "127.0.0.1")
    assert entry.details["expression"] == "review if :amount_usd: > 5000"


def test_changing_a_rule_in_the_admin_is_audited_with_what_changed(admin_client):
    rule = RuleFactory(name="big", expression="review if :amount_usd: > 5000", position=5)

    admin_client.post(
        reverse("admin:fraud_rule_change", args=[rule.pk]), rule_form(expression="block if :amount_usd: > 9000")
    )

    rule.refresh_from_db()
    assert (rule.expression, rule.action) == ("block if :amount_usd: > 9000", "block")
    assert audited("fraud.rule.updated").details == {
        "changed": {"expression": {"from": "review if :amount_usd: > 5000", "to": "block if :amount_usd: > 9000"}}
    }


def test_a_changed_rule_applies_at_once_in_the_process_that_saved_it(admin_client, settings):
    settings.FRAUD_RULES_CACHE_SECONDS = 60
    rule = RuleFactory(name="big", expression="review if :amount_usd: > 5000", position=5)
    assert ("big", "review if :amount_usd: > 5000", "") in rules_enabled()

    admin_client.post(reverse("admin:fraud_rule_change", args=[rule.pk]), rule_form(enabled=""))

    assert "big" not in [name for name, _expression, _reason in rules_enabled()]


def test_a_rule_edit_that_does_not_parse_changes_nothing_and_is_not_audited(admin_client):
    rule = RuleFactory(name="big", expression="review if :amount_usd: > 5000", position=5)

    response = admin_client.post(
        reverse("admin:fraud_rule_change", args=[rule.pk]), rule_form(expression="block if :amount_usd: >> 5")
    )

    assert "at position 23" in response.content.decode()
    rule.refresh_from_db()
    assert rule.expression == "review if :amount_usd: > 5000"
    assert not AuditLogEntry.objects.filter(action__startswith="fraud.rule").exists()


def test_switching_a_rule_off_in_the_list_is_audited(admin_client):
    rule = RuleFactory(name="big", expression="review if :amount_usd: > 5000", position=5)

    admin_client.post(
        reverse("admin:fraud_rule_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(rule.pk),
            "form-0-enabled": "",
            "_save": "Save",
        },
    )

    rule.refresh_from_db()
    assert rule.enabled is False
    assert audited("fraud.rule.updated").details == {"changed": {"enabled": {"from": True, "to": False}}}


def test_deleting_a_rule_in_the_admin_is_audited_with_its_expression(admin_client):
    rule = RuleFactory(name="big", expression="review if :amount_usd: > 5000")

    admin_client.post(reverse("admin:fraud_rule_delete", args=[rule.pk]), {"post": "yes"})

    assert not Rule.objects.filter(name="big").exists()
    entry = audited("fraud.rule.deleted")
    assert (entry.object_id, entry.details["expression"]) == ("big", "review if :amount_usd: > 5000")


def test_deleting_rules_in_bulk_audits_each(admin_client):
    rules = [RuleFactory(), RuleFactory()]

    admin_client.post(
        reverse("admin:fraud_rule_changelist"),
        {"action": "delete_selected", "_selected_action": [rule.pk for rule in rules], "post": "yes"},
    )

    assert not Rule.objects.filter(pk__in=[rule.pk for rule in rules]).exists()
    deleted = set(AuditLogEntry.objects.filter(action="fraud.rule.deleted").values_list("object_id", flat=True))
    assert deleted == {rule.name for rule in rules}


def test_adding_a_list_entry_in_the_admin_is_audited_and_names_its_creator(admin_client, admin_user):
    admin_client.post(
        reverse("admin:fraud_listentry_add"),
        {"kind": "email", "list_action": "block", "value": "fraud@example.com", "reason": "chargebacks"},
        HTTP_X_REQUEST_ID="op-list-1",
    )

    entry = ListEntry.objects.get()
    assert entry.created_by == admin_user
    audit = audited("fraud.list_entry.block")
    assert (audit.object_id, audit.request_id, audit.details) == (
        str(entry.pk),
        "op-list-1",
        {"kind": "email", "reason": "chargebacks"},
    )


def test_changing_a_list_entry_in_the_admin_is_audited_with_the_normalized_value(admin_client):
    entry = ListEntryFactory(kind="email", value="old@example.com")

    admin_client.post(
        reverse("admin:fraud_listentry_change", args=[entry.pk]),
        {"kind": "email", "list_action": "block", "value": " New@Example.COM ", "reason": ""},
    )

    entry.refresh_from_db()
    assert entry.value == "new@example.com"
    assert audited("fraud.list_entry.updated").details == {
        "changed": {"value": {"from": "old@example.com", "to": "new@example.com"}}
    }


def test_removing_a_list_entry_in_the_admin_is_audited_with_what_it_was(admin_client):
    entry = ListEntryFactory(value="fp_stolen")

    admin_client.post(reverse("admin:fraud_listentry_delete", args=[entry.pk]), {"post": "yes"})

    assert not ListEntry.objects.exists()
    assert audited("fraud.list_entry.removed").details == {
        "kind": "card_fingerprint",
        "list_action": "block",
        "value": "fp_stolen",
    }
