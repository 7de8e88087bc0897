-- Modify "agent_calls" table
ALTER TABLE "agent_calls" ADD COLUMN "usage_estimated" boolean NOT NULL DEFAULT false;
