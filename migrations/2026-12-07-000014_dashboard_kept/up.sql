-- The admin's home dashboard from kept figures (issue 18): which submitted
-- applications have no reviewer yet, and which reports of active awards are
-- not in, with their due dates. Both used to be found by reading every
-- application of the calls in review with their reviews, and every active
-- award with its tranches and reports. Each is kept by triggers in the same
-- transaction as the change; a drift view lists any difference from a fresh
-- computation (the tests assert both are empty, and that the kept due dates
-- are the ones the Rust rule `domain::award::outstanding_reports` gives).

-- One row per application: whether it is waiting for review (submitted or
-- under review) and how many of its reviews are not declared conflicts.
CREATE TABLE review_coverage (
    application_id BIGINT PRIMARY KEY,
    call_id        BIGINT NOT NULL,
    awaiting       BOOLEAN NOT NULL,
    reviewers      INTEGER NOT NULL CHECK (reviewers >= 0),
    -- Waiting for review with nobody to review it. A column rather than an
    -- expression so that a prepared statement's generic plan can use the
    -- partial index (it cannot prove `reviewers = $1` implies `= 0`).
    unassigned     BOOLEAN NOT NULL GENERATED ALWAYS AS (awaiting AND reviewers = 0) STORED
);
CREATE INDEX review_coverage_unassigned_idx ON review_coverage (call_id, application_id)
    WHERE unassigned;

CREATE FUNCTION review_coverage_of_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO review_coverage (application_id, call_id, awaiting, reviewers)
        VALUES (NEW.id, NEW.call_id, NEW.state IN ('submitted', 'under_review'), 0);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE review_coverage SET awaiting = NEW.state IN ('submitted', 'under_review')
        WHERE application_id = NEW.id;
    ELSE
        DELETE FROM review_coverage WHERE application_id = OLD.id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER applications_coverage AFTER INSERT OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION review_coverage_of_application();
CREATE TRIGGER applications_coverage_on_change AFTER UPDATE OF state ON applications
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION review_coverage_of_application();

-- A review counts while it is not a declared conflict.
CREATE FUNCTION review_coverage_of_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state <> 'conflict' THEN
        UPDATE review_coverage SET reviewers = reviewers - 1
        WHERE application_id = OLD.application_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state <> 'conflict' THEN
        UPDATE review_coverage SET reviewers = reviewers + 1
        WHERE application_id = NEW.application_id;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER reviews_coverage AFTER INSERT OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION review_coverage_of_review();
CREATE TRIGGER reviews_coverage_on_change AFTER UPDATE OF state, application_id ON reviews
    FOR EACH ROW WHEN ((OLD.state = 'conflict') IS DISTINCT FROM (NEW.state = 'conflict')
                       OR OLD.application_id IS DISTINCT FROM NEW.application_id)
    EXECUTE FUNCTION review_coverage_of_review();

-- Every row from scratch: the migration, and the scale seed after its bulk
-- inserts (which run with these triggers off).
CREATE FUNCTION review_coverage_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM review_coverage;
    INSERT INTO review_coverage (application_id, call_id, awaiting, reviewers)
    SELECT a.id, a.call_id, a.state IN ('submitted', 'under_review'), coalesce(r.n, 0)
    FROM applications a
    LEFT JOIN (SELECT application_id, count(*) AS n FROM reviews WHERE state <> 'conflict'
               GROUP BY application_id) r ON r.application_id = a.id;
$$;
SELECT review_coverage_rebuild();

CREATE VIEW review_coverage_drift AS
SELECT coalesce(k.application_id, c.application_id) AS application_id,
       k.awaiting AS kept_awaiting, c.awaiting AS counted_awaiting,
       k.reviewers AS kept, c.reviewers AS counted
FROM review_coverage k
FULL JOIN (SELECT a.id AS application_id, a.state IN ('submitted', 'under_review') AS awaiting,
                  (SELECT count(*) FROM reviews r
                   WHERE r.application_id = a.id AND r.state <> 'conflict')::int AS reviewers
           FROM applications a) c ON c.application_id = k.application_id
WHERE k.awaiting IS DISTINCT FROM c.awaiting OR k.reviewers IS DISTINCT FROM c.reviewers;

-- The reports of active awards that are not in (a returned report counts as
-- not in), one row per milestone, due `month_due` months after acceptance
-- (calendar months in UTC, clamped to the month's last day, as chrono's
-- `checked_add_months` counts them). Recomputed for one award whenever the
-- award, its tranches or its reports change; every writer of those holds
-- the award's row (`awards::find_for_update`), so recomputations of one
-- award never run side by side.
CREATE TABLE reports_due (
    award_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    due_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (award_id, position)
);
CREATE INDEX reports_due_at_idx ON reports_due (due_at, award_id, position);

CREATE FUNCTION reports_due_of(award BIGINT)
RETURNS SETOF reports_due
LANGUAGE sql STABLE AS $$
    SELECT a.id, t.position,
           (a.accepted_at AT TIME ZONE 'UTC' + make_interval(months => greatest(t.month_due, 0)))
               AT TIME ZONE 'UTC'
    FROM awards a
    JOIN tranches t ON t.award_id = a.id
    WHERE a.id = award AND a.state = 'active' AND a.accepted_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM progress_reports r
                      WHERE r.award_id = a.id AND r.position = t.position
                        AND r.state <> 'returned')
$$;

CREATE FUNCTION reports_due_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    award BIGINT;
BEGIN
    IF TG_TABLE_NAME = 'awards' THEN
        award := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    ELSIF TG_OP = 'DELETE' THEN
        award := OLD.award_id;
    ELSE
        award := NEW.award_id;
    END IF;
    DELETE FROM reports_due d WHERE d.award_id = award;
    INSERT INTO reports_due (award_id, position, due_at) SELECT * FROM reports_due_of(award);
    -- A tranche or report moved to another award: its old award too.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME <> 'awards' THEN
        IF OLD.award_id <> NEW.award_id THEN
            DELETE FROM reports_due d WHERE d.award_id = OLD.award_id;
            INSERT INTO reports_due (award_id, position, due_at)
            SELECT * FROM reports_due_of(OLD.award_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER awards_reports_due AFTER UPDATE OF state, accepted_at ON awards
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at)
    EXECUTE FUNCTION reports_due_keep();
CREATE TRIGGER awards_reports_due_gone AFTER DELETE ON awards
    FOR EACH ROW EXECUTE FUNCTION reports_due_keep();
CREATE TRIGGER tranches_reports_due AFTER INSERT OR UPDATE OR DELETE ON tranches
    FOR EACH ROW EXECUTE FUNCTION reports_due_keep();
CREATE TRIGGER progress_reports_due AFTER INSERT OR UPDATE OF state, position, award_id OR DELETE
    ON progress_reports FOR EACH ROW EXECUTE FUNCTION reports_due_keep();

CREATE FUNCTION reports_due_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM reports_due;
    INSERT INTO reports_due (award_id, position, due_at)
    SELECT d.* FROM awards a, LATERAL reports_due_of(a.id) d WHERE a.state = 'active';
$$;
SELECT reports_due_rebuild();

CREATE VIEW reports_due_drift AS
SELECT coalesce(k.award_id, c.award_id) AS award_id, coalesce(k.position, c.position) AS position,
       k.due_at AS kept, c.due_at AS computed
FROM reports_due k
FULL JOIN (SELECT d.* FROM awards a, LATERAL reports_due_of(a.id) d WHERE a.state = 'active') c
  ON c.award_id = k.award_id AND c.position = k.position
WHERE k.due_at IS DISTINCT FROM c.due_at;
