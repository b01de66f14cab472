"""Radar's default rules: block the highest risk level, review the elevated one, honour the lists."""

from django.db import migrations

DEFAULT_RULES = [
    # (name, expression, reason, position)
    ("allow-allowlisted-card", "allow if :card_fingerprint: in @allowed_cards", "", 10),
    ("allow-allowlisted-email", "allow if :email: in @allowed_emails", "", 20),
    ("block-blocklisted-card", "block if :card_fingerprint: in @blocked_cards", "blocklist", 10),
    ("block-blocklisted-email", "block if :email: in @blocked_emails", "blocklist", 20),
    ("block-blocklisted-email-domain", "block if :email_domain: in @blocked_email_domains", "blocklist", 30),
    ("block-blocklisted-ip", "block if :ip: in @blocked_ips", "blocklist", 40),
    (
        "block-blocklisted-country",
        "block if :card_country: in @blocked_countries or :ip_country: in @blocked_countries",
        "blocklist",
        50,
    ),
    ("block-highest-risk", "block if :risk_level: = 'highest'", "highest_risk_level", 100),
    ("review-elevated-risk", "review if :risk_level: = 'elevated'", "elevated_risk_level", 100),
]


def create_rules(apps, schema_editor):
    Rule = apps.get_model("fraud", "Rule")
    for name, expression, reason, position in DEFAULT_RULES:
        action = expression.split(" ", 1)[0]
        Rule.objects.get_or_create(
            name=name,
            defaults={"expression": expression, "action": action, "reason": reason, "position": position},
        )


def delete_rules(apps, schema_editor):
    apps.get_model("fraud", "Rule").objects.filter(name__in=[row[0] for row in DEFAULT_RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("fraud", "0001_initial")]

    operations = [migrations.RunPython(create_rules, delete_rules)]
