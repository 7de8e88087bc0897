-- Rows outside any organization (sign-ups, failed logins, a user's own
-- account changes, the system roles) hold the nil UUID instead of NULL in
-- organization_id, the documented sentinel (oasfield.NilIsNull; the API
-- still shows null), so the column is NOT NULL on every tenant table.
-- Roles lose their foreign key to organizations: no organization has the
-- nil id.
UPDATE "activity_logs" SET "organization_id" = '00000000-0000-0000-0000-000000000000' WHERE "organization_id" IS NULL;
-- Modify "activity_logs" table (the UPDATE above replaced every NULL)
-- atlas:nolint MF104
ALTER TABLE "activity_logs" ALTER COLUMN "organization_id" SET NOT NULL;
-- Modify "roles" table: no organization has the nil id, so the key to organizations goes
-- atlas:nolint CD101
ALTER TABLE "roles" DROP CONSTRAINT "roles_organizations_organization";
UPDATE "roles" SET "organization_id" = '00000000-0000-0000-0000-000000000000' WHERE "organization_id" IS NULL;
-- atlas:nolint MF104
ALTER TABLE "roles" ALTER COLUMN "organization_id" SET NOT NULL;
-- Create index "role_organization_id" to table: "roles"
CREATE INDEX "role_organization_id" ON "roles" ("organization_id");
UPDATE "security_audit_logs" SET "organization_id" = '00000000-0000-0000-0000-000000000000' WHERE "organization_id" IS NULL;
-- Modify "security_audit_logs" table (the UPDATE above replaced every NULL)
-- atlas:nolint MF104
ALTER TABLE "security_audit_logs" ALTER COLUMN "organization_id" SET NOT NULL;
