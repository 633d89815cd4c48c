-- Applications (DESIGN §4): drafts led by one organization with partners,
-- budget lines in three currencies, milestones, attachments, and the
-- snapshot frozen at submission.

CREATE TABLE applications (
    id                 BIGSERIAL PRIMARY KEY,
    call_id            BIGINT NOT NULL REFERENCES calls (id),
    lead_org_id        BIGINT NOT NULL REFERENCES organizations (id),
    state              TEXT NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'submitted', 'under_review', 'awarded', 'declined', 'waitlisted', 'withdrawn')),
    title              TEXT NOT NULL DEFAULT '',
    summary            TEXT NOT NULL DEFAULT '',
    need               TEXT NOT NULL DEFAULT '',
    approach           TEXT NOT NULL DEFAULT '',
    outcomes           TEXT NOT NULL DEFAULT '',
    beneficiaries      TEXT NOT NULL DEFAULT '',
    duration_months    INTEGER CHECK (duration_months BETWEEN 1 AND 120),
    focus              TEXT[] NOT NULL DEFAULT '{}',
    declaration        BOOLEAN NOT NULL DEFAULT false,
    created_by         BIGINT NOT NULL REFERENCES users (id),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    submitted_at       TIMESTAMPTZ
);
CREATE INDEX applications_call_idx ON applications (call_id, state, id);
CREATE INDEX applications_lead_idx ON applications (lead_org_id, id);

CREATE TABLE application_partners (
    application_id  BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    status          TEXT NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'accepted', 'declined')),
    role            TEXT NOT NULL DEFAULT '',
    contribution    TEXT NOT NULL DEFAULT '',
    invited_at      TIMESTAMPTZ NOT NULL,
    responded_at    TIMESTAMPTZ,
    responded_by    BIGINT REFERENCES users (id),
    PRIMARY KEY (application_id, organization_id)
);
CREATE INDEX application_partners_org_idx ON application_partners (organization_id, status);

CREATE TABLE budget_lines (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    category        TEXT NOT NULL CHECK (category IN ('personnel', 'activities', 'travel', 'equipment', 'administration', 'other')),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    currency        TEXT NOT NULL CHECK (currency IN ('CNY', 'HKD', 'MOP')),
    amount          NUMERIC(14, 2) NOT NULL CHECK (amount > 0),
    source          TEXT NOT NULL CHECK (source IN ('grant', 'matching')),
    description     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX budget_lines_application_idx ON budget_lines (application_id, id);

CREATE TABLE milestones (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    month_due       INTEGER NOT NULL CHECK (month_due BETWEEN 1 AND 120),
    deliverables    TEXT NOT NULL,
    tranche_percent NUMERIC(5, 2) NOT NULL CHECK (tranche_percent > 0 AND tranche_percent <= 100),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX milestones_application_idx ON milestones (application_id, month_due, id);

CREATE TABLE attachments (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    filename       TEXT NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    content_type   TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
    sha256         BYTEA NOT NULL,
    data           BYTEA NOT NULL,
    uploaded_by    BIGINT NOT NULL REFERENCES users (id),
    uploaded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX attachments_application_idx ON attachments (application_id, id);

-- What reviewers score: the content exactly as submitted. Append-only.
CREATE TABLE application_snapshots (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    taken_at       TIMESTAMPTZ NOT NULL,
    content        JSONB NOT NULL
);
CREATE INDEX application_snapshots_application_idx ON application_snapshots (application_id, id);
CREATE TRIGGER application_snapshots_append_only BEFORE UPDATE OR DELETE ON application_snapshots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Periodic jobs record what they did, so that several workers do it once.
CREATE TABLE job_runs (
    job    TEXT NOT NULL,
    key    TEXT NOT NULL,
    ran_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job, key)
);
