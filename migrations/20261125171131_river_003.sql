-- river migration, main line version 3 (river job tags non null)
-- Generated from github.com/riverqueue/river/rivermigrate; do not edit (see internal/riverschema).

ALTER TABLE river_job ALTER COLUMN tags SET DEFAULT '{}';
UPDATE river_job SET tags = '{}' WHERE tags IS NULL;
ALTER TABLE river_job ALTER COLUMN tags SET NOT NULL;

INSERT INTO river_migration (version) VALUES (3);
