-- Review, completed (DESIGN §5): per-call review settings and final-score
-- components, panel invitations for people without an account, review
-- reminders, and decisions published together.

-- Set with the call while it is a draft and frozen with it.
CREATE TABLE call_review_settings (
    call_id          BIGINT PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    blind            BOOLEAN NOT NULL DEFAULT false,
    show_peer_scores BOOLEAN NOT NULL DEFAULT false,
    review_days      INTEGER NOT NULL DEFAULT 14 CHECK (review_days BETWEEN 1 AND 120),
    -- Awards need a mid-term and a final evaluation before they close.
    evaluations      BOOLEAN NOT NULL DEFAULT false
);
CREATE TRIGGER review_settings_frozen_after_publishing BEFORE INSERT OR UPDATE OR DELETE ON call_review_settings
    FOR EACH ROW EXECUTE FUNCTION call_parts_freeze();

-- Components of the final score besides the calibrated panel score, whose
-- weight is what the components leave of 100.
CREATE TABLE call_score_components (
    call_id  BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 3),
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    weight   INTEGER NOT NULL CHECK (weight BETWEEN 1 AND 99),
    PRIMARY KEY (call_id, position)
);
CREATE TRIGGER components_frozen_after_publishing BEFORE INSERT OR UPDATE OR DELETE ON call_score_components
    FOR EACH ROW EXECUTE FUNCTION call_parts_freeze();

-- A component's score for one application (0–100), entered by an admin.
CREATE TABLE component_scores (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    position       INTEGER NOT NULL,
    score          NUMERIC(5, 2) NOT NULL CHECK (score BETWEEN 0 AND 100),
    entered_by     BIGINT REFERENCES users (id),
    entered_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, position)
);

-- Someone invited to a panel before they had an account: they join it
-- when they verify that email address.
CREATE TABLE panel_invitations (
    call_id     BIGINT NOT NULL REFERENCES calls (id),
    email       TEXT NOT NULL,
    base        TEXT NOT NULL CHECK (base IN ('mainland', 'hong_kong', 'macau')),
    invited_by  BIGINT REFERENCES users (id),
    invited_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    PRIMARY KEY (call_id, email)
);
CREATE INDEX panel_invitations_email_idx ON panel_invitations (email) WHERE accepted_at IS NULL;

ALTER TABLE reviews ADD COLUMN reminded_at TIMESTAMPTZ;
CREATE INDEX reviews_due_idx ON reviews (due_at) WHERE state IN ('assigned', 'draft') AND reminded_at IS NULL;

-- One decision per application under review. It may change until the
-- call's decisions are published; after that it is the record.
CREATE TABLE decisions (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id),
    call_id        BIGINT NOT NULL REFERENCES calls (id),
    outcome        TEXT NOT NULL CHECK (outcome IN ('award', 'decline', 'waitlist')),
    amount         NUMERIC(14, 2) CHECK (amount > 0),
    conditions     TEXT NOT NULL DEFAULT '',
    rationale      TEXT NOT NULL CHECK (rationale <> ''),
    decided_by     BIGINT REFERENCES users (id),
    decided_at     TIMESTAMPTZ NOT NULL,
    published_at   TIMESTAMPTZ,
    CHECK ((outcome = 'award') = (amount IS NOT NULL))
);
CREATE INDEX decisions_call_idx ON decisions (call_id, outcome);

CREATE FUNCTION decisions_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'the decision on application % is published: it can no longer be changed', OLD.application_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER decisions_final_once_published BEFORE UPDATE OR DELETE ON decisions
    FOR EACH ROW EXECUTE FUNCTION decisions_final();

CREATE TABLE decision_publications (
    call_id      BIGINT PRIMARY KEY REFERENCES calls (id),
    published_by BIGINT REFERENCES users (id),
    published_at TIMESTAMPTZ NOT NULL
);
