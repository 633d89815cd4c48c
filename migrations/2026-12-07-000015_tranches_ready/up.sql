-- Tranches ready to request (issue 19: finance's home lists them under
-- "needs you"), kept so that the list does not read every award: one row
-- per tranche of an active award with no payment waiting or made for it
-- whose condition holds (the first: acceptance; each later one: the
-- previous milestone's report approved), the rule of
-- `domain::award::requestable`. Recomputed for one award when the award,
-- its tranches, its reports or its payment requests change; every writer of
-- those holds the award's row, as for `reports_due`.
CREATE TABLE tranches_ready (
    tranche_id BIGINT PRIMARY KEY,
    award_id   BIGINT NOT NULL,
    position   INTEGER NOT NULL
);
CREATE INDEX tranches_ready_award_idx ON tranches_ready (award_id, position);

CREATE FUNCTION tranches_ready_of(award BIGINT)
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

CREATE FUNCTION tranches_ready_keep() RETURNS trigger LANGUAGE plpgsql AS $$
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
    DELETE FROM tranches_ready d WHERE d.award_id = award;
    INSERT INTO tranches_ready SELECT * FROM tranches_ready_of(award);
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME <> 'awards' THEN
        IF OLD.award_id <> NEW.award_id THEN
            DELETE FROM tranches_ready d WHERE d.award_id = OLD.award_id;
            INSERT INTO tranches_ready SELECT * FROM tranches_ready_of(OLD.award_id);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER awards_tranches_ready AFTER UPDATE OF state ON awards
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION tranches_ready_keep();
CREATE TRIGGER awards_tranches_ready_gone AFTER DELETE ON awards
    FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();
CREATE TRIGGER tranches_tranches_ready AFTER INSERT OR UPDATE OR DELETE ON tranches
    FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();
CREATE TRIGGER progress_reports_tranches_ready
    AFTER INSERT OR UPDATE OF state, position, award_id OR DELETE
    ON progress_reports FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();
CREATE TRIGGER payment_requests_tranches_ready
    AFTER INSERT OR UPDATE OF state, tranche_id, award_id OR DELETE
    ON payment_requests FOR EACH ROW EXECUTE FUNCTION tranches_ready_keep();

CREATE FUNCTION tranches_ready_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM tranches_ready;
    INSERT INTO tranches_ready
    SELECT d.* FROM awards a, LATERAL tranches_ready_of(a.id) d WHERE a.state = 'active';
$$;
SELECT tranches_ready_rebuild();

CREATE VIEW tranches_ready_drift AS
SELECT coalesce(k.tranche_id, c.tranche_id) AS tranche_id,
       k.award_id AS kept_award, c.award_id AS computed_award
FROM tranches_ready k
FULL JOIN (SELECT d.* FROM awards a, LATERAL tranches_ready_of(a.id) d WHERE a.state = 'active') c
  ON c.tranche_id = k.tranche_id
WHERE k.award_id IS DISTINCT FROM c.award_id OR k.position IS DISTINCT FROM c.position;
