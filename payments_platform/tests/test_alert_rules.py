"""deploy/prometheus/alerts.yml: valid rules (`promtool check rules`) whose unit tests pass (`promtool test rules`).

promtool comes with Debian's `prometheus` package (`apt-get install -y prometheus`); without it
these tests skip and say so.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is not installed (apt-get install -y prometheus)"
)


def _promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=RULES, capture_output=True, text=True, check=False)


@needs_promtool
def test_the_alert_rules_pass_promtool_check_rules():
    result = _promtool("check", "rules", "alerts.yml")

    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_every_alert_rule_passes_its_promtool_unit_tests():
    result = _promtool("test", "rules", "alerts_test.yml")

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_rule_has_a_unit_test():
    rules = yaml.safe_load((RULES / "alerts.yml").read_text())
    tests = yaml.safe_load((RULES / "alerts_test.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"] if case["exp_alerts"]}

    assert alerts == tested
    assert len(alerts) == 8
