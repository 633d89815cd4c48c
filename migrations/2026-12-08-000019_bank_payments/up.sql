-- Payments that reach the bank (issue 25). An approved tranche payment is
-- `ready` until finance sends it in a batch (a pain.001 or CSV file for the
-- bank); then it is `sent`, and the bank's statement (or an officer reading
-- it) says whether it `settled` or came back (`returned`). A return is
-- reported by one finance officer and confirmed by another, which reverses
-- the disbursement in the ledger (an adjustment that mirrors it) and makes
-- the tranche payable again once the grantee's bank details are confirmed.
-- Refunds (money coming in) have no transfer.

-- A batch pays from one account of one fund in one currency. It is `open`
-- (payments can be taken out) until its file is first downloaded, which
-- sends it: from then on it never changes.
CREATE TABLE payment_batches (
    id                   BIGSERIAL PRIMARY KEY,
    fund_id              BIGINT NOT NULL REFERENCES funds (id),
    currency             TEXT NOT NULL,
    state                TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'sent')),
    debtor_name          TEXT NOT NULL,
    debtor_account       TEXT NOT NULL,
    debtor_bank          TEXT NOT NULL,
    debtor_bic           TEXT NOT NULL DEFAULT '',
    created_by           BIGINT NOT NULL REFERENCES users (id),
    created_at           TIMESTAMPTZ NOT NULL,
    sent_by              BIGINT REFERENCES users (id),
    sent_at              TIMESTAMPTZ,
    CHECK ((state = 'sent') = (sent_at IS NOT NULL AND sent_by IS NOT NULL))
);
CREATE INDEX payment_batches_fund_idx ON payment_batches (fund_id, id);

ALTER TABLE payment_requests
    ADD COLUMN transfer TEXT CHECK (transfer IN ('ready', 'sent', 'settled', 'returned')),
    ADD COLUMN batch_id BIGINT REFERENCES payment_batches (id),
    -- The grantee's account as the checker approved it: the bank file pays
    -- this, whatever the award's details say later.
    ADD COLUMN payee_name TEXT,
    ADD COLUMN payee_bank TEXT,
    ADD COLUMN payee_account TEXT,
    ADD COLUMN settled_by BIGINT REFERENCES users (id),
    ADD COLUMN settled_at TIMESTAMPTZ,
    ADD COLUMN return_reason TEXT,
    ADD COLUMN return_reported_by BIGINT REFERENCES users (id),
    ADD COLUMN return_reported_at TIMESTAMPTZ,
    ADD COLUMN returned_by BIGINT REFERENCES users (id),
    ADD COLUMN returned_at TIMESTAMPTZ;

-- Tranche payments approved before this migration were treated as paid.
UPDATE payment_requests SET transfer = 'settled', settled_at = decided_at, settled_by = decided_by
WHERE kind = 'tranche' AND state = 'approved';

ALTER TABLE payment_requests
    ADD CONSTRAINT payment_requests_transfer_when
        CHECK ((kind = 'tranche' AND state = 'approved') = (transfer IS NOT NULL)),
    ADD CONSTRAINT payment_requests_sent_in_batch
        CHECK (transfer IS NULL OR transfer = 'ready' OR batch_id IS NOT NULL
               OR settled_at IS NOT NULL),
    ADD CONSTRAINT payment_requests_settled
        CHECK ((transfer = 'settled') = (settled_at IS NOT NULL)),
    ADD CONSTRAINT payment_requests_returned
        CHECK ((transfer = 'returned') = (returned_at IS NOT NULL AND returned_by IS NOT NULL
                                          AND return_reason IS NOT NULL)),
    ADD CONSTRAINT payment_requests_return_checker
        CHECK (returned_by IS NULL OR returned_by <> return_reported_by);
CREATE INDEX payment_requests_batch_idx ON payment_requests (batch_id, id);
CREATE INDEX payment_requests_transfer_idx ON payment_requests (transfer, id)
    WHERE transfer IN ('ready', 'sent');

