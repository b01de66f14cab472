"""Defence in depth on PostgreSQL: the database itself refuses to corrupt the books.

- A deferred constraint trigger rejects, at commit, an entry whose postings do not sum to zero
  per currency, an entry with fewer than two postings, and a posting whose currency is not its
  account's currency.
- Triggers reject UPDATE and DELETE of postings and journal entries (append-only; a mistake is
  corrected by a reversing entry). TRUNCATE is deliberately left to operators: it is a whole-table
  reset, and the test suite's flush uses it.
- The CHECK that keeps non-overdraft accounts at or above zero is a model constraint (0001).

All raise SQLSTATE 23000 (integrity_constraint_violation), which Django surfaces as IntegrityError.
PostgreSQL is the only database the project runs on, so these guards always exist.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION ledger_posting_check_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad_currency text;
BEGIN
    SELECT p.currency INTO bad_currency
      FROM ledger_posting p
     WHERE p.entry_id = NEW.entry_id
     GROUP BY p.currency
    HAVING sum(p.amount) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger: journal entry % does not sum to zero in %', NEW.entry_id, bad_currency
            USING ERRCODE = '23000';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.id = NEW.account_id AND a.currency = NEW.currency) THEN
        RAISE EXCEPTION 'ledger: posting % currency % differs from its account''s', NEW.id, NEW.currency
            USING ERRCODE = '23000';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_posting_entry_balanced
    AFTER INSERT ON ledger_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_posting_check_entry();

CREATE FUNCTION ledger_entry_check_postings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_posting p WHERE p.entry_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger: journal entry % has fewer than two postings', NEW.id
            USING ERRCODE = '23000';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entry_has_postings
    AFTER INSERT ON ledger_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entry_check_postings();

CREATE FUNCTION ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on % is not allowed; the books are append-only (post a reversal)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = '23000';
END
$$;

CREATE TRIGGER ledger_posting_append_only
    BEFORE UPDATE OR DELETE ON ledger_posting
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();

CREATE TRIGGER ledger_journalentry_append_only
    BEFORE UPDATE OR DELETE ON ledger_journalentry
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS ledger_journalentry_append_only ON ledger_journalentry;
DROP TRIGGER IF EXISTS ledger_posting_append_only ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_reject_change();
DROP TRIGGER IF EXISTS ledger_entry_has_postings ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_entry_check_postings();
DROP TRIGGER IF EXISTS ledger_posting_entry_balanced ON ledger_posting;
DROP FUNCTION IF EXISTS ledger_posting_check_entry();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_system_accounts")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
