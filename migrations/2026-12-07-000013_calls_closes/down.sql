DROP INDEX calls_closes_idx;
