# Two commands after cloning: `make run` (serve) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

# Unset DATABASE_URL / REDIS_URL / NATS_URL: `run` and `test` start embedded servers
# (payments_platform/devstack/, data in .data/; docs/foundation.md). Set: those are used.
DEVSTACK := $(BIN)/python -m payments_platform.devstack

.PHONY: run serve clean-data test install install-dev lint format check-migrations importlint security audit ci clean superuser manage chaos chaos-fast load

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.6"

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact --group devstack

install-dev: $(UV)
	$(UV) sync --frozen --inexact --group ml --group devstack

run: install
	@$(DEVSTACK) run -- $(MAKE) --no-print-directory serve

# What `run` runs once the servers are up; it only reads the environment (the URLs included):
# migrate (skipped when every migration file is recorded as applied: payments_platform/devstack/
# migrations.py), collect static files (DEBUG off), then every process of the Procfile under honcho: the
# API (gunicorn), the webhook worker, the event relay and the scheduler. One Ctrl-C stops them all;
# when one exits, honcho stops the others and the run ends with its status (docs/operations.md#processes).
serve:
	@DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} $(DEVSTACK) migrate
	@# DEBUG on (the default here): WhiteNoise serves the apps' static files where they are, so the
	@# slow collectstatic (it hashes and compresses every file each time) runs with DEBUG off only.
	@if [ "$${DEBUG:-true}" != true ]; then HTTPS_ONLY=$${HTTPS_ONLY:-false} \
		$(BIN)/python manage.py collectstatic --noinput -v 0; fi
	@echo "Serving on http://127.0.0.1:$(PORT)  (API: /v1/, docs: /v1/docs, admin: /admin/)"
	@echo "Running: web (gunicorn), worker (webhooks), relay (NATS), scheduler (periodic jobs); Ctrl-C stops all"
	@echo "Create an admin login with: make superuser   (in another terminal)"
	@# honcho gives each process its own PORT (web $(PORT), worker +100, ...), so the URLs that
	@# point at the API (the simulated processor's notifications, the 3-D Secure page) are fixed here.
	DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} PATH="$(CURDIR)/$(BIN):$$PATH" \
		CONNECTOR_NOTIFICATION_BASE_URL=$${CONNECTOR_NOTIFICATION_BASE_URL:-http://127.0.0.1:$(PORT)} \
		THREE_D_SECURE_BASE_URL=$${THREE_D_SECURE_BASE_URL:-http://localhost:$(PORT)} \
		$(BIN)/honcho start -f Procfile -p $(PORT)

test: install-dev
	$(BIN)/pytest

clean-data: install
	$(DEVSTACK) clean

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install-dev
	DEBUG=true $(DEVSTACK) run -- $(BIN)/python manage.py makemigrations --check --dry-run

importlint: install-dev
	$(BIN)/lint-imports

# Bandit (high severity fails) and the security test suite; docs/security.md.
SECURITY_PATHS := accounts ledger wallets payments fraud webhooks payments_platform
security: install-dev
	$(BIN)/bandit -c pyproject.toml -r $(SECURITY_PATHS) -lll -q
	$(BIN)/pytest tests/security

# Dependency audit of the locked versions; needs a vulnerability service (network), so not in CI.
audit: install-dev
	$(UV) export --frozen --no-hashes --all-groups --no-emit-project > .audit-requirements.txt
	$(BIN)/pip-audit -r .audit-requirements.txt --no-deps --disable-pip --strict; status=$$?; rm -f .audit-requirements.txt; exit $$status

ci: test lint check-migrations importlint

# Fault scenarios and load on PRIVATE PostgreSQL/Redis/NATS/gunicorn instances the scripts start
# and stop themselves (never the shared services); docs/reliability.md.
chaos: install-dev
	$(BIN)/python scripts/chaos/run.py all

chaos-fast: install-dev
	$(BIN)/python scripts/chaos/run.py fast

LOAD_ARGS ?= --seconds 30 --clients 2,4,8
load: install-dev
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

superuser: install
	DEBUG=$${DEBUG:-true} $(DEVSTACK) run -- $(BIN)/python manage.py createsuperuser

# Any management command on the same servers as `make run` (embedded ones when the URLs are unset),
# beside a running `make run` or alone: make manage CMD="reconcile_ledger".
manage: install
	@test -n "$(CMD)" || { echo 'Usage: make manage CMD="reconcile_ledger"'; exit 2; }
	DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} $(DEVSTACK) run -- $(BIN)/python manage.py $(CMD)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
