-- hand-written: search indexes that ent cannot express (an extension, GIN expression and trigram indexes).
-- Each serves a query that is correct without it, only slower; an index expression must stay identical to
-- its query's (internal/chat/search.go, internal/notes, internal/tasks/list.go). `migrate diff` keeps them
-- (dbmigrate ignores drops of indexes created by hand-written files).

-- pg_trgm lets GIN indexes answer unanchored ILIKE '%...%' matches.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Task free-text search: title ILIKE OR description ILIKE (ent's ContainsFold), a BitmapOr of both.
CREATE INDEX tasks_title_trgm ON tasks USING GIN (title gin_trgm_ops);
CREATE INDEX tasks_description_trgm ON tasks USING GIN (description gin_trgm_ops);

-- Notes search: (title || ' ' || content) ILIKE '%' || $1 || '%'.
CREATE INDEX notes_search_trgm ON notes USING GIN ((title || ' ' || content) gin_trgm_ops);

-- Chat message search: to_tsvector('simple', body) @@ plainto_tsquery('simple', $1).
CREATE INDEX messages_body_fts ON messages USING GIN (to_tsvector('simple', body));
