"""`reconcile_ledger`'s checks of the wallets' statements against the ledger (registered in
`WalletsConfig.ready`). Each is one set-based SQL statement, like the ledger's own checks.

A wallet's statement is its `BalanceTransaction` rows, one per posting on its available account:
- `statements_sum_to_balances`: a wallet's lines sum to its available account's balance;
- `wallet_postings_have_one_line`: every posting on a wallet's available account has exactly one line;
- `statement_lines_match_postings`: every line has its posting, on its wallet's available account,
  with the same amount (wallet view: -posting), currency and `balance_after`.
"""

from ledger.api import Check

CHECKS: tuple[Check, ...] = (
    Check(
        "statements_sum_to_balances",
        "every wallet's statement lines sum to its ledger account's balance",
        """
        SELECT w.public_id AS wallet, a.code AS account, a.balance AS ledger_balance,
               COALESCE(s.total, 0) AS statement_sum, COUNT(*) OVER () AS total
          FROM wallets_wallet w
          JOIN ledger_account a ON a.id = w.available_account_id
          LEFT JOIN (SELECT wallet_id, SUM(amount) AS total FROM wallets_balancetransaction GROUP BY wallet_id) s
            ON s.wallet_id = w.id
         WHERE a.balance <> COALESCE(s.total, 0)
         ORDER BY w.id
        """,
    ),
    Check(
        "wallet_postings_have_one_line",
        "every posting on a wallet account has exactly one statement line",
        """
        SELECT p.id AS posting, e.public_id AS entry, w.public_id AS wallet, COUNT(b.id) AS lines,
               COUNT(*) OVER () AS total
          FROM ledger_posting p
          JOIN wallets_wallet w ON w.available_account_id = p.account_id
          JOIN ledger_journalentry e ON e.id = p.entry_id
          LEFT JOIN wallets_balancetransaction b ON b.posting_id = p.id
         GROUP BY p.id, e.public_id, w.public_id
        HAVING COUNT(b.id) <> 1
         ORDER BY p.id
        """,
    ),
    Check(
        "statement_lines_match_postings",
        "every statement line has its posting on its wallet's account, with the same amount, currency and "
        "balance_after",
        """
        SELECT b.public_id AS line, w.public_id AS wallet, b.posting_id AS posting,
               b.amount, -p.amount AS posting_amount, b.balance_after, p.balance_after AS posting_balance_after,
               COUNT(*) OVER () AS total
          FROM wallets_balancetransaction b
          JOIN wallets_wallet w ON w.id = b.wallet_id
          LEFT JOIN ledger_posting p ON p.id = b.posting_id
         WHERE p.id IS NULL OR p.account_id <> w.available_account_id OR b.amount <> -p.amount
            OR b.currency <> p.currency OR b.balance_after <> p.balance_after
         ORDER BY b.id
        """,
    ),
)
