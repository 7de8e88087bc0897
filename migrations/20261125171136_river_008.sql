-- river migration, main line version 8 (job id autoincrement)
-- Generated from github.com/riverqueue/river/rivermigrate; do not edit (see internal/riverschema).

-- No-op. Postgres sequences already prevent automatically generated job IDs
-- from being reused.
SELECT 1;

INSERT INTO river_migration (line, version) VALUES ('main', 8);
