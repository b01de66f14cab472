"""docker compose runs the processes of the Procfile (what `make run` starts), with one environment."""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = dict(re.match(r"(\w+):\s*(.+)", line).groups() for line in lines if line and not line.startswith("#"))
    return {name: shlex.split(command.removeprefix("exec ")) for name, command in entries.items()}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def image_command() -> list[str]:
    [cmd] = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    return yaml.safe_load(cmd.removeprefix("CMD "))


def test_compose_runs_every_procfile_process_with_the_same_command():
    services = compose()
    commands = {name: service.get("command", image_command()) for name, service in services.items()}

    assert commands["api"] == procfile()["web"]
    assert commands["webhook-worker"] == procfile()["worker"]
    assert commands["relay"] == procfile()["relay"]
    assert commands["scheduler"] == procfile()["scheduler"]


def test_every_app_process_in_compose_shares_one_environment():
    services = compose()
    environments = [services[name]["environment"] for name in ("api", "webhook-worker", "relay", "scheduler")]

    assert all(environment == environments[0] for environment in environments)
    assert environments[0]["PAYOUT_DELAY_SECONDS"] == "${PAYOUT_DELAY_SECONDS:-86400}"
