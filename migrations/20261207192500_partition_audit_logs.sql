-- hand-written: monthly range partitions for the audit logs (ent cannot declare partitioning). Each table
-- becomes PARTITION BY RANGE (id): ids are UUIDv7, whose first 48 bits are the creation time in
-- milliseconds, so a month is the id range [first id of the month, first id of the next month) and the
-- single-column primary key stays valid (it contains the partition key). The existing table, renamed
-- <table>_legacy, is attached as the partition of every id before next month; `migrate apply`, `serve`
-- and the partitions.maintain job create the monthly partitions after it, and retention drops whole
-- partitions (internal/partition). ATTACH scans the old table once to check its bound (no rewrite).
-- Partitioned tables keep the names of their columns, indexes and constraints, so ent's queries and
-- `migrate diff` see the same schema (dbmigrate keeps the partition key).

-- activity_logs
ALTER TABLE "activity_logs" RENAME TO "activity_logs_legacy";
ALTER INDEX "activity_logs_pkey" RENAME TO "activity_logs_legacy_pkey";
ALTER INDEX "activitylog_actor_user_id_id" RENAME TO "activity_logs_legacy_actor_user_id_id";
ALTER INDEX "activitylog_created_at" RENAME TO "activity_logs_legacy_created_at";
ALTER INDEX "activitylog_organization_id_id" RENAME TO "activity_logs_legacy_organization_id_id";
ALTER INDEX "activitylog_resource_type_resource_id_id" RENAME TO "activity_logs_legacy_resource_type_resource_id_id";
ALTER INDEX "activitylog_project_id_id" RENAME TO "activity_logs_legacy_project_id_id";
CREATE TABLE "activity_logs" (LIKE "activity_logs_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("id");
ALTER TABLE "activity_logs" ADD CONSTRAINT "activity_logs_pkey" PRIMARY KEY ("id");
CREATE INDEX "activitylog_actor_user_id_id" ON "activity_logs" ("actor_user_id", "id");
CREATE INDEX "activitylog_created_at" ON "activity_logs" ("created_at");
CREATE INDEX "activitylog_organization_id_id" ON "activity_logs" ("organization_id", "id");
CREATE INDEX "activitylog_resource_type_resource_id_id" ON "activity_logs" ("resource_type", "resource_id", "id");
CREATE INDEX "activitylog_project_id_id" ON "activity_logs" ("project_id", "id");
ALTER TABLE "activity_logs" ADD CONSTRAINT "activity_logs_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- The bound is evaluated once, now: the first id of next month (UTC).
ALTER TABLE "activity_logs" ATTACH PARTITION "activity_logs_legacy" FOR VALUES FROM (MINVALUE) TO ((lpad(to_hex((extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);

-- security_audit_logs
ALTER TABLE "security_audit_logs" RENAME TO "security_audit_logs_legacy";
ALTER INDEX "security_audit_logs_pkey" RENAME TO "security_audit_logs_legacy_pkey";
ALTER INDEX "securityauditlog_created_at" RENAME TO "security_audit_logs_legacy_created_at";
ALTER INDEX "securityauditlog_event_type_id" RENAME TO "security_audit_logs_legacy_event_type_id";
ALTER INDEX "securityauditlog_organization_id_id" RENAME TO "security_audit_logs_legacy_organization_id_id";
ALTER INDEX "securityauditlog_user_id_id" RENAME TO "security_audit_logs_legacy_user_id_id";
CREATE TABLE "security_audit_logs" (LIKE "security_audit_logs_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("id");
ALTER TABLE "security_audit_logs" ADD CONSTRAINT "security_audit_logs_pkey" PRIMARY KEY ("id");
CREATE INDEX "securityauditlog_created_at" ON "security_audit_logs" ("created_at");
CREATE INDEX "securityauditlog_event_type_id" ON "security_audit_logs" ("event_type", "id");
CREATE INDEX "securityauditlog_organization_id_id" ON "security_audit_logs" ("organization_id", "id");
CREATE INDEX "securityauditlog_user_id_id" ON "security_audit_logs" ("user_id", "id");
ALTER TABLE "security_audit_logs" ATTACH PARTITION "security_audit_logs_legacy" FOR VALUES FROM (MINVALUE) TO ((lpad(to_hex((extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);
