# Two commands after cloning: `make run` (serve) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/payments
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run serve test install install-dev lint format check-migrations importlint security audit ci clean superuser chaos chaos-fast load

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.6"

install: $(UV)
	$(UV) sync --frozen --no-dev --inexact

install-dev: $(UV)
	$(UV) sync --frozen --inexact --group ml

run: install
	@$(MAKE) --no-print-directory serve

# Migrate, collect static files, then every process of the Procfile under honcho: the API (gunicorn),
# the webhook worker, the event relay and the scheduler. One Ctrl-C stops them all; when one exits,
# honcho stops the others and the run ends with its status (docs/operations.md#processes).
serve:
	@DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} $(BIN)/python manage.py migrate --noinput
	@DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} $(BIN)/python manage.py collectstatic --noinput -v 0
	@echo "Serving on http://127.0.0.1:$(PORT)  (API: /v1/, docs: /v1/docs, admin: /admin/)"
	@echo "Running: web (gunicorn), worker (webhooks), relay (NATS), scheduler (periodic jobs); Ctrl-C stops all"
	@echo "Create an admin login with: make superuser   (in another terminal)"
	DEBUG=$${DEBUG:-true} HTTPS_ONLY=$${HTTPS_ONLY:-false} PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/honcho start -f Procfile -p $(PORT)

test: install-dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install-dev
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

importlint: install-dev
	$(BIN)/lint-imports

# Bandit (high severity fails) and the security test suite; docs/security.md.
SECURITY_PATHS := accounts ledger wallets payments fraud webhooks payments_platform
security: install-dev
	$(BIN)/bandit -c pyproject.toml -r $(SECURITY_PATHS) -lll -q
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
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
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py createsuperuser

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache
