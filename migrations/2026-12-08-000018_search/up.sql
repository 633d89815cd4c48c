-- Search that reads Chinese (issue 21). One row per thing that can be
-- found: its tokens are folded text cut into Han characters, pairs of
-- neighbouring Han characters, English stems and whole codes (see
-- src/domain/search.rs), written by the same transaction as every change to
-- what they were cut from. A GIN index finds the rows holding every token
-- of a query; `title_tokens` (the name or title, and codes) rank matches.
-- Rows for things that existed before this migration are written by
-- `baygrants serve` and `seed` at start (`search::index_missing`).
CREATE TABLE search_documents (
    kind text NOT NULL CHECK (kind IN ('organization', 'application', 'person')),
    entity_id bigint NOT NULL,
    tokens text[] NOT NULL,
    title_tokens text[] NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, entity_id)
);
CREATE INDEX search_documents_tokens_idx ON search_documents USING gin (tokens);
