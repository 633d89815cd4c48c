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
    PRIMARY KEY (kind, entity_id)
);
-- A query reads the rows its tokens found (id, date, title tokens), never
-- `tokens` itself (the index answers `@>` exactly): stored out of line, the
-- tokens leave rows of a hundred bytes, so a word in ten thousand
-- documents reads a few hundred pages, not ten megabytes.
ALTER TABLE search_documents SET (toast_tuple_target = 128);
ALTER TABLE search_documents ALTER COLUMN tokens SET STORAGE EXTERNAL;
CREATE INDEX search_documents_tokens_idx ON search_documents USING gin (tokens);
