CREATE OR REPLACE VIEW ledger_balances_drift AS
SELECT coalesce(b.fund_id, s.fund_id) AS fund_id, coalesce(b.account, s.account) AS account,
       coalesce(b.award_id, s.award_id) AS award_id, b.balance AS kept, s.total AS summed
FROM ledger_balances b
FULL JOIN (SELECT fund_id, account, coalesce(award_id, 0) AS award_id, sum(amount) AS total
           FROM ledger_postings GROUP BY 1, 2, 3) s
  ON s.fund_id = b.fund_id AND s.account = b.account AND s.award_id = b.award_id
WHERE b.balance IS DISTINCT FROM s.total
UNION ALL
SELECT coalesce(t.fund_id, s.fund_id), coalesce(t.account, s.account), NULL, t.balance, s.total
FROM ledger_fund_totals t
FULL JOIN (SELECT fund_id, account, sum(amount) AS total FROM ledger_postings GROUP BY 1, 2) s
  ON s.fund_id = t.fund_id AND s.account = t.account
WHERE t.balance IS DISTINCT FROM s.total;
CREATE OR REPLACE FUNCTION ledger_balances_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_balances (fund_id, account, award_id, balance)
    SELECT fund_id, account, coalesce(award_id, 0), sum(amount)
    FROM new_postings GROUP BY fund_id, account, coalesce(award_id, 0)
    ON CONFLICT (fund_id, account, award_id)
    DO UPDATE SET balance = ledger_balances.balance + EXCLUDED.balance;
    INSERT INTO ledger_fund_totals (fund_id, account, balance)
    SELECT fund_id, account, sum(amount)
    FROM new_postings GROUP BY fund_id, account
    ON CONFLICT (fund_id, account)
    DO UPDATE SET balance = ledger_fund_totals.balance + EXCLUDED.balance;
    RETURN NULL;
END;
$$;
DROP TABLE ledger_fund_months;
DROP FUNCTION ledger_month(TIMESTAMPTZ);