-- A returned payment no longer pays its tranche.
DROP INDEX payment_requests_one_live_per_tranche;
CREATE UNIQUE INDEX payment_requests_one_live_per_tranche
    ON payment_requests (tranche_id)
    WHERE state IN ('pending', 'approved') AND transfer IS DISTINCT FROM 'returned';

CREATE OR REPLACE FUNCTION tranches_ready_of(award BIGINT)
RETURNS SETOF tranches_ready
LANGUAGE sql STABLE AS $$
    SELECT t.id, a.id, t.position
    FROM awards a
    JOIN tranches t ON t.award_id = a.id
    WHERE a.id = award AND a.state = 'active'
      AND NOT EXISTS (SELECT 1 FROM payment_requests p
                      WHERE p.tranche_id = t.id AND p.state <> 'rejected'
                        AND p.transfer IS DISTINCT FROM 'returned')
      AND (t.position <= 1
           OR EXISTS (SELECT 1 FROM progress_reports r
                      WHERE r.award_id = a.id AND r.position = t.position - 1
                        AND r.state = 'approved'))
$$;
DROP TRIGGER payment_requests_tranches_ready ON payment_requests;
CREATE TRIGGER payment_requests_tranches_ready
    AFTER INSERT OR UPDATE OF state, tranche_id, award_id, transfer OR DELETE
    ON payment_requests FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();

-- The grantee's bank details: confirmed by finance when the lead registers
-- them at acceptance (the acceptance is the confirmation), and again after
-- a payment came back, before the tranche is paid again.
ALTER TABLE awards ADD COLUMN bank_confirmed_at TIMESTAMPTZ;
UPDATE awards SET bank_confirmed_at = accepted_at WHERE bank_account_number IS NOT NULL;

-- A correction of the bank details proposed by the grantee, waiting for a
-- finance officer; at most one waits per award.
CREATE TABLE bank_changes (
    id             BIGSERIAL PRIMARY KEY,
    award_id       BIGINT NOT NULL REFERENCES awards (id),
    account_name   TEXT NOT NULL,
    bank_name      TEXT NOT NULL,
    account_number TEXT NOT NULL,
    currency       TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'rejected')),
    proposed_by    BIGINT NOT NULL REFERENCES users (id),
    proposed_at    TIMESTAMPTZ NOT NULL,
    decided_by     BIGINT REFERENCES users (id),
    decided_at     TIMESTAMPTZ,
    CHECK ((state = 'pending') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX bank_changes_one_pending ON bank_changes (award_id) WHERE state = 'pending';
CREATE INDEX bank_changes_award_idx ON bank_changes (award_id, id);

-- Bank statements imported (camt.053 or CSV), each file once (by its
-- SHA-256), and what each line did: settled a payment, reported its return
-- for a checker, found it already so, or matched nothing (for a person).
CREATE TABLE bank_statements (
    id          BIGSERIAL PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    file_name   TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    imported_by BIGINT NOT NULL REFERENCES users (id),
    imported_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE bank_statement_lines (
    id           BIGSERIAL PRIMARY KEY,
    statement_id BIGINT NOT NULL REFERENCES bank_statements (id),
    line         INTEGER NOT NULL,
    account      TEXT NOT NULL,
    end_to_end   TEXT NOT NULL,
    amount       NUMERIC(20, 5) NOT NULL,
    currency     TEXT NOT NULL,
    returned     BOOLEAN NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    payment_id   BIGINT REFERENCES payment_requests (id),
    outcome      TEXT NOT NULL CHECK (outcome IN ('settled', 'return_reported', 'already', 'unmatched')),
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bank_statement_lines_statement_idx ON bank_statement_lines (statement_id, id);
CREATE INDEX bank_statement_lines_payment_idx ON bank_statement_lines (payment_id);
