-- Awards, progress reports and the disbursement ledger (DESIGN §6).

CREATE TABLE awards (
    id                  BIGSERIAL PRIMARY KEY,
    application_id      BIGINT NOT NULL UNIQUE REFERENCES applications (id),
    call_id             BIGINT NOT NULL REFERENCES calls (id),
    fund_id             BIGINT NOT NULL REFERENCES funds (id),
    lead_org_id         BIGINT NOT NULL REFERENCES organizations (id),
    amount              NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    currency            TEXT NOT NULL,
    conditions          TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT 'offered'
                        CHECK (state IN ('offered', 'active', 'lapsed', 'closed')),
    offered_at          TIMESTAMPTZ NOT NULL,
    accept_by           TIMESTAMPTZ NOT NULL,
    accepted_at         TIMESTAMPTZ,
    accepted_by         BIGINT REFERENCES users (id),
    signature_name      TEXT,
    signature_ip        TEXT,
    bank_account_name   TEXT,
    bank_name           TEXT,
    bank_account_number TEXT,
    bank_currency       TEXT CHECK (bank_currency IN ('CNY', 'HKD', 'MOP')),
    closed_at           TIMESTAMPTZ,
    CHECK (state <> 'active' OR (accepted_at IS NOT NULL AND bank_account_number IS NOT NULL))
);
CREATE INDEX awards_fund_idx ON awards (fund_id, id);
CREATE INDEX awards_lead_idx ON awards (lead_org_id);
CREATE INDEX awards_offered_idx ON awards (accept_by) WHERE state = 'offered';

-- The tranche schedule, from the application's milestones.
CREATE TABLE tranches (
    id          BIGSERIAL PRIMARY KEY,
    award_id    BIGINT NOT NULL REFERENCES awards (id),
    position    INTEGER NOT NULL CHECK (position >= 1),
    amount      NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    month_due   INTEGER NOT NULL,
    deliverables TEXT NOT NULL,
    UNIQUE (award_id, position)
);

-- One report per milestone; a returned report is submitted again.
CREATE TABLE progress_reports (
    id              BIGSERIAL PRIMARY KEY,
    award_id        BIGINT NOT NULL REFERENCES awards (id),
    position        INTEGER NOT NULL,
    final           BOOLEAN NOT NULL,
    narrative       TEXT NOT NULL,
    targets         TEXT NOT NULL,
    expenditure     JSONB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('submitted', 'approved', 'returned')),
    submitted_by    BIGINT NOT NULL REFERENCES users (id),
    submitted_at    TIMESTAMPTZ NOT NULL,
    reviewed_by     BIGINT REFERENCES users (id),
    reviewed_at     TIMESTAMPTZ,
    review_comment  TEXT NOT NULL DEFAULT '',
    UNIQUE (award_id, position)
);

