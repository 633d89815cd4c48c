-- The fund dashboard's award counts from kept figures (issue 18): how many
-- of each fund's awards are in each state, kept by a trigger in the same
-- transaction as the award's change, so the dashboard reads at most four
-- rows instead of counting every award of the fund. Derived data:
-- `fund_award_counts_drift` lists any difference from a fresh count (the
-- tests assert it is empty). No foreign key to funds: the check would take
-- a share lock on the fund's row at every first award in a state, and the
-- lapse job holds that row FOR UPDATE while it works through the fund.
CREATE TABLE fund_award_counts (
    fund_id BIGINT NOT NULL,
    state   TEXT NOT NULL,
    n       BIGINT NOT NULL CHECK (n >= 0),
    PRIMARY KEY (fund_id, state)
);

CREATE FUNCTION fund_award_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE fund_award_counts SET n = n - 1
        WHERE fund_id = OLD.fund_id AND state = OLD.state;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO fund_award_counts (fund_id, state, n) VALUES (NEW.fund_id, NEW.state, 1)
        ON CONFLICT (fund_id, state) DO UPDATE SET n = fund_award_counts.n + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER awards_counted AFTER INSERT OR DELETE ON awards
    FOR EACH ROW EXECUTE FUNCTION fund_award_counts_keep();
CREATE TRIGGER awards_counted_on_change AFTER UPDATE OF state, fund_id ON awards
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.fund_id IS DISTINCT FROM NEW.fund_id)
    EXECUTE FUNCTION fund_award_counts_keep();

INSERT INTO fund_award_counts (fund_id, state, n)
SELECT fund_id, state, count(*) FROM awards GROUP BY 1, 2;

CREATE VIEW fund_award_counts_drift AS
SELECT coalesce(k.fund_id, c.fund_id) AS fund_id, coalesce(k.state, c.state) AS state,
       k.n AS kept, c.n AS counted
FROM (SELECT * FROM fund_award_counts WHERE n <> 0) k
FULL JOIN (SELECT fund_id, state, count(*) AS n FROM awards GROUP BY 1, 2) c
  ON c.fund_id = k.fund_id AND c.state = k.state
WHERE k.n IS DISTINCT FROM c.n;
