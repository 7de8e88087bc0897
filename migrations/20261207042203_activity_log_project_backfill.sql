-- hand-written: fills activity_logs.project_id of existing rows (data, which ent's diff does not write).
-- The project of a row about a project-scoped resource, derived as the audit hook does for new rows
-- (internal/audit/project.go: the resource's project_id, or its task's, board's, channel's or note's).
-- Only rows no audit seal covers yet are filled: a sealed row's canonical encoding (which omits a NULL
-- project_id) is what its seal signed, so filling it would make `audit verify` report it as changed.
-- Sealed rows keep NULL and stay readable by activity_log:read holders until retention purges them.
UPDATE "activity_logs" AS a SET "project_id" = s."project_id"
FROM (
  SELECT 'Project' AS t, "id", "id" AS "project_id" FROM "projects"
  UNION ALL SELECT 'Task', "id", "project_id" FROM "tasks"
  UNION ALL SELECT 'Board', "id", "project_id" FROM "boards"
  UNION ALL SELECT 'Sprint', "id", "project_id" FROM "sprints"
  UNION ALL SELECT 'Milestone', "id", "project_id" FROM "milestones"
  UNION ALL SELECT 'Label', "id", "project_id" FROM "labels"
  UNION ALL SELECT 'ProjectMember', "id", "project_id" FROM "project_members"
  UNION ALL SELECT 'Note', "id", "project_id" FROM "notes"
  UNION ALL SELECT 'Channel', "id", "project_id" FROM "channels"
  UNION ALL SELECT 'BoardColumn', x."id", p."project_id" FROM "board_columns" x JOIN "boards" p ON p."id" = x."board_id"
  UNION ALL SELECT 'TaskComment', x."id", p."project_id" FROM "task_comments" x JOIN "tasks" p ON p."id" = x."task_id"
  UNION ALL SELECT 'TaskAttachment', x."id", p."project_id" FROM "task_attachments" x JOIN "tasks" p ON p."id" = x."task_id"
  UNION ALL SELECT 'TimeLog', x."id", p."project_id" FROM "time_logs" x JOIN "tasks" p ON p."id" = x."task_id"
  UNION ALL SELECT 'TaskDependency', x."id", p."project_id" FROM "task_dependencies" x JOIN "tasks" p ON p."id" = x."task_id"
  UNION ALL SELECT 'Message', x."id", p."project_id" FROM "messages" x JOIN "channels" p ON p."id" = x."channel_id"
  UNION ALL SELECT 'ChannelMember', x."id", p."project_id" FROM "channel_members" x JOIN "channels" p ON p."id" = x."channel_id"
  UNION ALL SELECT 'NoteComment', x."id", p."project_id" FROM "note_comments" x JOIN "notes" p ON p."id" = x."note_id"
) AS s
WHERE a."resource_type" = s.t AND a."resource_id" = s."id" AND s."project_id" IS NOT NULL
  AND a."id" > COALESCE((SELECT "last_row_id" FROM "audit_seals" WHERE "log_table" = 'activity_log'
                         ORDER BY "seq" DESC LIMIT 1), '00000000-0000-0000-0000-000000000000');
