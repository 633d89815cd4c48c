-- The reviewer's done list, newest first, without reading the reviews still
-- open (issue 18's cost guard found the queue reading all of them).
CREATE INDEX reviews_done_idx ON reviews (reviewer_id, id) WHERE state IN ('submitted', 'conflict');
