-- The fund dashboard's monthly chart from kept figures (issue 18): each
-- fund's net flow per account per month (Bay Area time, UTC+8), kept by
-- the posting trigger in the same transaction as the postings, like the
-- balances. The chart reads one row per month instead of summing every
-- posting of the fund. Derived data: `ledger_balances_drift` compares it
-- with the postings too.
CREATE TABLE ledger_fund_months (
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    month   DATE NOT NULL,
    account TEXT NOT NULL,
    amount  NUMERIC(16, 2) NOT NULL,
    PRIMARY KEY (fund_id, month, account)
);

-- The month of an entry, as the Bay Area reads it.
CREATE FUNCTION ledger_month(at TIMESTAMPTZ) RETURNS DATE LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('month', at AT TIME ZONE 'UTC' + interval '8 hours')::date
$$;

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
    INSERT INTO ledger_fund_months (fund_id, month, account, amount)
    SELECT p.fund_id, ledger_month(e.created_at), p.account, sum(p.amount)
    FROM new_postings p JOIN ledger_entries e ON e.id = p.entry_id
    GROUP BY 1, 2, 3
    ON CONFLICT (fund_id, month, account)
    DO UPDATE SET amount = ledger_fund_months.amount + EXCLUDED.amount;
    RETURN NULL;
END;
$$;

INSERT INTO ledger_fund_months (fund_id, month, account, amount)
SELECT p.fund_id, ledger_month(e.created_at), p.account, sum(p.amount)
FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
GROUP BY 1, 2, 3;

CREATE TRIGGER ledger_fund_months_kept BEFORE INSERT OR UPDATE OR DELETE ON ledger_fund_months
    FOR EACH ROW EXECUTE FUNCTION ledger_kept_only();
CREATE TRIGGER ledger_fund_months_no_truncate BEFORE TRUNCATE ON ledger_fund_months
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_kept_only();

-- The drift view compares the monthly flows too (award_id NULL, like the
-- fund totals; a month's row shows as its account).
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
WHERE t.balance IS DISTINCT FROM s.total
UNION ALL
SELECT coalesce(m.fund_id, s.fund_id), coalesce(m.account, s.account) || ' ' || to_char(coalesce(m.month, s.month), 'YYYY-MM'),
       NULL, m.amount, s.total
FROM ledger_fund_months m
FULL JOIN (SELECT p.fund_id, ledger_month(e.created_at) AS month, p.account, sum(p.amount) AS total
           FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id GROUP BY 1, 2, 3) s
  ON s.fund_id = m.fund_id AND s.month = m.month AND s.account = m.account
WHERE m.amount IS DISTINCT FROM s.total;
