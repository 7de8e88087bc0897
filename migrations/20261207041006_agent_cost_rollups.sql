-- Create "agent_cost_rollups" table
CREATE TABLE "agent_cost_rollups" ("id" uuid NOT NULL, "day" date NOT NULL, "rolled_up_at" timestamptz NOT NULL, "dirty" boolean NOT NULL DEFAULT false, "organization_id" uuid NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "agent_cost_rollups_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "agentcostrollup_dirty" to table: "agent_cost_rollups"
CREATE INDEX "agentcostrollup_dirty" ON "agent_cost_rollups" ("dirty");
-- Create index "agentcostrollup_organization_id" to table: "agent_cost_rollups"
CREATE INDEX "agentcostrollup_organization_id" ON "agent_cost_rollups" ("organization_id");
-- Create index "agentcostrollup_organization_id_day" to table: "agent_cost_rollups"
CREATE UNIQUE INDEX "agentcostrollup_organization_id_day" ON "agent_cost_rollups" ("organization_id", "day");
