DROP VIEW fund_award_counts_drift;
DROP TRIGGER awards_counted_on_change ON awards;
DROP TRIGGER awards_counted ON awards;
DROP FUNCTION fund_award_counts_keep();
DROP TABLE fund_award_counts;
