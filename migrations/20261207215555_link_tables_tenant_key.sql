-- The many-to-many link tables become edge schemas: each link gets an id
-- of its own (UUIDv7 from the time of the migration) and its tenant key,
-- the organization of the row it hangs off, so no tenant row is without
-- organization_id. Existing links are kept; the pair of ends stays unique.
-- Add the columns to "agent_tool_bindings" and fill them from the agent of each link
ALTER TABLE "agent_tool_bindings" ADD COLUMN "id" uuid, ADD COLUMN "organization_id" uuid;
UPDATE "agent_tool_bindings" SET "id" = (substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 9, 4) || '-7' || substr(gen_random_uuid()::text, 16))::uuid, "organization_id" = p."organization_id" FROM "agents" p WHERE p."id" = "agent_tool_bindings"."agent_id";
-- Modify "agent_tool_bindings" table
-- The UPDATE above filled id and organization_id; the two dropped keys come back under ent's names.
-- atlas:nolint MF104 CD101
ALTER TABLE "agent_tool_bindings" DROP CONSTRAINT "agent_tool_bindings_pkey", DROP CONSTRAINT "agent_tool_bindings_agent_id", DROP CONSTRAINT "agent_tool_bindings_agent_tool_id", ALTER COLUMN "id" SET NOT NULL, ALTER COLUMN "organization_id" SET NOT NULL, ADD PRIMARY KEY ("id"), ADD CONSTRAINT "agent_tool_bindings_agent_tools_agent_tool" FOREIGN KEY ("agent_tool_id") REFERENCES "agent_tools" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_tool_bindings_agents_agent" FOREIGN KEY ("agent_id") REFERENCES "agents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "agent_tool_bindings_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Create index "agenttoolbinding_agent_id_agent_tool_id" to table: "agent_tool_bindings"
-- The pair was the primary key until now, so it is unique.
-- atlas:nolint MF101
CREATE UNIQUE INDEX "agenttoolbinding_agent_id_agent_tool_id" ON "agent_tool_bindings" ("agent_id", "agent_tool_id");
-- Create index "agenttoolbinding_organization_id" to table: "agent_tool_bindings"
CREATE INDEX "agenttoolbinding_organization_id" ON "agent_tool_bindings" ("organization_id");
-- Add the columns to "note_tags" and fill them from the note of each link
ALTER TABLE "note_tags" ADD COLUMN "id" uuid, ADD COLUMN "organization_id" uuid;
UPDATE "note_tags" SET "id" = (substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 9, 4) || '-7' || substr(gen_random_uuid()::text, 16))::uuid, "organization_id" = p."organization_id" FROM "notes" p WHERE p."id" = "note_tags"."note_id";
-- Modify "note_tags" table
-- The UPDATE above filled id and organization_id; the two dropped keys come back under ent's names.
-- atlas:nolint MF104 CD101
ALTER TABLE "note_tags" DROP CONSTRAINT "note_tags_pkey", DROP CONSTRAINT "note_tags_note_id", DROP CONSTRAINT "note_tags_note_tag_definition_id", ALTER COLUMN "id" SET NOT NULL, ALTER COLUMN "organization_id" SET NOT NULL, ADD PRIMARY KEY ("id"), ADD CONSTRAINT "note_tags_note_tag_definitions_note_tag_definition" FOREIGN KEY ("note_tag_definition_id") REFERENCES "note_tag_definitions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_tags_notes_note" FOREIGN KEY ("note_id") REFERENCES "notes" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "note_tags_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Create index "notetag_note_id_note_tag_definition_id" to table: "note_tags"
-- The pair was the primary key until now, so it is unique.
-- atlas:nolint MF101
CREATE UNIQUE INDEX "notetag_note_id_note_tag_definition_id" ON "note_tags" ("note_id", "note_tag_definition_id");
-- Create index "notetag_organization_id" to table: "note_tags"
CREATE INDEX "notetag_organization_id" ON "note_tags" ("organization_id");
-- Add the columns to "task_labels" and fill them from the task of each link
ALTER TABLE "task_labels" ADD COLUMN "id" uuid, ADD COLUMN "organization_id" uuid;
UPDATE "task_labels" SET "id" = (substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex((extract(epoch FROM now()) * 1000)::bigint), 12, '0'), 9, 4) || '-7' || substr(gen_random_uuid()::text, 16))::uuid, "organization_id" = p."organization_id" FROM "tasks" p WHERE p."id" = "task_labels"."task_id";
-- Modify "task_labels" table
-- The UPDATE above filled id and organization_id; the two dropped keys come back under ent's names.
-- atlas:nolint MF104 CD101
ALTER TABLE "task_labels" DROP CONSTRAINT "task_labels_pkey", DROP CONSTRAINT "task_labels_label_id", DROP CONSTRAINT "task_labels_task_id", ALTER COLUMN "id" SET NOT NULL, ALTER COLUMN "organization_id" SET NOT NULL, ADD PRIMARY KEY ("id"), ADD CONSTRAINT "task_labels_labels_label" FOREIGN KEY ("label_id") REFERENCES "labels" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_labels_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, ADD CONSTRAINT "task_labels_tasks_task" FOREIGN KEY ("task_id") REFERENCES "tasks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Create index "tasklabel_task_id_label_id" to table: "task_labels"
-- The pair was the primary key until now, so it is unique.
-- atlas:nolint MF101
CREATE UNIQUE INDEX "tasklabel_task_id_label_id" ON "task_labels" ("task_id", "label_id");
-- Create index "tasklabel_organization_id" to table: "task_labels"
CREATE INDEX "tasklabel_organization_id" ON "task_labels" ("organization_id");
