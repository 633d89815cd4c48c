-- Fast at scale (issue 8): balances kept beside the ledger, and indexes
-- for the pages that list many rows.

-- Every account's balance, per fund (and per award for per-award accounts;
-- award_id 0 for the fund's own accounts). Kept by a statement trigger on
-- ledger_postings in the same transaction as the postings, so it is always
-- the ledger's sum; pages read one row instead of summing the ledger. It
-- is derived data: the ledger stays the record, and `ledger_balances_drift`
-- below shows any difference (there should be none).
CREATE TABLE ledger_balances (
    fund_id  BIGINT NOT NULL REFERENCES funds (id),
    account  TEXT NOT NULL,
    award_id BIGINT NOT NULL DEFAULT 0,
    balance  NUMERIC(16, 2) NOT NULL,
    PRIMARY KEY (fund_id, account, award_id)
);

-- Each account's total over the whole fund (all awards together for the
-- per-award accounts): what the fund dashboard shows, one row each.
CREATE TABLE ledger_fund_totals (
    fund_id BIGINT NOT NULL REFERENCES funds (id),
    account TEXT NOT NULL,
    balance NUMERIC(16, 2) NOT NULL,
    PRIMARY KEY (fund_id, account)
);

CREATE FUNCTION ledger_balances_add() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER ledger_postings_balances AFTER INSERT ON ledger_postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_balances_add();

INSERT INTO ledger_balances (fund_id, account, award_id, balance)
SELECT fund_id, account, coalesce(award_id, 0), sum(amount)
FROM ledger_postings GROUP BY fund_id, account, coalesce(award_id, 0);
INSERT INTO ledger_fund_totals (fund_id, account, balance)
SELECT fund_id, account, sum(amount) FROM ledger_postings GROUP BY fund_id, account;
-- One page of awards' balances.
CREATE INDEX ledger_balances_award_idx ON ledger_balances (award_id);

-- The kept balances are written by `ledger_balances_add` only (from inside
-- the posting trigger, so at trigger depth 2 or more): the commit-time check
-- trusts them, so nobody may edit them by hand.
CREATE FUNCTION ledger_kept_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' OR pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION '% is kept by the ledger: it cannot be changed directly', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER ledger_balances_kept BEFORE INSERT OR UPDATE OR DELETE ON ledger_balances
    FOR EACH ROW EXECUTE FUNCTION ledger_kept_only();
CREATE TRIGGER ledger_balances_no_truncate BEFORE TRUNCATE ON ledger_balances
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_kept_only();
CREATE TRIGGER ledger_fund_totals_kept BEFORE INSERT OR UPDATE OR DELETE ON ledger_fund_totals
    FOR EACH ROW EXECUTE FUNCTION ledger_kept_only();
CREATE TRIGGER ledger_fund_totals_no_truncate BEFORE TRUNCATE ON ledger_fund_totals
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_kept_only();

CREATE VIEW ledger_balances_drift AS
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

-- The commit-time check reads the kept balances instead of summing the
-- ledger. It relies on `ledger_postings_checked` staying DEFERRED (as
-- nothing in the application changes): at commit, the statement trigger
-- that keeps the balances has run for every insert. An award's balances are
-- summed over all funds, as the original check summed its postings.
CREATE OR REPLACE FUNCTION ledger_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total NUMERIC;
    e ledger_entries%ROWTYPE;
BEGIN
    SELECT * INTO e FROM ledger_entries WHERE id = NEW.entry_id;
    SELECT coalesce(sum(amount), 0) INTO total FROM ledger_postings WHERE entry_id = NEW.entry_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger entry % does not balance: its postings sum to %', NEW.entry_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.fund_id <> e.fund_id THEN
        RAISE EXCEPTION 'posting % is in another fund than its entry', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account = 'pool' AND
       (SELECT balance FROM ledger_balances WHERE fund_id = NEW.fund_id AND account = 'pool' AND award_id = 0) < 0 THEN
        RAISE EXCEPTION 'the pool of fund % would be negative', NEW.fund_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account = 'committed' AND
       (SELECT sum(balance) FROM ledger_balances WHERE award_id = NEW.award_id AND account = 'committed') < 0 THEN
        RAISE EXCEPTION 'the commitment of award % would be negative', NEW.award_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account = 'disbursed' AND
       (SELECT sum(balance) FROM ledger_balances WHERE award_id = NEW.award_id AND account = 'disbursed')
         > (SELECT amount FROM awards WHERE id = NEW.award_id) THEN
        RAISE EXCEPTION 'award % would be paid more than it awards', NEW.award_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

-- The admins' application list: filtered by state, newest change first or by title.
CREATE INDEX applications_state_updated_idx ON applications (state, updated_at, id);
CREATE INDEX applications_state_title_idx ON applications (state, title, id);
-- A fund's awards page by page, by state.
CREATE INDEX awards_fund_state_idx ON awards (fund_id, state, id);
-- A fund's latest contributions.
CREATE INDEX contributions_fund_idx ON contributions (fund_id, id);
-- A reviewer's queue in assignment order (done ones latest first).
CREATE INDEX reviews_reviewer_order_idx ON reviews (reviewer_id, id);
CREATE INDEX reviews_to_do_idx ON reviews (reviewer_id, id) WHERE state IN ('assigned', 'draft');
-- A fund's latest postings.
CREATE INDEX ledger_postings_fund_idx ON ledger_postings (fund_id, id);

-- A call's review version: bumped by every change that can move its ranking
-- (reviews, their scores, decisions, component scores, an application's
-- state or title), in the same transaction. The ranking board caches its
-- computation per version, so a board reflects each change the moment it
-- commits, in every server process.
CREATE TABLE call_versions (
    call_id BIGINT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    version BIGINT NOT NULL
);

CREATE FUNCTION bump_call_version(target BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO call_versions (call_id, version) VALUES (target, 1)
    ON CONFLICT (call_id) DO UPDATE SET version = call_versions.version + 1;
$$;

CREATE FUNCTION call_version_by_call_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_call_version(CASE WHEN TG_OP = 'DELETE' THEN OLD.call_id ELSE NEW.call_id END);
    RETURN NULL;
END;
$$;
CREATE FUNCTION call_version_by_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_call_version(call_id) FROM reviews
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.review_id ELSE NEW.review_id END;
    RETURN NULL;
END;
$$;
CREATE FUNCTION call_version_by_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_call_version(call_id) FROM applications
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.application_id ELSE NEW.application_id END;
    RETURN NULL;
END;
$$;
CREATE TRIGGER reviews_call_version AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION call_version_by_call_id();
CREATE TRIGGER decisions_call_version AFTER INSERT OR UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION call_version_by_call_id();
CREATE TRIGGER applications_call_version AFTER UPDATE ON applications
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION call_version_by_call_id();
CREATE TRIGGER review_scores_call_version AFTER INSERT OR UPDATE OR DELETE ON review_scores
    FOR EACH ROW EXECUTE FUNCTION call_version_by_review();
CREATE TRIGGER component_scores_call_version AFTER INSERT OR UPDATE OR DELETE ON component_scores
    FOR EACH ROW EXECUTE FUNCTION call_version_by_application();
