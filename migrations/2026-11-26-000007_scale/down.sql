DROP TRIGGER component_scores_call_version ON component_scores;
DROP TRIGGER review_scores_call_version ON review_scores;
DROP TRIGGER applications_call_version ON applications;
DROP TRIGGER decisions_call_version ON decisions;
DROP TRIGGER reviews_call_version ON reviews;
DROP FUNCTION call_version_by_application();
DROP FUNCTION call_version_by_review();
DROP FUNCTION call_version_by_call_id();
DROP FUNCTION bump_call_version(BIGINT);
DROP TABLE call_versions;
DROP INDEX ledger_postings_fund_idx;
DROP INDEX reviews_reviewer_order_idx;
DROP INDEX reviews_to_do_idx;
DROP INDEX ledger_balances_award_idx;
DROP INDEX contributions_fund_idx;
DROP INDEX awards_fund_state_idx;
DROP INDEX applications_state_title_idx;
DROP INDEX applications_state_updated_idx;
-- The commit check sums the ledger again.
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
       (SELECT sum(amount) FROM ledger_postings WHERE fund_id = NEW.fund_id AND account = 'pool') < 0 THEN
        RAISE EXCEPTION 'the pool of fund % would be negative', NEW.fund_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account = 'committed' AND
       (SELECT sum(amount) FROM ledger_postings WHERE award_id = NEW.award_id AND account = 'committed') < 0 THEN
        RAISE EXCEPTION 'the commitment of award % would be negative', NEW.award_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.account = 'disbursed' AND
       (SELECT sum(amount) FROM ledger_postings WHERE award_id = NEW.award_id AND account = 'disbursed')
         > (SELECT amount FROM awards WHERE id = NEW.award_id) THEN
        RAISE EXCEPTION 'award % would be paid more than it awards', NEW.award_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
DROP VIEW ledger_balances_drift;
DROP TRIGGER ledger_postings_balances ON ledger_postings;
DROP FUNCTION ledger_balances_add();
DROP TABLE ledger_balances;
DROP TABLE ledger_fund_totals;
DROP FUNCTION ledger_kept_only();
