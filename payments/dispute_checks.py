"""The reconciliation check of dispute debts, registered with `ledger.reconciliation` (apps.ready).

A wallet's `balance.owed` is its owed account's balance. Independently of that account, the debt is
what its disputes could not withdraw (`Dispute.amount_owed`) less what money reaching the wallet
repaid (statement lines of type `dispute` whose source is the owed account). The two must agree.
"""

from ledger.api import Check

OWED_MATCHES_RECEIVABLE = Check(
    "owed_matches_receivable",
    "every wallet's owed balance (disputes' unpaid amounts less repayments) equals its receivable account",
    """
    SELECT w.public_id AS wallet, a.code, a.balance AS receivable,
           COALESCE(d.opened, 0) - COALESCE(r.repaid, 0) AS owed, COUNT(*) OVER () AS total
      FROM wallets_wallet w
      JOIN ledger_account a ON a.id = w.owed_account_id
      LEFT JOIN (SELECT wallet_id, SUM(amount_owed) AS opened FROM payments_dispute GROUP BY wallet_id) d
        ON d.wallet_id = w.id
      LEFT JOIN (SELECT t.wallet_id, -SUM(t.amount) AS repaid
                   FROM wallets_balancetransaction t
                   JOIN wallets_wallet tw ON tw.id = t.wallet_id
                   JOIN ledger_account ta ON ta.id = tw.owed_account_id
                  WHERE t.type = 'dispute' AND t.source = ta.public_id
                  GROUP BY t.wallet_id) r
        ON r.wallet_id = w.id
     WHERE a.balance <> COALESCE(d.opened, 0) - COALESCE(r.repaid, 0)
     ORDER BY w.id
    """,
)
