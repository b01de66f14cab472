"""scripts/restore_drill.sh: dump, restore into a fresh database, reconcile the restored books, drop the copy.

Transactional: pg_dump only sees committed rows.
"""

import os
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from ledger.models import Account
from payments_platform import devstack
from tests.operations.processes import ROOT, child_environment, current_database_url
from wallets.services import transfer_create
from wallets.tests.factories import WalletFactory

pytestmark = pytest.mark.django_db(transaction=True)

DRILL_DATABASE_PREFIX = "test_pp_restore_drill"


@pytest.fixture
def drill_database():
    """A name no other run uses, so a copy left on a shared server by a killed run cannot collide."""
    return f"{DRILL_DATABASE_PREFIX}_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def books(user, other_user):
    sender = WalletFactory(user=user, currency="usd", balance=10_000)
    recipient = WalletFactory(user=other_user, currency="usd")
    transfer_create(user=user, source_wallet=sender.public_id, destination_wallet=recipient.public_id, amount=2_500)
    return sender


def drill(drill_database: str) -> subprocess.CompletedProcess:
    env = child_environment(DRILL_DATABASE=drill_database)
    # Against the embedded PostgreSQL 18 of `make test`, its own client tools: an older pg_dump
    # refuses a newer server. Against an older server, the tools on PATH (pg_restore 18 writes
    # settings, such as transaction_timeout, that an older server rejects).
    connection.ensure_connection()
    if connection.pg_version >= 180000:
        env["PATH"] = f"{devstack.postgres_bin('pg_dump').parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(ROOT / "scripts/restore_drill.sh")], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def server_execute(sql: str, params: list | None = None):
    server = current_database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute(sql, params).fetchone() if params else conn.execute(sql)


def drill_database_exists(name: str) -> bool:
    return server_execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]) is not None


def test_the_drill_restores_the_books_reconciles_them_and_drops_the_copy(books, drill_database):
    result = drill(drill_database)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore drill passed" in result.stdout
    assert "Ledger is consistent." in result.stdout
    [source] = [line for line in result.stdout.splitlines() if line.startswith("source:")]
    [restored] = [line for line in result.stdout.splitlines() if line.startswith("restored:")]
    assert source.removeprefix("source:").strip() == restored.removeprefix("restored:").strip()
    assert not drill_database_exists(drill_database)


def test_the_drill_fails_when_the_restored_books_do_not_reconcile(books, drill_database):
    Account.objects.filter(pk=books.available_account_id).update(balance=1)

    result = drill(drill_database)

    assert result.returncode == 1
    assert "reconcile_ledger found discrepancies in the restored copy" in result.stderr
    assert not drill_database_exists(drill_database)


def test_the_drill_refuses_a_database_that_already_exists_and_leaves_it_alone(books, drill_database):
    server_execute(f'CREATE DATABASE "{drill_database}"')
    try:
        result = drill(drill_database)

        assert result.returncode != 0
        assert "already exists" in result.stderr
        assert drill_database_exists(drill_database)
    finally:
        server_execute(f'DROP DATABASE IF EXISTS "{drill_database}"')
