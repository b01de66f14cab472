"""`migrate` only when a migration is pending (`make run`'s `serve`): `python -m payments_platform.devstack migrate`.

`manage.py migrate` sets the whole of Django up before it finds that nothing is to be done, and
on a second `make run` nothing usually is. This compares the migration files of every installed
app with the rows of `django_migrations`, reading the settings module and the database but not
setting Django up. When every file is recorded as applied, `migrate` is skipped; otherwise (a
file not recorded, no table yet, a database or settings that cannot be read) `manage.py
migrate` runs as before. The comparison can only err towards running `migrate`: a file it cannot
match (an app label other than the module's last name, a squashed migration recorded under the
names it replaces) counts as pending.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from payments_platform.devstack.base import ROOT, log

# Django's own connection options, which psycopg does not know.
_DJANGO_ONLY_OPTIONS = ("isolation_level", "assume_role", "server_side_binding", "pool")


def _migration_files(settings) -> set[tuple[str, str]] | None:
    """(app label, migration name) of every migration file on disk; None when an app cannot be found."""
    overrides = getattr(settings, "MIGRATION_MODULES", {}) or {}
    files = set()
    for entry in settings.INSTALLED_APPS:
        label = entry.rpartition(".")[2]
        module = overrides.get(label, f"{entry}.migrations")
        if module is None:
            continue  # MIGRATION_MODULES = {label: None}: the app is not migrated
        package, _, leaf = module.rpartition(".")
        try:
            spec = importlib.util.find_spec(package)  # imports only the packages above the app's
        except (ImportError, ValueError):
            return None
        if spec is None or not spec.submodule_search_locations:
            return None
        folder = Path(spec.submodule_search_locations[0]) / leaf
        if not (folder / "__init__.py").exists():
            continue  # an app without migrations
        files |= {(label, path.stem) for path in folder.glob("*.py") if not path.name.startswith(("_", "~"))}
    return files


def _recorded(settings) -> set[tuple[str, str]] | None:
    """The migrations `django_migrations` records as applied; None when the table does not exist."""
    import psycopg

    database = settings.DATABASES["default"]
    options = {key: value for key, value in database.get("OPTIONS", {}).items() if key not in _DJANGO_ONLY_OPTIONS}
    params = {"dbname": database["NAME"], "user": database.get("USER"), "password": database.get("PASSWORD")}
    params |= {"host": database.get("HOST"), "port": database.get("PORT")}
    params = {key: value for key, value in params.items() if value not in (None, "")}
    with psycopg.connect(**params, **options, autocommit=True) as connection:
        if connection.execute("SELECT to_regclass('django_migrations')").fetchone()[0] is None:
            return None
        return {(app, name) for app, name in connection.execute("SELECT app, name FROM django_migrations")}


def pending_migrations() -> list[str] | None:
    """The migrations on disk that the database does not record as applied; None when that is unknown."""
    sys.path.insert(0, str(ROOT))
    try:
        settings = importlib.import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "payments_platform.settings"))
        on_disk = _migration_files(settings)
        recorded = _recorded(settings) if on_disk is not None else None
    except Exception as error:  # noqa: BLE001 - any doubt: `migrate` runs and says what is wrong
        log(f"could not compare the migrations with the database ({type(error).__name__}: {error})")
        return None
    if on_disk is None or recorded is None:
        return None
    return sorted(f"{app}.{name}" for app, name in on_disk - recorded)


def migrate() -> int:
    """Run `manage.py migrate --noinput` unless every migration is recorded as applied."""
    pending = pending_migrations()
    if pending == []:
        print("Migrations: every migration is applied; `manage.py migrate` skipped.", flush=True)
        return 0
    if pending:
        print(f"Migrations: {len(pending)} to apply; running `manage.py migrate`.", flush=True)
    argv = [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput"]
    os.execv(sys.executable, argv)  # noqa: S606 - this interpreter and the project's manage.py
