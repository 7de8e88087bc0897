-- Chat (issue 9): PostgreSQL DDL that ent cannot express, to be folded into
-- the Atlas migrations. Message search (internal/chat/search.go) filters with
-- to_tsvector('simple', body) @@ plainto_tsquery('simple', $1); this GIN
-- expression index serves it (the query is correct without it, only slower).
-- The expression must stay identical to the query's.
CREATE INDEX messages_body_fts ON messages USING GIN (to_tsvector('simple', body));
