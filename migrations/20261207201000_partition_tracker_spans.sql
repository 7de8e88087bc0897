-- hand-written: monthly range partitions for the desktop tracker's raw spans (app_usages, idle_periods) on their
-- UUIDv7 id, as 20261207192500_partition_audit_logs.sql does for the audit logs (see internal/partition). A
-- partitioned table cannot enforce a unique index without its partition key, so (user_id, client_record_id)
-- becomes a plain index and ingestion keeps client record ids unique per user (an advisory lock per user and
-- table, then a read). ATTACH builds that index on the old table (only its unique one is dropped here).

-- app_usages
ALTER TABLE "app_usages" RENAME TO "app_usages_legacy";
ALTER INDEX "app_usages_pkey" RENAME TO "app_usages_legacy_pkey";
DROP INDEX "appusage_user_id_client_record_id";
ALTER INDEX "appusage_organization_id" RENAME TO "app_usages_legacy_organization_id";
ALTER INDEX "appusage_user_id_started_at_id" RENAME TO "app_usages_legacy_user_id_started_at_id";
CREATE TABLE "app_usages" (LIKE "app_usages_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("id");
ALTER TABLE "app_usages" ADD CONSTRAINT "app_usages_pkey" PRIMARY KEY ("id");
CREATE INDEX "appusage_organization_id" ON "app_usages" ("organization_id");
CREATE INDEX "appusage_user_id_client_record_id" ON "app_usages" ("user_id", "client_record_id");
CREATE INDEX "appusage_user_id_started_at_id" ON "app_usages" ("user_id", "started_at", "id");
ALTER TABLE "app_usages" ADD CONSTRAINT "app_usages_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "app_usages" ADD CONSTRAINT "app_usages_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "app_usages" ATTACH PARTITION "app_usages_legacy" FOR VALUES FROM (MINVALUE) TO ((lpad(to_hex((extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);

-- idle_periods
ALTER TABLE "idle_periods" RENAME TO "idle_periods_legacy";
ALTER INDEX "idle_periods_pkey" RENAME TO "idle_periods_legacy_pkey";
DROP INDEX "idleperiod_user_id_client_record_id";
ALTER INDEX "idleperiod_organization_id" RENAME TO "idle_periods_legacy_organization_id";
ALTER INDEX "idleperiod_user_id_started_at_id" RENAME TO "idle_periods_legacy_user_id_started_at_id";
CREATE TABLE "idle_periods" (LIKE "idle_periods_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("id");
ALTER TABLE "idle_periods" ADD CONSTRAINT "idle_periods_pkey" PRIMARY KEY ("id");
CREATE INDEX "idleperiod_organization_id" ON "idle_periods" ("organization_id");
CREATE INDEX "idleperiod_user_id_client_record_id" ON "idle_periods" ("user_id", "client_record_id");
CREATE INDEX "idleperiod_user_id_started_at_id" ON "idle_periods" ("user_id", "started_at", "id");
ALTER TABLE "idle_periods" ADD CONSTRAINT "idle_periods_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "idle_periods" ADD CONSTRAINT "idle_periods_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "idle_periods" ATTACH PARTITION "idle_periods_legacy" FOR VALUES FROM (MINVALUE) TO ((lpad(to_hex((extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);
