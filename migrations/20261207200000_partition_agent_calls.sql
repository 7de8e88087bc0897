-- hand-written: monthly range partitions for agent_calls on its UUIDv7 id (see 20261207192500_partition_audit_logs.sql
-- and internal/partition). A partitioned table cannot enforce a unique index without its partition key, so
-- (agent_id, client_call_id) becomes a plain index and ledger.Report keeps client call ids unique per agent (an
-- advisory lock per key, then a read). The four foreign keys into agent_calls are re-created against the
-- partitioned table (a foreign key follows the table it was created on, which becomes agent_calls_legacy);
-- re-adding them checks every referencing row once.

ALTER TABLE "agent_actions" DROP CONSTRAINT "agent_actions_agent_calls_call";
ALTER TABLE "agent_messages" DROP CONSTRAINT "agent_messages_agent_calls_call";
ALTER TABLE "agent_tasks" DROP CONSTRAINT "agent_tasks_agent_calls_call";
ALTER TABLE "budget_reservations" DROP CONSTRAINT "budget_reservations_agent_calls_call";

ALTER TABLE "agent_calls" RENAME TO "agent_calls_legacy";
ALTER INDEX "agent_calls_pkey" RENAME TO "agent_calls_legacy_pkey";
DROP INDEX "agentcall_agent_id_client_call_id";
ALTER INDEX "agentcall_agent_id_created_at" RENAME TO "agent_calls_legacy_agent_id_created_at";
ALTER INDEX "agentcall_organization_id" RENAME TO "agent_calls_legacy_organization_id";
ALTER INDEX "agentcall_organization_id_created_at" RENAME TO "agent_calls_legacy_organization_id_created_at";
ALTER INDEX "agentcall_session_id" RENAME TO "agent_calls_legacy_session_id";
ALTER INDEX "agentcall_task_id" RENAME TO "agent_calls_legacy_task_id";
CREATE TABLE "agent_calls" (LIKE "agent_calls_legacy" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("id");
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_pkey" PRIMARY KEY ("id");
CREATE INDEX "agentcall_agent_id_client_call_id" ON "agent_calls" ("agent_id", "client_call_id") WHERE (client_call_id IS NOT NULL);
CREATE INDEX "agentcall_agent_id_created_at" ON "agent_calls" ("agent_id", "created_at");
CREATE INDEX "agentcall_organization_id" ON "agent_calls" ("organization_id");
CREATE INDEX "agentcall_organization_id_created_at" ON "agent_calls" ("organization_id", "created_at");
CREATE INDEX "agentcall_session_id" ON "agent_calls" ("session_id");
CREATE INDEX "agentcall_task_id" ON "agent_calls" ("task_id");
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_agent_sessions_session" FOREIGN KEY ("session_id") REFERENCES "agent_sessions" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_model_prices_model_price" FOREIGN KEY ("model_price_id") REFERENCES "model_prices" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- The bound is evaluated once, now: the first id of next month (UTC). ATTACH builds the (agent_id,
-- client_call_id) index on the old table, which has only the unique one dropped above.
ALTER TABLE "agent_calls" ATTACH PARTITION "agent_calls_legacy" FOR VALUES FROM (MINVALUE) TO ((lpad(to_hex((extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid);

ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "agent_messages" ADD CONSTRAINT "agent_messages_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "agent_tasks" ADD CONSTRAINT "agent_tasks_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
