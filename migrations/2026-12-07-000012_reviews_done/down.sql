DROP INDEX reviews_done_idx;
