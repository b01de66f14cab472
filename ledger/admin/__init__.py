"""The ledger's admin: the books (accounts, entries, postings) and the finance views (trial balance, statements)."""

from ledger.admin import books, finance  # noqa: F401 - registers the model admins
