// Boards and tasks through @worksynapse/client: the flow a kanban frontend goes through.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { signUp, startServer, type TestServer } from "./harness.js";

describe("boards and tasks", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("board columns, task moves, comments, paging and typed problems", async () => {
    const { client, user } = await signUp(server);
    const slug = `org-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    assert.ok(org.data);
    const project = await client.POST("/organizations/{org_id}/projects", {
      params: { path: { org_id: org.data.id } },
      body: { key: "WS", name: "WorkSynapse" },
    });
    assert.equal(project.response.status, 201, JSON.stringify(project.error));
    assert.ok(project.data);
    const projectPath = { project_id: project.data.id };

    // The default board and its columns, left to right.
    const boards = await client.GET("/projects/{project_id}/boards", { params: { path: projectPath } });
    assert.equal(boards.response.status, 200, JSON.stringify(boards.error));
    const board = boards.data?.items.find((b) => b.is_default);
    assert.ok(board);
    assert.equal(board.id, project.data.default_board_id);
    assert.deepEqual(board.columns.map((c) => c.name), ["To Do", "In Progress", "In Review", "Done"]);
    const inProgress = board.columns.find((c) => c.name === "In Progress");
    assert.ok(inProgress);

    const titles = ["Write the spec", "Build the API", "Ship it"];
    const tasks = [];
    for (const title of titles) {
      const created = await client.POST("/projects/{project_id}/tasks", { params: { path: projectPath }, body: { title } });
      assert.equal(created.response.status, 201, JSON.stringify(created.error));
      assert.ok(created.data);
      tasks.push(created.data);
    }
    assert.deepEqual(tasks.map((t) => t.key), ["WS-1", "WS-2", "WS-3"]);

    // Moving into a column makes the task's status follow the column.
    const task = tasks[1]!;
    const moved = await client.POST("/tasks/{task_id}/move", {
      params: { path: { task_id: task.id } },
      body: { column_id: inProgress.id },
    });
    assert.equal(moved.response.status, 200, JSON.stringify(moved.error));
    assert.equal(moved.data?.status, "in_progress");
    assert.equal(moved.data?.column_id, inProgress.id);
    assert.equal(moved.data?.version, task.version + 1);

    // A sprint: plan it with two tasks, start it, complete it; the unfinished task returns to the backlog.
    const sprint = await client.POST("/projects/{project_id}/sprints", {
      params: { path: projectPath },
      body: { name: "Sprint 1", goal: "Ship the API" },
    });
    assert.equal(sprint.response.status, 201, JSON.stringify(sprint.error));
    assert.ok(sprint.data);
    const sprintId: string = sprint.data.id;
    const toPlan: { id: string; version: number }[] = [tasks[0]!, tasks[2]!];
    for (const { id, version } of toPlan) {
      const { response, error } = await client.PATCH("/tasks/{task_id}", {
        params: { path: { task_id: id }, header: { "If-Match": `"${version}"` } },
        body: { sprint_id: sprintId },
      });
      assert.equal(response.status, 200, JSON.stringify(error));
      assert.equal(response.headers.get("ETag"), `"${version + 1}"`);
    }
    const started = await client.POST("/sprints/{sprint_id}/start", { params: { path: { sprint_id: sprint.data.id } } });
    assert.equal(started.response.status, 200, JSON.stringify(started.error));
    assert.equal(started.data?.status, "active");
    const inSprint = await client.GET("/projects/{project_id}/tasks", {
      params: { path: projectPath, query: { sprint_id: sprint.data.id } },
    });
    assert.deepEqual(inSprint.data?.items.map((t) => t.key).sort(), ["WS-1", "WS-3"]);
    const completed = await client.POST("/sprints/{sprint_id}/complete", {
      params: { path: { sprint_id: sprint.data.id } },
      body: { move_to: "backlog" },
    });
    assert.equal(completed.response.status, 200, JSON.stringify(completed.error));
    assert.equal(completed.data?.status, "completed");
    const left = await client.GET("/projects/{project_id}/tasks", {
      params: { path: projectPath, query: { sprint_id: sprint.data.id } },
    });
    assert.deepEqual(left.data?.items, [], "unfinished tasks went back to the backlog");

    const comment = await client.POST("/tasks/{task_id}/comments", {
      params: { path: { task_id: task.id } },
      body: { body: "Started on the **handlers**." },
    });
    assert.equal(comment.response.status, 201, JSON.stringify(comment.error));
    const comments = await client.GET("/tasks/{task_id}/comments", { params: { path: { task_id: task.id } } });
    assert.deepEqual(comments.data?.items.map((c) => c.body), ["Started on the **handlers**."]);

    // Paging with limit=2 sees every task exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await client.GET("/projects/{project_id}/tasks", {
        params: { path: projectPath, query: { limit: 2, ...(cursor ? { cursor } : {}) } },
      });
      assert.equal(res.response.status, 200, JSON.stringify(res.error));
      assert.ok(res.data);
      assert.ok(res.data.items.length <= 2);
      seen.push(...res.data.items.map((t) => t.key));
      if (!res.data.next_cursor) break;
      cursor = res.data.next_cursor;
    }
    assert.deepEqual([...seen].sort(), ["WS-1", "WS-2", "WS-3"]);

    // A stale If-Match is a typed 412 problem; nothing changes.
    const stale = await client.PATCH("/tasks/{task_id}", {
      params: { path: { task_id: task.id }, header: { "If-Match": `"${task.version}"` } },
      body: { title: "Lost update" },
    });
    assert.equal(stale.response.status, 412);
    assert.equal(stale.error?.status, 412);
    assert.match(stale.error?.type ?? "", /precondition-failed/);

    // An invalid priority is refused before the handler, as a typed problem.
    const invalid = await client.PATCH("/tasks/{task_id}", {
      params: { path: { task_id: task.id }, header: { "If-Match": `"${moved.data!.version}"` } },
      // @ts-expect-error: "critical" is not a TaskPriority; the server must refuse it too.
      body: { priority: "critical" },
    });
    assert.ok(invalid.response.status >= 400 && invalid.response.status < 500, `status ${invalid.response.status}`);
    assert.equal(invalid.error?.status, invalid.response.status);
    assert.ok(invalid.error?.title);

    const current = await client.GET("/tasks/{task_id}", { params: { path: { task_id: task.id } } });
    assert.equal(current.data?.title, task.title);
    assert.equal(current.data?.priority, task.priority);
    assert.equal(current.data?.version, moved.data?.version);
  });
});
