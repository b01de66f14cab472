#!/usr/bin/env bash
# Restore drill (docs/operations.md#backups): dump the database DATABASE_URL names (or $1) with
# pg_dump, restore the dump into a fresh database, run `manage.py reconcile_ledger` on the
# restored copy, compare the row counts of the books with the source, then drop the copy
# (KEEP_DRILL_DATABASE=1 keeps it). Exit 0 only when the restore is complete and the books
# reconcile. Prints the time of each step.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/payments scripts/restore_drill.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
SOURCE_URL="${1:-${DATABASE_URL:?set DATABASE_URL or pass the source database URL}}"
base="${SOURCE_URL%%\?*}"
source_db="${base##*/}"
server_url="${base%/*}"
DRILL_DB="${DRILL_DATABASE:-${source_db}_restore_drill_$(date +%Y%m%d%H%M%S)}"
DRILL_URL="$server_url/$DRILL_DB"
WORK="$(mktemp -d)"
DUMP="$WORK/$source_db.dump"
created=0  # the copy is dropped only if this run created it: never a database that was there before

now() { date +%s.%N; }
elapsed() { printf '%.2f' "$(echo "$(now) - $1" | bc)"; }
cleanup() {
    rm -rf "$WORK"
    if [[ "$created" == "1" && "${KEEP_DRILL_DATABASE:-0}" != "1" ]]; then
        psql "$server_url/postgres" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$DRILL_DB\"" > /dev/null
        echo "dropped $DRILL_DB"
    fi
}
trap cleanup EXIT

start=$(now)
pg_dump --format=custom --no-owner --no-privileges --file "$DUMP" "$SOURCE_URL"
echo "dump of $source_db: $(du -h "$DUMP" | cut -f1) in $(elapsed "$start") s"

start=$(now)
psql "$server_url/postgres" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$DRILL_DB\"" > /dev/null
created=1
pg_restore --no-owner --no-privileges --exit-on-error --dbname "$DRILL_URL" "$DUMP"
echo "restore into $DRILL_DB: $(elapsed "$start") s"

count_rows() {
    psql "$1" -tA -v ON_ERROR_STOP=1 -c "SELECT (SELECT count(*) FROM ledger_journalentry) || ' entries, '
        || (SELECT count(*) FROM ledger_posting) || ' postings, ' || (SELECT count(*) FROM ledger_account)
        || ' accounts, ' || (SELECT count(*) FROM wallets_wallet) || ' wallets, '
        || (SELECT count(*) FROM webhooks_event) || ' events'"
}
source_counts="$(count_rows "$SOURCE_URL")"
drill_counts="$(count_rows "$DRILL_URL")"
echo "source:   $source_counts"
echo "restored: $drill_counts"
if [[ "$source_counts" != "$drill_counts" ]]; then
    echo "restore drill FAILED: the restored copy does not hold what the source holds" >&2
    exit 1
fi

start=$(now)
if ! (cd "$ROOT" && DATABASE_URL="$DRILL_URL" DEBUG="${DEBUG:-true}" LOG_LEVEL=WARNING "$PYTHON" manage.py reconcile_ledger); then
    echo "restore drill FAILED: reconcile_ledger found discrepancies in the restored copy" >&2
    exit 1
fi
echo "reconcile_ledger on the restored copy: $(elapsed "$start") s"
echo "restore drill passed"
