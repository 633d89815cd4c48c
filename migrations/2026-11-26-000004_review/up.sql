-- Review (DESIGN §5): panels, reviewers' affiliations, assignments with
-- conflict declarations, scores, decisions and their publication.

CREATE TABLE panel_members (
    call_id    BIGINT NOT NULL REFERENCES calls (id),
    user_id    BIGINT NOT NULL REFERENCES users (id),
    base       TEXT NOT NULL CHECK (base IN ('mainland', 'hong_kong', 'macau')),
    added_by   BIGINT REFERENCES users (id),
    added_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, user_id)
);
CREATE INDEX panel_members_user_idx ON panel_members (user_id);

-- Organizations a reviewer declares a tie to: never assigned their applications.
CREATE TABLE reviewer_affiliations (
    user_id         BIGINT NOT NULL REFERENCES users (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);

-- One reviewer on one application: assigned, then either a declared
-- conflict (back to the admin) or a review drafted and submitted.
CREATE TABLE reviews (
    id              BIGSERIAL PRIMARY KEY,
    call_id         BIGINT NOT NULL REFERENCES calls (id),
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    reviewer_id     BIGINT NOT NULL REFERENCES users (id),
    state           TEXT NOT NULL DEFAULT 'assigned'
                    CHECK (state IN ('assigned', 'conflict', 'draft', 'submitted')),
    conflict_reason TEXT NOT NULL DEFAULT '',
    overall_comment TEXT NOT NULL DEFAULT '',
    recommendation  TEXT CHECK (recommendation IN ('fund', 'fund_with_changes', 'do_not_fund')),
    assigned_at     TIMESTAMPTZ NOT NULL,
    due_at          TIMESTAMPTZ,
    submitted_at    TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (application_id, reviewer_id)
);
CREATE INDEX reviews_reviewer_idx ON reviews (reviewer_id, state);
CREATE INDEX reviews_call_idx ON reviews (call_id, state);

CREATE TABLE review_scores (
    review_id BIGINT NOT NULL REFERENCES reviews (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    score     INTEGER NOT NULL CHECK (score >= 0),
    comment   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (review_id, position)
);
