"""Membership in the operator-edited allow and block lists, for the lists check and for rules."""

from __future__ import annotations

from collections.abc import Mapping

from fraud.models import ListEntry, normalize_list_value
from fraud.pipeline.rules import LIST_NAMES
from payments_platform.db import prepared_cursor

# Which signals are looked up on the lists of each kind.
KIND_SIGNALS = {
    ListEntry.Kind.CARD_FINGERPRINT: ("card_fingerprint",),
    ListEntry.Kind.EMAIL: ("email",),
    ListEntry.Kind.EMAIL_DOMAIN: ("email_domain",),
    ListEntry.Kind.IP: ("ip",),
    ListEntry.Kind.COUNTRY: ("card_country", "ip_country"),
}


def list_name(kind: str, action: str) -> str:
    for name, (list_kind, list_action) in LIST_NAMES.items():
        if list_kind == kind and list_action == action:
            return name
    raise KeyError((kind, action))


def _normalized(kind: str, value) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return normalize_list_value(kind=kind, value=value)
    except ValueError:
        return None


def candidates(signals: Mapping) -> dict[str, set[str]]:
    """The normalized values of these signals, per list kind."""
    found: dict[str, set[str]] = {}
    for kind, names in KIND_SIGNALS.items():
        values = {_normalized(kind, signals.get(name)) for name in names}
        values.discard(None)
        if values:
            found[kind] = values
    return found


# On every screened request: one statement text whatever the number of values, so PostgreSQL
# prepares it once per connection (payments_platform.db), and no ORM query to compile.
_LIST_HITS_SQL = "SELECT kind, list_action, value FROM fraud_listentry WHERE value = ANY(%s::varchar[])"


def list_hits(values_by_kind: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """{list name: [values on it]} for these values, looked up together on the indexed `value`."""
    every_value = set().union(*values_by_kind.values()) if values_by_kind else set()
    if not every_value:
        return {}
    hits: dict[str, list[str]] = {}
    with prepared_cursor() as cursor:
        cursor.execute(_LIST_HITS_SQL, [sorted(every_value)])
        rows = cursor.fetchall()
    for kind, action, value in rows:
        if value in values_by_kind.get(kind, ()):
            hits.setdefault(list_name(kind, action), []).append(value)
    return hits


class ListLookup:
    """Answers `value in @list` for rules: from the lists check's hits when it looked the value up,
    else from the database, once per distinct (list, value) in this assessment."""

    def __init__(self, signals: Mapping):
        self.known = candidates(signals) if "list_hits" in signals else {}
        self.hits = signals.get("list_hits") or {}
        self.cache: dict[tuple[str, str], bool] = {}

    def __call__(self, name: str, value) -> bool:
        kind, action = LIST_NAMES[name]
        normalized = _normalized(kind, value) if isinstance(value, str) else None
        if normalized is None:
            return False
        if normalized in self.known.get(kind, ()):
            return normalized in self.hits.get(name, ())
        key = (name, normalized)
        if key not in self.cache:
            self.cache[key] = ListEntry.objects.filter(kind=kind, list_action=action, value=normalized).exists()
        return self.cache[key]
