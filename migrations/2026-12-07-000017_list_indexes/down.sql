DROP INDEX applications_call_updated_idx;
DROP INDEX applications_title_idx;
