-- Search that reads Chinese (issue 21). One row per organization,
-- application, person and progress report, the things that can be
-- found: its tokens are folded text cut into Han characters, pairs of
-- neighbouring Han characters, English stems and whole codes (see
-- src/domain/search.rs), written by the same transaction as every change to
-- what they were cut from. A GIN index finds the rows holding every token
-- of a query; `title_tokens` (the name or title, and codes) rank matches.
-- Rows for things that existed before this migration are written by
-- `baygrants serve` and `seed` at start (`search::index_missing`).
CREATE TABLE search_documents (
    kind text NOT NULL CHECK (kind IN ('organization', 'application', 'person', 'report')),
    entity_id bigint NOT NULL,
    tokens text[] NOT NULL,
    title_tokens text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    -- An application still being drafted: staff do not find it.
    draft boolean NOT NULL DEFAULT false,
    PRIMARY KEY (kind, entity_id)
);
-- Tokens carry their kind's mark (`a:长者`), so the statistics of common
-- elements are per kind: a search's plan depends on how common its words
-- are (more statistics than the default made planning twice as slow).
CREATE INDEX search_documents_tokens_idx ON search_documents USING gin (tokens);
CREATE INDEX search_documents_title_idx ON search_documents USING gin (title_tokens);
-- A common word is answered from the newest documents down, tier by tier
-- (code, title, text), each stopping at the page's few rows.
CREATE INDEX search_documents_newest_idx
    ON search_documents (kind, draft, updated_at DESC, entity_id DESC);
