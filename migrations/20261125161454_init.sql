-- Create "activity_logs" table
CREATE TABLE "activity_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "organization_id" uuid NULL, "actor_type" character varying NOT NULL, "actor_user_id" uuid NULL, "actor_agent_id" uuid NULL, "activity_type" character varying NOT NULL, "action" character varying NOT NULL, "resource_type" character varying NOT NULL, "resource_id" uuid NOT NULL, "old_values" jsonb NULL, "new_values" jsonb NULL, "ip" character varying NULL, "user_agent" character varying NULL, "request_id" character varying NULL, PRIMARY KEY ("id"));
-- Create index "activitylog_actor_user_id_id" to table: "activity_logs"
CREATE INDEX "activitylog_actor_user_id_id" ON "activity_logs" ("actor_user_id", "id");
-- Create index "activitylog_created_at" to table: "activity_logs"
CREATE INDEX "activitylog_created_at" ON "activity_logs" ("created_at");
-- Create index "activitylog_organization_id_id" to table: "activity_logs"
CREATE INDEX "activitylog_organization_id_id" ON "activity_logs" ("organization_id", "id");
-- Create index "activitylog_resource_type_resource_id_id" to table: "activity_logs"
CREATE INDEX "activitylog_resource_type_resource_id_id" ON "activity_logs" ("resource_type", "resource_id", "id");
-- Create "agent_actions" table
CREATE TABLE "agent_actions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "tool_call_id" character varying NULL, "input" jsonb NOT NULL, "output" jsonb NULL, "status" character varying NOT NULL DEFAULT 'pending_approval', "expires_at" timestamptz NULL, "decided_at" timestamptz NULL, "decision_reason" character varying NULL, "executed_at" timestamptz NULL, "error_message" character varying NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "session_id" uuid NULL, "call_id" uuid NULL, "tool_id" uuid NOT NULL, "requested_by" uuid NULL, "decided_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentaction_agent_id_status_id" to table: "agent_actions"
CREATE INDEX "agentaction_agent_id_status_id" ON "agent_actions" ("agent_id", "status", "id");
-- Create index "agentaction_call_id" to table: "agent_actions"
CREATE INDEX "agentaction_call_id" ON "agent_actions" ("call_id");
-- Create index "agentaction_organization_id" to table: "agent_actions"
CREATE INDEX "agentaction_organization_id" ON "agent_actions" ("organization_id");
-- Create index "agentaction_organization_id_status_id" to table: "agent_actions"
CREATE INDEX "agentaction_organization_id_status_id" ON "agent_actions" ("organization_id", "status", "id");
-- Create index "agentaction_session_id_id" to table: "agent_actions"
CREATE INDEX "agentaction_session_id_id" ON "agent_actions" ("session_id", "id");
-- Create index "agentaction_status_expires_at" to table: "agent_actions"
CREATE INDEX "agentaction_status_expires_at" ON "agent_actions" ("status", "expires_at");
-- Create "agent_calls" table
CREATE TABLE "agent_calls" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "source" character varying NOT NULL, "client_call_id" character varying NULL, "provider" character varying NOT NULL, "model" character varying NOT NULL, "request_messages" jsonb NULL, "response" jsonb NULL, "prompt_tokens" bigint NOT NULL DEFAULT 0, "completion_tokens" bigint NOT NULL DEFAULT 0, "cached_tokens" bigint NOT NULL DEFAULT 0, "cost_micros" bigint NULL, "unpriced" boolean NOT NULL DEFAULT false, "latency_ms" bigint NULL, "ttft_ms" bigint NULL, "status" character varying NOT NULL, "error_code" character varying NULL, "error_message" character varying NULL, "provider_request_id" character varying NULL, "injection_findings" jsonb NULL, "started_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "session_id" uuid NULL, "task_id" uuid NULL, "user_id" uuid NULL, "model_price_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentcall_agent_id_client_call_id" to table: "agent_calls"
CREATE UNIQUE INDEX "agentcall_agent_id_client_call_id" ON "agent_calls" ("agent_id", "client_call_id") WHERE (client_call_id IS NOT NULL);
-- Create index "agentcall_agent_id_created_at" to table: "agent_calls"
CREATE INDEX "agentcall_agent_id_created_at" ON "agent_calls" ("agent_id", "created_at");
-- Create index "agentcall_organization_id" to table: "agent_calls"
CREATE INDEX "agentcall_organization_id" ON "agent_calls" ("organization_id");
-- Create index "agentcall_organization_id_created_at" to table: "agent_calls"
CREATE INDEX "agentcall_organization_id_created_at" ON "agent_calls" ("organization_id", "created_at");
-- Create index "agentcall_session_id" to table: "agent_calls"
CREATE INDEX "agentcall_session_id" ON "agent_calls" ("session_id");
-- Create index "agentcall_task_id" to table: "agent_calls"
CREATE INDEX "agentcall_task_id" ON "agent_calls" ("task_id");
-- Create "agent_config_versions" table
CREATE TABLE "agent_config_versions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "version" bigint NOT NULL, "snapshot" jsonb NOT NULL, "changed_fields" jsonb NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "author_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentconfigversion_agent_id_version" to table: "agent_config_versions"
CREATE UNIQUE INDEX "agentconfigversion_agent_id_version" ON "agent_config_versions" ("agent_id", "version");
-- Create index "agentconfigversion_organization_id" to table: "agent_config_versions"
CREATE INDEX "agentconfigversion_organization_id" ON "agent_config_versions" ("organization_id");
-- Create "agent_cost_logs" table
CREATE TABLE "agent_cost_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "day" date NOT NULL, "provider" character varying NOT NULL, "model" character varying NOT NULL, "user_id" uuid NULL, "task_id" uuid NULL, "project_id" uuid NULL, "sprint_id" uuid NULL, "calls" bigint NOT NULL DEFAULT 0, "prompt_tokens" bigint NOT NULL DEFAULT 0, "completion_tokens" bigint NOT NULL DEFAULT 0, "cached_tokens" bigint NOT NULL DEFAULT 0, "cost_micros" bigint NOT NULL DEFAULT 0, "unpriced_calls" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "agentcostlog_agent_id_day" to table: "agent_cost_logs"
CREATE INDEX "agentcostlog_agent_id_day" ON "agent_cost_logs" ("agent_id", "day");
-- Create index "agentcostlog_organization_id" to table: "agent_cost_logs"
CREATE INDEX "agentcostlog_organization_id" ON "agent_cost_logs" ("organization_id");
-- Create index "agentcostlog_organization_id_day" to table: "agent_cost_logs"
CREATE INDEX "agentcostlog_organization_id_day" ON "agent_cost_logs" ("organization_id", "day");
-- Create "agent_keys" table
CREATE TABLE "agent_keys" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "prefix" character varying NOT NULL, "secret_hash" bytea NOT NULL, "expires_at" timestamptz NULL, "revoked_at" timestamptz NULL, "last_used_at" timestamptz NULL, "last_used_ip" character varying NULL, "replaced_by" uuid NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "created_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentkey_agent_id_id" to table: "agent_keys"
CREATE INDEX "agentkey_agent_id_id" ON "agent_keys" ("agent_id", "id");
-- Create index "agentkey_organization_id" to table: "agent_keys"
CREATE INDEX "agentkey_organization_id" ON "agent_keys" ("organization_id");
-- Create index "agentkey_prefix" to table: "agent_keys"
CREATE UNIQUE INDEX "agentkey_prefix" ON "agent_keys" ("prefix");
-- Create "agent_messages" table
CREATE TABLE "agent_messages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "role" character varying NOT NULL, "content" character varying NULL, "tool_calls" jsonb NULL, "tool_call_id" character varying NULL, "prompt_tokens" bigint NOT NULL DEFAULT 0, "completion_tokens" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "session_id" uuid NOT NULL, "call_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentmessage_call_id" to table: "agent_messages"
CREATE INDEX "agentmessage_call_id" ON "agent_messages" ("call_id");
-- Create index "agentmessage_organization_id" to table: "agent_messages"
CREATE INDEX "agentmessage_organization_id" ON "agent_messages" ("organization_id");
-- Create index "agentmessage_session_id_id" to table: "agent_messages"
CREATE INDEX "agentmessage_session_id_id" ON "agent_messages" ("session_id", "id");
-- Create "agent_sessions" table
CREATE TABLE "agent_sessions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "title" character varying NOT NULL DEFAULT 'New session', "status" character varying NOT NULL DEFAULT 'active', "started_at" timestamptz NOT NULL, "ended_at" timestamptz NULL, "total_prompt_tokens" bigint NOT NULL DEFAULT 0, "total_completion_tokens" bigint NOT NULL DEFAULT 0, "total_cost_micros" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "started_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agentsession_agent_id_status_id" to table: "agent_sessions"
CREATE INDEX "agentsession_agent_id_status_id" ON "agent_sessions" ("agent_id", "status", "id");
-- Create index "agentsession_organization_id" to table: "agent_sessions"
CREATE INDEX "agentsession_organization_id" ON "agent_sessions" ("organization_id");
-- Create index "agentsession_started_by_id" to table: "agent_sessions"
CREATE INDEX "agentsession_started_by_id" ON "agent_sessions" ("started_by", "id");
-- Create "agent_tasks" table
CREATE TABLE "agent_tasks" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "task_id" uuid NOT NULL, "call_id" uuid NULL, "action_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agenttask_agent_id_id" to table: "agent_tasks"
CREATE INDEX "agenttask_agent_id_id" ON "agent_tasks" ("agent_id", "id");
-- Create index "agenttask_organization_id" to table: "agent_tasks"
CREATE INDEX "agenttask_organization_id" ON "agent_tasks" ("organization_id");
-- Create index "agenttask_task_id_id" to table: "agent_tasks"
CREATE INDEX "agenttask_task_id_id" ON "agent_tasks" ("task_id", "id");
-- Create "agent_tool_bindings" table
CREATE TABLE "agent_tool_bindings" ("agent_id" uuid NOT NULL, "agent_tool_id" uuid NOT NULL, PRIMARY KEY ("agent_id", "agent_tool_id"));
-- Create "agent_tools" table
CREATE TABLE "agent_tools" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "description" character varying NULL, "input_schema" jsonb NULL, "risk_level" character varying NOT NULL, "requires_approval" boolean NOT NULL DEFAULT false, "four_eyes" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "agenttool_organization_id" to table: "agent_tools"
CREATE INDEX "agenttool_organization_id" ON "agent_tools" ("organization_id");
-- Create index "agenttool_organization_id_name" to table: "agent_tools"
CREATE UNIQUE INDEX "agenttool_organization_id_name" ON "agent_tools" ("organization_id", "name") WHERE (deleted_at IS NULL);
-- Create "agent_user_permissions" table
CREATE TABLE "agent_user_permissions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "permission" character varying NOT NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "agentuserpermission_agent_id_user_id_permission" to table: "agent_user_permissions"
CREATE UNIQUE INDEX "agentuserpermission_agent_id_user_id_permission" ON "agent_user_permissions" ("agent_id", "user_id", "permission") WHERE (deleted_at IS NULL);
-- Create index "agentuserpermission_organization_id" to table: "agent_user_permissions"
CREATE INDEX "agentuserpermission_organization_id" ON "agent_user_permissions" ("organization_id");
-- Create index "agentuserpermission_user_id_agent_id" to table: "agent_user_permissions"
CREATE INDEX "agentuserpermission_user_id_agent_id" ON "agent_user_permissions" ("user_id", "agent_id");
-- Create "agents" table
CREATE TABLE "agents" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "description" character varying NULL, "provider" character varying NOT NULL, "model" character varying NOT NULL, "system_prompt" character varying NULL, "goals" jsonb NULL, "parameters" jsonb NULL, "status" character varying NOT NULL DEFAULT 'active', "monthly_budget_micros" bigint NULL, "daily_budget_micros" bigint NULL, "budget_warn_percent" bigint NOT NULL DEFAULT 80, "max_context_tokens" bigint NULL, "max_context_bytes" bigint NULL, "injection_policy" character varying NOT NULL DEFAULT 'flag', "capture_policy" character varying NOT NULL DEFAULT 'redacted', "requires_approval" boolean NOT NULL DEFAULT false, "config_version" bigint NOT NULL DEFAULT 1, "organization_id" uuid NOT NULL, "created_by" uuid NULL, PRIMARY KEY ("id"));
-- Create index "agent_organization_id" to table: "agents"
CREATE INDEX "agent_organization_id" ON "agents" ("organization_id");
-- Create index "agent_organization_id_name" to table: "agents"
CREATE UNIQUE INDEX "agent_organization_id_name" ON "agents" ("organization_id", "name") WHERE (deleted_at IS NULL);
-- Create index "agent_organization_id_status_id" to table: "agents"
CREATE INDEX "agent_organization_id_status_id" ON "agents" ("organization_id", "status", "id");
-- Create "app_usages" table
CREATE TABLE "app_usages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "client_record_id" character varying NOT NULL, "device_id" character varying NOT NULL, "app_name" character varying NOT NULL, "window_title" character varying NULL, "url" character varying NULL, "category" character varying NOT NULL DEFAULT 'uncategorized', "started_at" timestamptz NOT NULL, "ended_at" timestamptz NOT NULL, "duration_seconds" bigint NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "appusage_organization_id" to table: "app_usages"
CREATE INDEX "appusage_organization_id" ON "app_usages" ("organization_id");
-- Create index "appusage_user_id_client_record_id" to table: "app_usages"
CREATE UNIQUE INDEX "appusage_user_id_client_record_id" ON "app_usages" ("user_id", "client_record_id");
-- Create index "appusage_user_id_started_at_id" to table: "app_usages"
CREATE INDEX "appusage_user_id_started_at_id" ON "app_usages" ("user_id", "started_at", "id");
-- Create "audit_seals" table
CREATE TABLE "audit_seals" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "log_table" character varying NOT NULL, "seq" bigint NOT NULL, "first_row_id" uuid NOT NULL, "last_row_id" uuid NOT NULL, "row_count" bigint NOT NULL, "rows_hash" character varying NOT NULL, "prev_seal_hash" character varying NULL, "seal_hash" character varying NOT NULL, "signature" character varying NOT NULL, "key_id" character varying NOT NULL, PRIMARY KEY ("id"));
-- Create index "auditseal_log_table_seq" to table: "audit_seals"
CREATE UNIQUE INDEX "auditseal_log_table_seq" ON "audit_seals" ("log_table", "seq");
-- Create "auth_tokens" table
CREATE TABLE "auth_tokens" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "purpose" character varying NOT NULL, "token_hash" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "authtoken_expires_at" to table: "auth_tokens"
CREATE INDEX "authtoken_expires_at" ON "auth_tokens" ("expires_at");
-- Create index "authtoken_token_hash" to table: "auth_tokens"
CREATE UNIQUE INDEX "authtoken_token_hash" ON "auth_tokens" ("token_hash");
-- Create index "authtoken_user_id_purpose" to table: "auth_tokens"
CREATE INDEX "authtoken_user_id_purpose" ON "auth_tokens" ("user_id", "purpose");
-- Create "board_columns" table
CREATE TABLE "board_columns" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "position" bigint NOT NULL DEFAULT 0, "wip_limit" bigint NULL, "mapped_status" character varying NOT NULL, "board_id" uuid NOT NULL, "organization_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "boardcolumn_board_id_position" to table: "board_columns"
CREATE INDEX "boardcolumn_board_id_position" ON "board_columns" ("board_id", "position");
-- Create index "boardcolumn_organization_id" to table: "board_columns"
CREATE INDEX "boardcolumn_organization_id" ON "board_columns" ("organization_id");
-- Create "boards" table
CREATE TABLE "boards" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "name" character varying NOT NULL, "is_default" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "board_one_default_per_project" to table: "boards"
CREATE UNIQUE INDEX "board_one_default_per_project" ON "boards" ("project_id") WHERE (is_default AND (deleted_at IS NULL));
-- Create index "board_organization_id" to table: "boards"
CREATE INDEX "board_organization_id" ON "boards" ("organization_id");
-- Create index "board_project_id_id" to table: "boards"
CREATE INDEX "board_project_id_id" ON "boards" ("project_id", "id");
-- Create "budget_reservations" table
CREATE TABLE "budget_reservations" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "amount_micros" bigint NOT NULL, "status" character varying NOT NULL DEFAULT 'reserved', "expires_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "agent_id" uuid NOT NULL, "call_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "budgetreservation_agent_id_status_expires_at" to table: "budget_reservations"
CREATE INDEX "budgetreservation_agent_id_status_expires_at" ON "budget_reservations" ("agent_id", "status", "expires_at");
-- Create index "budgetreservation_call_id" to table: "budget_reservations"
CREATE INDEX "budgetreservation_call_id" ON "budget_reservations" ("call_id");
-- Create index "budgetreservation_organization_id" to table: "budget_reservations"
CREATE INDEX "budgetreservation_organization_id" ON "budget_reservations" ("organization_id");
-- Create index "budgetreservation_status_expires_at" to table: "budget_reservations"
CREATE INDEX "budgetreservation_status_expires_at" ON "budget_reservations" ("status", "expires_at");
-- Create "channel_members" table
CREATE TABLE "channel_members" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "role" character varying NOT NULL DEFAULT 'member', "muted" boolean NOT NULL DEFAULT false, "notify_level" character varying NOT NULL DEFAULT 'all', "joined_at" timestamptz NOT NULL, "channel_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "channelmember_channel_id_user_id" to table: "channel_members"
CREATE UNIQUE INDEX "channelmember_channel_id_user_id" ON "channel_members" ("channel_id", "user_id") WHERE (deleted_at IS NULL);
-- Create index "channelmember_organization_id" to table: "channel_members"
CREATE INDEX "channelmember_organization_id" ON "channel_members" ("organization_id");
-- Create index "channelmember_user_id_id" to table: "channel_members"
CREATE INDEX "channelmember_user_id_id" ON "channel_members" ("user_id", "id");
-- Create "channels" table
CREATE TABLE "channels" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "type" character varying NOT NULL, "name" character varying NULL, "direct_key" character varying NULL, "purpose" character varying NULL, "topic" character varying NULL, "archived_at" timestamptz NULL, "last_message_at" timestamptz NULL, "message_count" bigint NOT NULL DEFAULT 0, "last_seq" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "project_id" uuid NULL, "created_by_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "channel_organization_id" to table: "channels"
CREATE INDEX "channel_organization_id" ON "channels" ("organization_id");
-- Create index "channel_organization_id_direct_key" to table: "channels"
CREATE UNIQUE INDEX "channel_organization_id_direct_key" ON "channels" ("organization_id", "direct_key") WHERE ((deleted_at IS NULL) AND (direct_key IS NOT NULL));
-- Create index "channel_organization_id_name" to table: "channels"
CREATE UNIQUE INDEX "channel_organization_id_name" ON "channels" ("organization_id", "name") WHERE ((deleted_at IS NULL) AND ((type)::text = ANY (ARRAY[('public'::character varying)::text, ('private'::character varying)::text])));
-- Create index "channel_organization_id_type_id" to table: "channels"
CREATE INDEX "channel_organization_id_type_id" ON "channels" ("organization_id", "type", "id");
-- Create index "channel_project_id" to table: "channels"
CREATE UNIQUE INDEX "channel_project_id" ON "channels" ("project_id") WHERE ((deleted_at IS NULL) AND ((type)::text = 'project'::text));
-- Create "idle_periods" table
CREATE TABLE "idle_periods" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "client_record_id" character varying NOT NULL, "device_id" character varying NOT NULL, "started_at" timestamptz NOT NULL, "ended_at" timestamptz NOT NULL, "duration_seconds" bigint NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "idleperiod_organization_id" to table: "idle_periods"
CREATE INDEX "idleperiod_organization_id" ON "idle_periods" ("organization_id");
-- Create index "idleperiod_user_id_client_record_id" to table: "idle_periods"
CREATE UNIQUE INDEX "idleperiod_user_id_client_record_id" ON "idle_periods" ("user_id", "client_record_id");
-- Create index "idleperiod_user_id_started_at_id" to table: "idle_periods"
CREATE INDEX "idleperiod_user_id_started_at_id" ON "idle_periods" ("user_id", "started_at", "id");
-- Create "labels" table
CREATE TABLE "labels" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "name" character varying NOT NULL, "color" character varying NOT NULL DEFAULT '#6B7280', "organization_id" uuid NOT NULL, "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "label_organization_id" to table: "labels"
CREATE INDEX "label_organization_id" ON "labels" ("organization_id");
-- Create index "label_project_id_name" to table: "labels"
CREATE UNIQUE INDEX "label_project_id_name" ON "labels" ("project_id", "name") WHERE (deleted_at IS NULL);
-- Create "login_histories" table
CREATE TABLE "login_histories" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "user_id" uuid NULL, "identifier" character varying NOT NULL, "success" boolean NOT NULL, "failure_reason" character varying NULL, "mfa_used" boolean NOT NULL DEFAULT false, "ip" character varying NULL, "user_agent" character varying NULL, PRIMARY KEY ("id"));
-- Create index "loginhistory_created_at" to table: "login_histories"
CREATE INDEX "loginhistory_created_at" ON "login_histories" ("created_at");
-- Create index "loginhistory_user_id_id" to table: "login_histories"
CREATE INDEX "loginhistory_user_id_id" ON "login_histories" ("user_id", "id");
-- Create "message_files" table
CREATE TABLE "message_files" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "file_name" character varying NOT NULL, "content_type" character varying NOT NULL, "size_bytes" bigint NOT NULL, "sha256" character varying NOT NULL, "storage_key" character varying NOT NULL, "message_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "uploader_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "messagefile_channel_id_id" to table: "message_files"
CREATE INDEX "messagefile_channel_id_id" ON "message_files" ("channel_id", "id");
-- Create index "messagefile_message_id" to table: "message_files"
CREATE INDEX "messagefile_message_id" ON "message_files" ("message_id");
-- Create index "messagefile_organization_id" to table: "message_files"
CREATE INDEX "messagefile_organization_id" ON "message_files" ("organization_id");
-- Create index "messagefile_uploader_id_id" to table: "message_files"
CREATE INDEX "messagefile_uploader_id_id" ON "message_files" ("uploader_id", "id");
-- Create "message_mentions" table
CREATE TABLE "message_mentions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "channel_id" uuid NOT NULL, "message_seq" bigint NOT NULL DEFAULT 0, "own_message" boolean NOT NULL DEFAULT false, "message_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "messagemention_message_id_user_id" to table: "message_mentions"
CREATE UNIQUE INDEX "messagemention_message_id_user_id" ON "message_mentions" ("message_id", "user_id");
-- Create index "messagemention_organization_id" to table: "message_mentions"
CREATE INDEX "messagemention_organization_id" ON "message_mentions" ("organization_id");
-- Create index "messagemention_user_id_channel_id_message_seq" to table: "message_mentions"
CREATE INDEX "messagemention_user_id_channel_id_message_seq" ON "message_mentions" ("user_id", "channel_id", "message_seq") WHERE (NOT own_message);
-- Create index "messagemention_user_id_message_id" to table: "message_mentions"
CREATE INDEX "messagemention_user_id_message_id" ON "message_mentions" ("user_id", "message_id");
-- Create "message_reactions" table
CREATE TABLE "message_reactions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "emoji" character varying NOT NULL, "message_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "messagereaction_message_id_user_id_emoji" to table: "message_reactions"
CREATE UNIQUE INDEX "messagereaction_message_id_user_id_emoji" ON "message_reactions" ("message_id", "user_id", "emoji") WHERE (deleted_at IS NULL);
-- Create index "messagereaction_organization_id" to table: "message_reactions"
CREATE INDEX "messagereaction_organization_id" ON "message_reactions" ("organization_id");
-- Create "messages" table
CREATE TABLE "messages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "body" character varying NOT NULL DEFAULT '', "reply_count" bigint NOT NULL DEFAULT 0, "last_reply_at" timestamptz NULL, "edited_at" timestamptz NULL, "mentioned_user_ids" jsonb NULL, "mentions_channel" boolean NOT NULL DEFAULT false, "has_files" boolean NOT NULL DEFAULT false, "seq" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "author_id" uuid NULL, "author_agent_id" uuid NULL, "root_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "messages_messages_replies" FOREIGN KEY ("root_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "message_author_id_channel_id_seq" to table: "messages"
CREATE INDEX "message_author_id_channel_id_seq" ON "messages" ("author_id", "channel_id", "seq") WHERE ((deleted_at IS NULL) AND (author_id IS NOT NULL));
-- Create index "message_author_id_id" to table: "messages"
CREATE INDEX "message_author_id_id" ON "messages" ("author_id", "id");
-- Create index "message_channel_id_id" to table: "messages"
CREATE INDEX "message_channel_id_id" ON "messages" ("channel_id", "id");
-- Create index "message_channel_id_seq_deleted" to table: "messages"
CREATE INDEX "message_channel_id_seq_deleted" ON "messages" ("channel_id", "seq") WHERE (deleted_at IS NOT NULL);
-- Create index "message_channel_id_seq_mentions_channel" to table: "messages"
CREATE INDEX "message_channel_id_seq_mentions_channel" ON "messages" ("channel_id", "seq", "author_id", "id") WHERE (mentions_channel AND (deleted_at IS NULL));
-- Create index "message_organization_id" to table: "messages"
CREATE INDEX "message_organization_id" ON "messages" ("organization_id");
-- Create index "message_root_id_id" to table: "messages"
CREATE INDEX "message_root_id_id" ON "messages" ("root_id", "id");
-- Create "milestones" table
CREATE TABLE "milestones" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "name" character varying NOT NULL, "description" character varying NULL, "due_date" timestamptz NULL, "status" character varying NOT NULL DEFAULT 'open', "organization_id" uuid NOT NULL, "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "milestone_organization_id" to table: "milestones"
CREATE INDEX "milestone_organization_id" ON "milestones" ("organization_id");
-- Create index "milestone_project_id_due_date" to table: "milestones"
CREATE INDEX "milestone_project_id_due_date" ON "milestones" ("project_id", "due_date");
-- Create index "milestone_project_id_status_id" to table: "milestones"
CREATE INDEX "milestone_project_id_status_id" ON "milestones" ("project_id", "status", "id");
-- Create "model_prices" table
CREATE TABLE "model_prices" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "provider" character varying NOT NULL, "model" character varying NOT NULL, "input_micros_per_mtok" bigint NOT NULL, "output_micros_per_mtok" bigint NOT NULL, "cached_input_micros_per_mtok" bigint NULL, "currency" character varying NOT NULL DEFAULT 'USD', "effective_from" timestamptz NOT NULL, "effective_to" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "modelprice_provider_model_effective_from" to table: "model_prices"
CREATE UNIQUE INDEX "modelprice_provider_model_effective_from" ON "model_prices" ("provider", "model", "effective_from") WHERE (deleted_at IS NULL);
-- Create "note_comments" table
CREATE TABLE "note_comments" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "body" character varying NOT NULL, "quote" character varying NULL, "prefix" character varying NULL, "suffix" character varying NULL, "start_offset" bigint NULL, "end_offset" bigint NULL, "anchor_status" character varying NULL, "resolved_at" timestamptz NULL, "organization_id" uuid NOT NULL, "note_id" uuid NOT NULL, "author_id" uuid NOT NULL, "parent_id" uuid NULL, "resolved_by_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "note_comments_note_comments_replies" FOREIGN KEY ("parent_id") REFERENCES "note_comments" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "notecomment_note_id_id" to table: "note_comments"
CREATE INDEX "notecomment_note_id_id" ON "note_comments" ("note_id", "id");
-- Create index "notecomment_organization_id" to table: "note_comments"
CREATE INDEX "notecomment_organization_id" ON "note_comments" ("organization_id");
-- Create index "notecomment_parent_id_id" to table: "note_comments"
CREATE INDEX "notecomment_parent_id_id" ON "note_comments" ("parent_id", "id");
-- Create "note_folders" table
CREATE TABLE "note_folders" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "position" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "parent_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "note_folders_note_folders_children" FOREIGN KEY ("parent_id") REFERENCES "note_folders" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "notefolder_organization_id" to table: "note_folders"
CREATE INDEX "notefolder_organization_id" ON "note_folders" ("organization_id");
-- Create index "notefolder_organization_id_name" to table: "note_folders"
CREATE UNIQUE INDEX "notefolder_organization_id_name" ON "note_folders" ("organization_id", "name") WHERE ((deleted_at IS NULL) AND (parent_id IS NULL));
-- Create index "notefolder_parent_id_name" to table: "note_folders"
CREATE UNIQUE INDEX "notefolder_parent_id_name" ON "note_folders" ("parent_id", "name") WHERE ((deleted_at IS NULL) AND (parent_id IS NOT NULL));
-- Create index "notefolder_parent_id_position" to table: "note_folders"
CREATE INDEX "notefolder_parent_id_position" ON "note_folders" ("parent_id", "position");
-- Create "note_shares" table
CREATE TABLE "note_shares" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "permission" character varying NOT NULL DEFAULT 'view', "expires_at" timestamptz NULL, "note_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NULL, "project_id" uuid NULL, "created_by_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "noteshare_note_id_project_id" to table: "note_shares"
CREATE UNIQUE INDEX "noteshare_note_id_project_id" ON "note_shares" ("note_id", "project_id") WHERE (deleted_at IS NULL);
-- Create index "noteshare_note_id_user_id" to table: "note_shares"
CREATE UNIQUE INDEX "noteshare_note_id_user_id" ON "note_shares" ("note_id", "user_id") WHERE (deleted_at IS NULL);
-- Create index "noteshare_organization_id" to table: "note_shares"
CREATE INDEX "noteshare_organization_id" ON "note_shares" ("organization_id");
-- Create index "noteshare_project_id_id" to table: "note_shares"
CREATE INDEX "noteshare_project_id_id" ON "note_shares" ("project_id", "id");
-- Create index "noteshare_user_id_id" to table: "note_shares"
CREATE INDEX "noteshare_user_id_id" ON "note_shares" ("user_id", "id");
-- Create "note_tag_definitions" table
CREATE TABLE "note_tag_definitions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "name_key" character varying NOT NULL, "color" character varying NOT NULL DEFAULT '#6B7280', "organization_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "notetagdefinition_organization_id" to table: "note_tag_definitions"
CREATE INDEX "notetagdefinition_organization_id" ON "note_tag_definitions" ("organization_id");
-- Create index "notetagdefinition_organization_id_name_key" to table: "note_tag_definitions"
CREATE UNIQUE INDEX "notetagdefinition_organization_id_name_key" ON "note_tag_definitions" ("organization_id", "name_key") WHERE (deleted_at IS NULL);
-- Create "note_tags" table
CREATE TABLE "note_tags" ("note_id" uuid NOT NULL, "note_tag_definition_id" uuid NOT NULL, PRIMARY KEY ("note_id", "note_tag_definition_id"));
-- Create "note_versions" table
CREATE TABLE "note_versions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "version" bigint NOT NULL, "title" character varying NOT NULL, "content" character varying NOT NULL DEFAULT '', "size_bytes" bigint NOT NULL, "organization_id" uuid NOT NULL, "note_id" uuid NOT NULL, "editor_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "noteversion_note_id_version" to table: "note_versions"
CREATE UNIQUE INDEX "noteversion_note_id_version" ON "note_versions" ("note_id", "version");
-- Create index "noteversion_organization_id" to table: "note_versions"
CREATE INDEX "noteversion_organization_id" ON "note_versions" ("organization_id");
-- Create "notes" table
CREATE TABLE "notes" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "title" character varying NOT NULL, "content" character varying NOT NULL DEFAULT '', "visibility" character varying NOT NULL DEFAULT 'private', "pinned" boolean NOT NULL DEFAULT false, "archived_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "content_size" bigint NOT NULL DEFAULT 0, "organization_id" uuid NOT NULL, "folder_id" uuid NULL, "owner_id" uuid NOT NULL, "project_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "note_folder_id_id" to table: "notes"
CREATE INDEX "note_folder_id_id" ON "notes" ("folder_id", "id");
-- Create index "note_organization_id" to table: "notes"
CREATE INDEX "note_organization_id" ON "notes" ("organization_id");
-- Create index "note_organization_id_visibility_id" to table: "notes"
CREATE INDEX "note_organization_id_visibility_id" ON "notes" ("organization_id", "visibility", "id");
-- Create index "note_owner_id_id" to table: "notes"
CREATE INDEX "note_owner_id_id" ON "notes" ("owner_id", "id");
-- Create index "note_project_id_id" to table: "notes"
CREATE INDEX "note_project_id_id" ON "notes" ("project_id", "id");
-- Create "organization_members" table
CREATE TABLE "organization_members" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "status" character varying NOT NULL DEFAULT 'active', "joined_at" timestamptz NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "organizationmember_organization_id_user_id" to table: "organization_members"
CREATE UNIQUE INDEX "organizationmember_organization_id_user_id" ON "organization_members" ("organization_id", "user_id") WHERE (deleted_at IS NULL);
-- Create index "organizationmember_user_id" to table: "organization_members"
CREATE INDEX "organizationmember_user_id" ON "organization_members" ("user_id");
-- Create "organizations" table
CREATE TABLE "organizations" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "slug" character varying NOT NULL, "description" character varying NULL, "plan" character varying NOT NULL DEFAULT 'free', "time_zone" character varying NOT NULL DEFAULT 'UTC', "audit_retention_days" bigint NOT NULL DEFAULT 365, "llm_capture_retention_days" bigint NOT NULL DEFAULT 90, "manager_tracking_enabled" boolean NOT NULL DEFAULT false, "monthly_budget_micros" bigint NULL, "daily_budget_micros" bigint NULL, "budget_warn_percent" bigint NOT NULL DEFAULT 80, PRIMARY KEY ("id"));
-- Create index "organization_slug" to table: "organizations"
CREATE UNIQUE INDEX "organization_slug" ON "organizations" ("slug") WHERE (deleted_at IS NULL);
-- Create "permissions" table
CREATE TABLE "permissions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "resource" character varying NOT NULL, "action" character varying NOT NULL, "description" character varying NULL, PRIMARY KEY ("id"));
-- Create index "permission_resource_action" to table: "permissions"
CREATE UNIQUE INDEX "permission_resource_action" ON "permissions" ("resource", "action");
-- Create "pinned_messages" table
CREATE TABLE "pinned_messages" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "pinned_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "message_id" uuid NOT NULL, "pinned_by_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "pinnedmessage_channel_id_id" to table: "pinned_messages"
CREATE INDEX "pinnedmessage_channel_id_id" ON "pinned_messages" ("channel_id", "id");
-- Create index "pinnedmessage_channel_id_message_id" to table: "pinned_messages"
CREATE UNIQUE INDEX "pinnedmessage_channel_id_message_id" ON "pinned_messages" ("channel_id", "message_id") WHERE (deleted_at IS NULL);
-- Create index "pinnedmessage_organization_id" to table: "pinned_messages"
CREATE INDEX "pinnedmessage_organization_id" ON "pinned_messages" ("organization_id");
-- Create "productivity_summaries" table
CREATE TABLE "productivity_summaries" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "period" character varying NOT NULL, "period_start" date NOT NULL, "active_seconds" bigint NOT NULL DEFAULT 0, "idle_seconds" bigint NOT NULL DEFAULT 0, "productive_seconds" bigint NOT NULL DEFAULT 0, "neutral_seconds" bigint NOT NULL DEFAULT 0, "distracting_seconds" bigint NOT NULL DEFAULT 0, "category_seconds" jsonb NULL, "tasks_completed" bigint NOT NULL DEFAULT 0, "time_logged_seconds" bigint NOT NULL DEFAULT 0, "computed_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "productivitysummary_organization_id" to table: "productivity_summaries"
CREATE INDEX "productivitysummary_organization_id" ON "productivity_summaries" ("organization_id");
-- Create index "productivitysummary_organization_id_user_id_period_period_start" to table: "productivity_summaries"
CREATE UNIQUE INDEX "productivitysummary_organization_id_user_id_period_period_start" ON "productivity_summaries" ("organization_id", "user_id", "period", "period_start");
-- Create "project_members" table
CREATE TABLE "project_members" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "role" character varying NOT NULL DEFAULT 'member', "project_id" uuid NOT NULL, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "projectmember_organization_id" to table: "project_members"
CREATE INDEX "projectmember_organization_id" ON "project_members" ("organization_id");
-- Create index "projectmember_project_id_user_id" to table: "project_members"
CREATE UNIQUE INDEX "projectmember_project_id_user_id" ON "project_members" ("project_id", "user_id") WHERE (deleted_at IS NULL);
-- Create index "projectmember_user_id" to table: "project_members"
CREATE INDEX "projectmember_user_id" ON "project_members" ("user_id");
-- Create "projects" table
CREATE TABLE "projects" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "key" character varying NOT NULL, "name" character varying NOT NULL, "description" character varying NULL, "visibility" character varying NOT NULL DEFAULT 'private', "status" character varying NOT NULL DEFAULT 'active', "archived_at" timestamptz NULL, "start_date" timestamptz NULL, "end_date" timestamptz NULL, "next_task_number" bigint NOT NULL DEFAULT 1, "organization_id" uuid NOT NULL, "owner_id" uuid NOT NULL, "default_board_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "project_organization_id" to table: "projects"
CREATE INDEX "project_organization_id" ON "projects" ("organization_id");
-- Create index "project_organization_id_key" to table: "projects"
CREATE UNIQUE INDEX "project_organization_id_key" ON "projects" ("organization_id", "key") WHERE (deleted_at IS NULL);
-- Create index "project_organization_id_status_id" to table: "projects"
CREATE INDEX "project_organization_id_status_id" ON "projects" ("organization_id", "status", "id");
-- Create index "project_owner_id" to table: "projects"
CREATE INDEX "project_owner_id" ON "projects" ("owner_id");
-- Create "read_receipts" table
CREATE TABLE "read_receipts" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "last_read_message_id" uuid NULL, "last_read_seq" bigint NOT NULL DEFAULT 0, "last_read_at" timestamptz NULL, "organization_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "readreceipt_channel_id_user_id" to table: "read_receipts"
CREATE UNIQUE INDEX "readreceipt_channel_id_user_id" ON "read_receipts" ("channel_id", "user_id");
-- Create index "readreceipt_organization_id" to table: "read_receipts"
CREATE INDEX "readreceipt_organization_id" ON "read_receipts" ("organization_id");
-- Create index "readreceipt_user_id" to table: "read_receipts"
CREATE INDEX "readreceipt_user_id" ON "read_receipts" ("user_id");
-- Create "role_permissions" table
CREATE TABLE "role_permissions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "role_id" uuid NOT NULL, "permission_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "rolepermission_role_id_permission_id" to table: "role_permissions"
CREATE UNIQUE INDEX "rolepermission_role_id_permission_id" ON "role_permissions" ("role_id", "permission_id");
-- Create "roles" table
CREATE TABLE "roles" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "name" character varying NOT NULL, "description" character varying NULL, "is_system" boolean NOT NULL DEFAULT false, "organization_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "role_organization_id_name" to table: "roles"
CREATE UNIQUE INDEX "role_organization_id_name" ON "roles" ("organization_id", "name") WHERE (deleted_at IS NULL);
-- Create "security_audit_logs" table
CREATE TABLE "security_audit_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "organization_id" uuid NULL, "event_type" character varying NOT NULL, "severity" character varying NOT NULL DEFAULT 'info', "user_id" uuid NULL, "agent_id" uuid NULL, "ip" character varying NULL, "user_agent" character varying NULL, "request_id" character varying NULL, "details" jsonb NULL, PRIMARY KEY ("id"));
-- Create index "securityauditlog_created_at" to table: "security_audit_logs"
CREATE INDEX "securityauditlog_created_at" ON "security_audit_logs" ("created_at");
-- Create index "securityauditlog_event_type_id" to table: "security_audit_logs"
CREATE INDEX "securityauditlog_event_type_id" ON "security_audit_logs" ("event_type", "id");
-- Create index "securityauditlog_organization_id_id" to table: "security_audit_logs"
CREATE INDEX "securityauditlog_organization_id_id" ON "security_audit_logs" ("organization_id", "id");
-- Create index "securityauditlog_user_id_id" to table: "security_audit_logs"
CREATE INDEX "securityauditlog_user_id_id" ON "security_audit_logs" ("user_id", "id");
-- Create "sessions" table
CREATE TABLE "sessions" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "refresh_token_hash" character varying NOT NULL, "rotated_token_hashes" jsonb NULL, "token_family" uuid NOT NULL, "device_name" character varying NULL, "device_type" character varying NOT NULL DEFAULT 'unknown', "ip" character varying NULL, "user_agent" character varying NULL, "last_seen_at" timestamptz NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, "revoke_reason" character varying NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "session_expires_at" to table: "sessions"
CREATE INDEX "session_expires_at" ON "sessions" ("expires_at");
-- Create index "session_refresh_token_hash" to table: "sessions"
CREATE UNIQUE INDEX "session_refresh_token_hash" ON "sessions" ("refresh_token_hash");
-- Create index "session_token_family" to table: "sessions"
CREATE INDEX "session_token_family" ON "sessions" ("token_family");
-- Create index "session_user_id_revoked_at" to table: "sessions"
CREATE INDEX "session_user_id_revoked_at" ON "sessions" ("user_id", "revoked_at");
-- Create "sprints" table
CREATE TABLE "sprints" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "name" character varying NOT NULL, "goal" character varying NULL, "status" character varying NOT NULL DEFAULT 'planned', "start_date" timestamptz NULL, "end_date" timestamptz NULL, "completed_at" timestamptz NULL, "organization_id" uuid NOT NULL, "project_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "sprint_one_active_per_project" to table: "sprints"
CREATE UNIQUE INDEX "sprint_one_active_per_project" ON "sprints" ("project_id") WHERE (((status)::text = 'active'::text) AND (deleted_at IS NULL));
-- Create index "sprint_organization_id" to table: "sprints"
CREATE INDEX "sprint_organization_id" ON "sprints" ("organization_id");
-- Create index "sprint_project_id_status_id" to table: "sprints"
CREATE INDEX "sprint_project_id_status_id" ON "sprints" ("project_id", "status", "id");
-- Create "stream_events" table
CREATE TABLE "stream_events" ("id" bigint NOT NULL GENERATED BY DEFAULT AS IDENTITY, "created_at" timestamptz NOT NULL, "organization_id" uuid NOT NULL, "channel_id" uuid NULL, "user_id" uuid NULL, "only_user" boolean NOT NULL DEFAULT false, "type" character varying NOT NULL, "payload" jsonb NOT NULL, PRIMARY KEY ("id"));
-- Create index "streamevent_created_at" to table: "stream_events"
CREATE INDEX "streamevent_created_at" ON "stream_events" ("created_at");
-- Create index "streamevent_organization_id_id" to table: "stream_events"
CREATE INDEX "streamevent_organization_id_id" ON "stream_events" ("organization_id", "id");
-- Create "stream_tickets" table
CREATE TABLE "stream_tickets" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "user_id" uuid NOT NULL, "session_id" uuid NULL, "token_hash" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "streamticket_expires_at" to table: "stream_tickets"
CREATE INDEX "streamticket_expires_at" ON "stream_tickets" ("expires_at");
-- Create index "streamticket_token_hash" to table: "stream_tickets"
CREATE UNIQUE INDEX "streamticket_token_hash" ON "stream_tickets" ("token_hash");
-- Create "task_attachments" table
CREATE TABLE "task_attachments" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "file_name" character varying NOT NULL, "content_type" character varying NOT NULL DEFAULT 'application/octet-stream', "size_bytes" bigint NOT NULL, "sha256" character varying NOT NULL, "storage_key" character varying NOT NULL, "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "uploader_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "taskattachment_organization_id" to table: "task_attachments"
CREATE INDEX "taskattachment_organization_id" ON "task_attachments" ("organization_id");
-- Create index "taskattachment_task_id_id" to table: "task_attachments"
CREATE INDEX "taskattachment_task_id_id" ON "task_attachments" ("task_id", "id");
-- Create "task_comments" table
CREATE TABLE "task_comments" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "body" character varying NOT NULL, "edited_at" timestamptz NULL, "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "author_id" uuid NULL, "author_agent_id" uuid NULL, "parent_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "task_comments_task_comments_children" FOREIGN KEY ("parent_id") REFERENCES "task_comments" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "taskcomment_organization_id" to table: "task_comments"
CREATE INDEX "taskcomment_organization_id" ON "task_comments" ("organization_id");
-- Create index "taskcomment_parent_id" to table: "task_comments"
CREATE INDEX "taskcomment_parent_id" ON "task_comments" ("parent_id");
-- Create index "taskcomment_task_id_id" to table: "task_comments"
CREATE INDEX "taskcomment_task_id_id" ON "task_comments" ("task_id", "id");
-- Create "task_dependencies" table
CREATE TABLE "task_dependencies" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "type" character varying NOT NULL, "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "depends_on_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "task_dependency_not_self" CHECK (task_id <> depends_on_id));
-- Create index "taskdependency_depends_on_id" to table: "task_dependencies"
CREATE INDEX "taskdependency_depends_on_id" ON "task_dependencies" ("depends_on_id");
-- Create index "taskdependency_organization_id" to table: "task_dependencies"
CREATE INDEX "taskdependency_organization_id" ON "task_dependencies" ("organization_id");
-- Create index "taskdependency_task_id_depends_on_id_type" to table: "task_dependencies"
CREATE UNIQUE INDEX "taskdependency_task_id_depends_on_id_type" ON "task_dependencies" ("task_id", "depends_on_id", "type") WHERE (deleted_at IS NULL);
-- Create "task_labels" table
CREATE TABLE "task_labels" ("task_id" uuid NOT NULL, "label_id" uuid NOT NULL, PRIMARY KEY ("task_id", "label_id"));
-- Create "tasks" table
CREATE TABLE "tasks" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "version" bigint NOT NULL DEFAULT 1, "number" bigint NOT NULL, "title" character varying NOT NULL, "description" character varying NULL, "status" character varying NOT NULL DEFAULT 'backlog', "priority" character varying NOT NULL DEFAULT 'none', "type" character varying NOT NULL DEFAULT 'task', "position" bigint NOT NULL DEFAULT 0, "start_date" timestamptz NULL, "due_date" timestamptz NULL, "completed_at" timestamptz NULL, "estimate_minutes" bigint NULL, "story_points" double precision NULL, "is_ai_generated" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, "project_id" uuid NOT NULL, "assignee_id" uuid NULL, "reporter_id" uuid NOT NULL, "parent_id" uuid NULL, "sprint_id" uuid NULL, "milestone_id" uuid NULL, "column_id" uuid NULL, "ai_generating_agent_id" uuid NULL, PRIMARY KEY ("id"), CONSTRAINT "tasks_tasks_children" FOREIGN KEY ("parent_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "task_assignee_id_id" to table: "tasks"
CREATE INDEX "task_assignee_id_id" ON "tasks" ("assignee_id", "id");
-- Create index "task_column_id_position" to table: "tasks"
CREATE INDEX "task_column_id_position" ON "tasks" ("column_id", "position");
-- Create index "task_milestone_id_id" to table: "tasks"
CREATE INDEX "task_milestone_id_id" ON "tasks" ("milestone_id", "id");
-- Create index "task_organization_id" to table: "tasks"
CREATE INDEX "task_organization_id" ON "tasks" ("organization_id");
-- Create index "task_parent_id" to table: "tasks"
CREATE INDEX "task_parent_id" ON "tasks" ("parent_id");
-- Create index "task_project_id_due_date" to table: "tasks"
CREATE INDEX "task_project_id_due_date" ON "tasks" ("project_id", "due_date");
-- Create index "task_project_id_number" to table: "tasks"
CREATE UNIQUE INDEX "task_project_id_number" ON "tasks" ("project_id", "number");
-- Create index "task_project_id_position" to table: "tasks"
CREATE INDEX "task_project_id_position" ON "tasks" ("project_id", "position") WHERE (column_id IS NULL);
-- Create index "task_project_id_status_id" to table: "tasks"
CREATE INDEX "task_project_id_status_id" ON "tasks" ("project_id", "status", "id");
-- Create index "task_sprint_id_id" to table: "tasks"
CREATE INDEX "task_sprint_id_id" ON "tasks" ("sprint_id", "id");
-- Create "time_logs" table
CREATE TABLE "time_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "started_at" timestamptz NOT NULL, "ended_at" timestamptz NULL, "minutes" bigint NOT NULL DEFAULT 0, "note" character varying NULL, "billable" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, "task_id" uuid NOT NULL, "user_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "timelog_organization_id" to table: "time_logs"
CREATE INDEX "timelog_organization_id" ON "time_logs" ("organization_id");
-- Create index "timelog_task_id_id" to table: "time_logs"
CREATE INDEX "timelog_task_id_id" ON "time_logs" ("task_id", "id");
-- Create index "timelog_user_id_started_at" to table: "time_logs"
CREATE INDEX "timelog_user_id_started_at" ON "time_logs" ("user_id", "started_at");
-- Create "user_roles" table
CREATE TABLE "user_roles" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "granted_by" uuid NULL, "role_id" uuid NOT NULL, "user_id" uuid NOT NULL, "organization_id" uuid NOT NULL, PRIMARY KEY ("id"));
-- Create index "userrole_organization_id" to table: "user_roles"
CREATE INDEX "userrole_organization_id" ON "user_roles" ("organization_id");
-- Create index "userrole_user_id_role_id_organization_id" to table: "user_roles"
CREATE UNIQUE INDEX "userrole_user_id_role_id_organization_id" ON "user_roles" ("user_id", "role_id", "organization_id");
-- Create "users" table
CREATE TABLE "users" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "email" character varying NOT NULL, "username" character varying NOT NULL, "display_name" character varying NULL, "password_hash" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'active', "is_superuser" boolean NOT NULL DEFAULT false, "email_verified_at" timestamptz NULL, "failed_login_attempts" bigint NOT NULL DEFAULT 0, "locked_until" timestamptz NULL, "last_login_at" timestamptz NULL, "last_login_ip" character varying NULL, "mfa_enabled" boolean NOT NULL DEFAULT false, "mfa_secret" bytea NULL, "recovery_codes" jsonb NULL, "mfa_last_used_step" bigint NULL, "password_changed_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "user_email" to table: "users"
CREATE UNIQUE INDEX "user_email" ON "users" ("email") WHERE (deleted_at IS NULL);
-- Create index "user_username" to table: "users"
CREATE UNIQUE INDEX "user_username" ON "users" ("username") WHERE (deleted_at IS NULL);
-- Create "work_logs" table
CREATE TABLE "work_logs" ("id" uuid NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "deleted_at" timestamptz NULL, "description" character varying NULL, "started_at" timestamptz NOT NULL, "ended_at" timestamptz NULL, "duration_seconds" bigint NOT NULL DEFAULT 0, "source" character varying NOT NULL DEFAULT 'manual', "billable" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, "user_id" uuid NOT NULL, "task_id" uuid NULL, "project_id" uuid NULL, PRIMARY KEY ("id"));
-- Create index "worklog_organization_id" to table: "work_logs"
CREATE INDEX "worklog_organization_id" ON "work_logs" ("organization_id");
-- Create index "worklog_project_id_started_at_id" to table: "work_logs"
CREATE INDEX "worklog_project_id_started_at_id" ON "work_logs" ("project_id", "started_at", "id");
-- Create index "worklog_task_id_id" to table: "work_logs"
CREATE INDEX "worklog_task_id_id" ON "work_logs" ("task_id", "id");
-- Create index "worklog_user_id" to table: "work_logs"
CREATE UNIQUE INDEX "worklog_user_id" ON "work_logs" ("user_id") WHERE ((ended_at IS NULL) AND (deleted_at IS NULL));
-- Create index "worklog_user_id_started_at_id" to table: "work_logs"
CREATE INDEX "worklog_user_id_started_at_id" ON "work_logs" ("user_id", "started_at", "id");
-- Modify "agent_actions" table
ALTER TABLE "agent_actions" ADD CONSTRAINT "agent_actions_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_actions_agent_sessions_session" FOREIGN KEY ("session_id") REFERENCES "agent_sessions" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_actions_agent_tools_tool" FOREIGN KEY ("tool_id") REFERENCES "agent_tools" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_actions_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_actions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_actions_users_decider" FOREIGN KEY ("decided_by") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_actions_users_requester" FOREIGN KEY ("requested_by") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "agent_calls" table
ALTER TABLE "agent_calls" ADD CONSTRAINT "agent_calls_agent_sessions_session" FOREIGN KEY ("session_id") REFERENCES "agent_sessions" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_calls_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_calls_model_prices_model_price" FOREIGN KEY ("model_price_id") REFERENCES "model_prices" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_calls_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_calls_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_calls_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "agent_config_versions" table
ALTER TABLE "agent_config_versions" ADD CONSTRAINT "agent_config_versions_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_config_versions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_config_versions_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "agent_cost_logs" table
ALTER TABLE "agent_cost_logs" ADD CONSTRAINT "agent_cost_logs_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_cost_logs_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "agent_keys" table
ALTER TABLE "agent_keys" ADD CONSTRAINT "agent_keys_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_keys_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_keys_users_creator" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "agent_messages" table
ALTER TABLE "agent_messages" ADD CONSTRAINT "agent_messages_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_messages_agent_sessions_session" FOREIGN KEY ("session_id") REFERENCES "agent_sessions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_messages_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "agent_sessions" table
ALTER TABLE "agent_sessions" ADD CONSTRAINT "agent_sessions_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_sessions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_sessions_users_starter" FOREIGN KEY ("started_by") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "agent_tasks" table
ALTER TABLE "agent_tasks" ADD CONSTRAINT "agent_tasks_agent_actions_action" FOREIGN KEY ("action_id") REFERENCES "agent_actions" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_tasks_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "agent_tasks_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_tasks_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_tasks_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "agent_tool_bindings" table
ALTER TABLE "agent_tool_bindings" ADD CONSTRAINT "agent_tool_bindings_agent_id" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "agent_tool_bindings_agent_tool_id" FOREIGN KEY ("agent_tool_id") REFERENCES "agent_tools" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
-- Modify "agent_tools" table
ALTER TABLE "agent_tools" ADD CONSTRAINT "agent_tools_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "agent_user_permissions" table
ALTER TABLE "agent_user_permissions" ADD CONSTRAINT "agent_user_permissions_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_user_permissions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_user_permissions_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "agents" table
ALTER TABLE "agents" ADD CONSTRAINT "agents_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agents_users_creator" FOREIGN KEY ("created_by") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "app_usages" table
ALTER TABLE "app_usages" ADD CONSTRAINT "app_usages_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "app_usages_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "auth_tokens" table
ALTER TABLE "auth_tokens" ADD CONSTRAINT "auth_tokens_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "board_columns" table
ALTER TABLE "board_columns" ADD CONSTRAINT "board_columns_boards_columns" FOREIGN KEY ("board_id") REFERENCES "boards" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "board_columns_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "boards" table
ALTER TABLE "boards" ADD CONSTRAINT "boards_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "boards_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "budget_reservations" table
ALTER TABLE "budget_reservations" ADD CONSTRAINT "budget_reservations_agent_calls_call" FOREIGN KEY ("call_id") REFERENCES "agent_calls" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "budget_reservations_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "budget_reservations_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "channel_members" table
ALTER TABLE "channel_members" ADD CONSTRAINT "channel_members_channels_members" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "channel_members_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "channel_members_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "channels" table
ALTER TABLE "channels" ADD CONSTRAINT "channels_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "channels_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "channels_users_created_by" FOREIGN KEY ("created_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "idle_periods" table
ALTER TABLE "idle_periods" ADD CONSTRAINT "idle_periods_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "idle_periods_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "labels" table
ALTER TABLE "labels" ADD CONSTRAINT "labels_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "labels_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "message_files" table
ALTER TABLE "message_files" ADD CONSTRAINT "message_files_channels_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_files_messages_attachments" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_files_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_files_users_uploader" FOREIGN KEY ("uploader_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "message_mentions" table
ALTER TABLE "message_mentions" ADD CONSTRAINT "message_mentions_messages_mentions" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_mentions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_mentions_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "message_reactions" table
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_messages_reactions" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_reactions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "message_reactions_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "messages" table
ALTER TABLE "messages" ADD CONSTRAINT "messages_agents_author_agent" FOREIGN KEY ("author_agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "messages_channels_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "messages_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "messages_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "milestones" table
ALTER TABLE "milestones" ADD CONSTRAINT "milestones_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "milestones_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "note_comments" table
ALTER TABLE "note_comments" ADD CONSTRAINT "note_comments_notes_note" FOREIGN KEY ("note_id") REFERENCES "notes" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_comments_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_comments_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_comments_users_resolved_by" FOREIGN KEY ("resolved_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "note_folders" table
ALTER TABLE "note_folders" ADD CONSTRAINT "note_folders_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "note_shares" table
ALTER TABLE "note_shares" ADD CONSTRAINT "note_shares_notes_shares" FOREIGN KEY ("note_id") REFERENCES "notes" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_shares_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_shares_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "note_shares_users_created_by" FOREIGN KEY ("created_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_shares_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "note_tag_definitions" table
ALTER TABLE "note_tag_definitions" ADD CONSTRAINT "note_tag_definitions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "note_tags" table
ALTER TABLE "note_tags" ADD CONSTRAINT "note_tags_note_id" FOREIGN KEY ("note_id") REFERENCES "notes" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "note_tags_note_tag_definition_id" FOREIGN KEY ("note_tag_definition_id") REFERENCES "note_tag_definitions" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
-- Modify "note_versions" table
ALTER TABLE "note_versions" ADD CONSTRAINT "note_versions_notes_note" FOREIGN KEY ("note_id") REFERENCES "notes" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_versions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_versions_users_editor" FOREIGN KEY ("editor_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "notes" table
ALTER TABLE "notes" ADD CONSTRAINT "notes_note_folders_folder" FOREIGN KEY ("folder_id") REFERENCES "note_folders" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "notes_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "notes_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "notes_users_owner" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "organization_members" table
ALTER TABLE "organization_members" ADD CONSTRAINT "organization_members_organizations_members" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "organization_members_users_memberships" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "pinned_messages" table
ALTER TABLE "pinned_messages" ADD CONSTRAINT "pinned_messages_channels_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "pinned_messages_messages_message" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "pinned_messages_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "pinned_messages_users_pinned_by" FOREIGN KEY ("pinned_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "productivity_summaries" table
ALTER TABLE "productivity_summaries" ADD CONSTRAINT "productivity_summaries_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "productivity_summaries_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "project_members" table
ALTER TABLE "project_members" ADD CONSTRAINT "project_members_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "project_members_projects_members" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "project_members_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "projects" table
ALTER TABLE "projects" ADD CONSTRAINT "projects_boards_default_board" FOREIGN KEY ("default_board_id") REFERENCES "boards" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "projects_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "projects_users_owner" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "read_receipts" table
ALTER TABLE "read_receipts" ADD CONSTRAINT "read_receipts_channels_channel" FOREIGN KEY ("channel_id") REFERENCES "channels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "read_receipts_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "read_receipts_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "role_permissions" table
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_permissions_permission" FOREIGN KEY ("permission_id") REFERENCES "permissions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "role_permissions_roles_role" FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "roles" table
ALTER TABLE "roles" ADD CONSTRAINT "roles_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "sessions" table
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_users_sessions" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "sprints" table
ALTER TABLE "sprints" ADD CONSTRAINT "sprints_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "sprints_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "task_attachments" table
ALTER TABLE "task_attachments" ADD CONSTRAINT "task_attachments_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_attachments_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_attachments_users_uploader" FOREIGN KEY ("uploader_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "task_comments" table
ALTER TABLE "task_comments" ADD CONSTRAINT "task_comments_agents_author_agent" FOREIGN KEY ("author_agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "task_comments_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_comments_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_comments_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Modify "task_dependencies" table
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_dependencies_tasks_depends_on" FOREIGN KEY ("depends_on_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_dependencies_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "task_labels" table
ALTER TABLE "task_labels" ADD CONSTRAINT "task_labels_label_id" FOREIGN KEY ("label_id") REFERENCES "labels" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, ADD CONSTRAINT "task_labels_task_id" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE CASCADE;
-- Modify "tasks" table
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_agents_ai_generating_agent" FOREIGN KEY ("ai_generating_agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "tasks_board_columns_column" FOREIGN KEY ("column_id") REFERENCES "board_columns" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "tasks_milestones_milestone" FOREIGN KEY ("milestone_id") REFERENCES "milestones" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "tasks_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "tasks_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "tasks_sprints_sprint" FOREIGN KEY ("sprint_id") REFERENCES "sprints" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "tasks_users_assignee" FOREIGN KEY ("assignee_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "tasks_users_reporter" FOREIGN KEY ("reporter_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "time_logs" table
ALTER TABLE "time_logs" ADD CONSTRAINT "time_logs_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "time_logs_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "time_logs_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "user_roles" table
ALTER TABLE "user_roles" ADD CONSTRAINT "user_roles_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "user_roles_roles_user_roles" FOREIGN KEY ("role_id") REFERENCES "roles" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "user_roles_users_user_roles" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Modify "work_logs" table
ALTER TABLE "work_logs" ADD CONSTRAINT "work_logs_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "work_logs_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "work_logs_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, ADD CONSTRAINT "work_logs_users_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
