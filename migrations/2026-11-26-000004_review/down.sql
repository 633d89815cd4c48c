DROP TABLE review_scores;
DROP TABLE reviews;
DROP TABLE reviewer_affiliations;
DROP TABLE panel_members;