-- Files with a report (photos, receipts, evaluations), checked by content
-- as application attachments are.
CREATE TABLE report_attachments (
    id           BIGSERIAL PRIMARY KEY,
    report_id    BIGINT NOT NULL REFERENCES progress_reports (id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL CHECK (size_bytes > 0),
    sha256       BYTEA NOT NULL,
    data         BYTEA NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    uploaded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_attachments_report_idx ON report_attachments (report_id, id);

-- Mid-term and final evaluations of an award, by the fund's administrators.
CREATE TABLE evaluations (
    award_id    BIGINT NOT NULL REFERENCES awards (id),
    kind        TEXT NOT NULL CHECK (kind IN ('mid_term', 'final')),
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    summary     TEXT NOT NULL CHECK (summary <> ''),
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (award_id, kind)
);

-- Mentoring, training, introductions: the support beside the money.
CREATE TABLE support_log (
    id          BIGSERIAL PRIMARY KEY,
    award_id    BIGINT NOT NULL REFERENCES awards (id),
    given_on    DATE NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('mentoring', 'training', 'introduction', 'capacity_building')),
    hours       NUMERIC(6, 1) NOT NULL CHECK (hours >= 0),
    given_by    TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_log_award_idx ON support_log (award_id, given_on);

-- Money received into a fund.
CREATE TABLE contributions (
    id          BIGSERIAL PRIMARY KEY,
    fund_id     BIGINT NOT NULL REFERENCES funds (id),
    donor       TEXT NOT NULL CHECK (donor <> ''),
    received_on DATE NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    amount      NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER contributions_append_only BEFORE UPDATE OR DELETE ON contributions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Maker–checker: a finance officer asks, a different one approves.
CREATE TABLE payment_requests (
    id              BIGSERIAL PRIMARY KEY,
    award_id        BIGINT NOT NULL REFERENCES awards (id),
    kind            TEXT NOT NULL CHECK (kind IN ('tranche', 'refund')),
    tranche_id      BIGINT REFERENCES tranches (id),
    amount          NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    reason          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    requested_by    BIGINT NOT NULL REFERENCES users (id),
    requested_at    TIMESTAMPTZ NOT NULL,
    decided_by      BIGINT REFERENCES users (id),
    decided_at      TIMESTAMPTZ,
    payee_currency  TEXT,
    rate            NUMERIC(12, 6),
    amount_sent     NUMERIC(14, 2),
    reference       TEXT,
    CHECK ((kind = 'tranche') = (tranche_id IS NOT NULL)),
    CHECK (decided_by IS NULL OR decided_by <> requested_by),
    CHECK (state <> 'approved' OR (amount_sent IS NOT NULL AND rate IS NOT NULL))
);
-- A tranche has at most one request that is waiting or paid.
CREATE UNIQUE INDEX payment_requests_one_live_per_tranche
    ON payment_requests (tranche_id) WHERE state IN ('pending', 'approved');
CREATE INDEX payment_requests_pending_idx ON payment_requests (state, id);
CREATE INDEX payment_requests_award_idx ON payment_requests (award_id, id);

-- The double-entry ledger, in each fund's currency. Append-only; every
-- entry's postings sum to zero; corrections are reversing entries.
CREATE TABLE ledger_entries (
    id                 BIGSERIAL PRIMARY KEY,
    fund_id            BIGINT NOT NULL REFERENCES funds (id),
    kind               TEXT NOT NULL CHECK (kind IN ('contribution', 'commitment', 'disbursement', 'decommitment', 'refund', 'adjustment')),
    award_id           BIGINT REFERENCES awards (id),
    contribution_id    BIGINT UNIQUE REFERENCES contributions (id),
    payment_request_id BIGINT UNIQUE REFERENCES payment_requests (id),
    reverses           BIGINT UNIQUE REFERENCES ledger_entries (id),
    memo               TEXT NOT NULL DEFAULT '',
    created_by         BIGINT REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_entries_fund_idx ON ledger_entries (fund_id, id);
CREATE INDEX ledger_entries_award_idx ON ledger_entries (award_id, id);

CREATE TABLE ledger_postings (
    id       BIGSERIAL PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES ledger_entries (id),
    fund_id  BIGINT NOT NULL REFERENCES funds (id),
    account  TEXT NOT NULL CHECK (account IN ('contributions', 'pool', 'committed', 'disbursed')),
    award_id BIGINT REFERENCES awards (id),
    amount   NUMERIC(14, 2) NOT NULL CHECK (amount <> 0),
    CHECK ((account IN ('committed', 'disbursed')) = (award_id IS NOT NULL))
);
CREATE INDEX ledger_postings_entry_idx ON ledger_postings (entry_id);
CREATE INDEX ledger_postings_account_idx ON ledger_postings (fund_id, account, award_id);

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- A correction: an entry reversed by an adjustment with a reason, asked for
-- by one finance officer and approved by another.
CREATE TABLE corrections (
    id           BIGSERIAL PRIMARY KEY,
    fund_id      BIGINT NOT NULL REFERENCES funds (id),
    entry_id     BIGINT NOT NULL REFERENCES ledger_entries (id),
    reason       TEXT NOT NULL CHECK (reason <> ''),
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'rejected')),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by   BIGINT REFERENCES users (id),
    decided_at   TIMESTAMPTZ,
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE UNIQUE INDEX corrections_one_live_per_entry
    ON corrections (entry_id) WHERE state IN ('pending', 'approved');

-- At commit: the entry balances, and no account crosses its bound (the
-- pool and each award's commitment never negative; paid never more than
-- the award). The application checks first under the fund's lock; this
-- keeps every other path honest.
CREATE FUNCTION ledger_check() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE CONSTRAINT TRIGGER ledger_postings_checked AFTER INSERT ON ledger_postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check();
