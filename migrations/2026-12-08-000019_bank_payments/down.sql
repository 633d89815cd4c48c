DROP TABLE bank_statement_lines;
DROP TABLE bank_statements;
DROP TABLE bank_changes;
ALTER TABLE awards DROP COLUMN bank_confirmed_at;
DROP TRIGGER payment_requests_tranches_ready ON payment_requests;
CREATE TRIGGER payment_requests_tranches_ready
    AFTER INSERT OR UPDATE OF state, tranche_id, award_id OR DELETE
    ON payment_requests FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();
CREATE OR REPLACE FUNCTION tranches_ready_of(award BIGINT)
RETURNS SETOF tranches_ready
LANGUAGE sql STABLE AS $$
    SELECT t.id, a.id, t.position
    FROM awards a
    JOIN tranches t ON t.award_id = a.id
    WHERE a.id = award AND a.state = 'active'
      AND NOT EXISTS (SELECT 1 FROM payment_requests p
                      WHERE p.tranche_id = t.id AND p.state <> 'rejected')
      AND (t.position <= 1
           OR EXISTS (SELECT 1 FROM progress_reports r
                      WHERE r.award_id = a.id AND r.position = t.position - 1
                        AND r.state = 'approved'))
$$;
DROP INDEX payment_requests_one_live_per_tranche;
CREATE UNIQUE INDEX payment_requests_one_live_per_tranche
    ON payment_requests (tranche_id) WHERE state IN ('pending', 'approved');
DROP INDEX payment_requests_transfer_idx;
DROP INDEX payment_requests_batch_idx;
ALTER TABLE payment_requests
    DROP CONSTRAINT payment_requests_transfer_when,
    DROP CONSTRAINT payment_requests_sent_in_batch,
    DROP CONSTRAINT payment_requests_settled,
    DROP CONSTRAINT payment_requests_returned,
    DROP CONSTRAINT payment_requests_return_checker,
    DROP COLUMN transfer, DROP COLUMN batch_id, DROP COLUMN payee_name, DROP COLUMN payee_bank,
    DROP COLUMN payee_account, DROP COLUMN settled_by, DROP COLUMN settled_at,
    DROP COLUMN return_reason, DROP COLUMN return_reported_by, DROP COLUMN return_reported_at,
    DROP COLUMN returned_by, DROP COLUMN returned_at;
DROP TABLE payment_batches;
