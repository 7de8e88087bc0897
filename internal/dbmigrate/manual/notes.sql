-- Notes search (internal/notes.Service.List with q): DDL ent cannot express,
-- to be folded into the Atlas migrations (PostgreSQL only).
--
-- The search predicate is
--   (title || ' ' || content) ILIKE '%' || $1 || '%' ESCAPE '\'
-- (the query parameter has LIKE wildcards escaped). A GIN trigram index on
-- exactly that expression lets PostgreSQL answer the unanchored ILIKE from
-- the index instead of scanning every note of the organization; the query
-- is correct without it, only slower. Soft-deleted notes are filtered by
-- the query (deleted_at IS NULL) and stay in the index, which keeps the
-- expression identical to the query's.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS notes_search_trgm ON notes USING GIN ((title || ' ' || content) gin_trgm_ops);
