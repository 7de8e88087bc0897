-- Modify "activity_logs" table
ALTER TABLE "activity_logs" ADD COLUMN "project_id" uuid NULL, ADD CONSTRAINT "activity_logs_projects_project" FOREIGN KEY ("project_id") REFERENCES "projects" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION;
-- Create index "activitylog_project_id_id" to table: "activity_logs"
CREATE INDEX "activitylog_project_id_id" ON "activity_logs" ("project_id", "id");
