DROP TABLE decision_publications;
DROP TABLE decisions;
DROP FUNCTION decisions_final();
DROP INDEX reviews_due_idx;
ALTER TABLE reviews DROP COLUMN reminded_at;
DROP TABLE panel_invitations;
DROP TABLE component_scores;
DROP TABLE call_score_components;
DROP TABLE call_review_settings;
