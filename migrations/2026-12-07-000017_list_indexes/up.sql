-- The admins' application list without a state filter (its default view)
-- sorted all 100,000 applications of the large seed for every page: the
-- state indexes serve only a chosen state. These serve the whole list in
-- either order, and the list of one call, from the cursor on (issue 18).
CREATE INDEX applications_updated_idx ON applications (updated_at, id);
CREATE INDEX applications_title_idx ON applications (title, id);
CREATE INDEX applications_call_updated_idx ON applications (call_id, updated_at, id);
