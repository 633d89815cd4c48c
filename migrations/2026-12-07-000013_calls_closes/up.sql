-- The public list of calls, latest closing first, read from an index
-- instead of sorting every call (issue 18).
CREATE INDEX calls_closes_idx ON calls (closes_at, id);
