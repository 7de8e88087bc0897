// Work tracking through @worksynapse/client: a timer, a manual entry that
// overlaps it, and a desktop tracker's idempotent upload.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { signUp, startServer, type TestServer } from "./harness.js";

describe("work tracking", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("time a task, log time manually, upload tracker records twice", async () => {
    const { client, user } = await signUp(server);
    const slug = `wt-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme", slug } });
    assert.ok(org.data, JSON.stringify(org.error));
    const project = await client.POST("/organizations/{org_id}/projects", {
      params: { path: { org_id: org.data.id } },
      body: { key: "WT", name: "Tracking" },
    });
    assert.ok(project.data, JSON.stringify(project.error));

    const started = await client.POST("/work-logs/timer/start", { body: { project_id: project.data.id, description: "focus" } });
    assert.equal(started.response.status, 201, JSON.stringify(started.error));
    assert.equal(started.data?.running, true);
    const second = await client.POST("/work-logs/timer/start", { body: { project_id: project.data.id } });
    assert.equal(second.response.status, 409);
    assert.match(second.error?.detail ?? "", new RegExp(started.data.id));
    const stopped = await client.POST("/work-logs/timer/stop");
    assert.equal(stopped.data?.running, false);

    const backwards = await client.POST("/work-logs", {
      body: { project_id: project.data.id, started_at: "2026-03-02T10:00:00Z", ended_at: "2026-03-02T09:00:00Z" },
    });
    assert.equal(backwards.response.status, 422);
    const manual = await client.POST("/work-logs", {
      body: { project_id: project.data.id, started_at: "2026-03-02T09:00:00Z", ended_at: "2026-03-02T10:00:00Z" },
    });
    assert.equal(manual.response.status, 201, JSON.stringify(manual.error));
    const overlap = await client.POST("/work-logs", {
      body: { project_id: project.data.id, started_at: "2026-03-02T09:30:00Z", ended_at: "2026-03-02T10:30:00Z" },
    });
    assert.equal(overlap.response.status, 409);
    const list = await client.GET("/work-logs", { params: { query: { from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z" } } });
    assert.equal(list.data?.total_seconds, 3600);

    const batch = {
      organization_id: org.data.id,
      records: [
        { client_record_id: "e1", device_id: "laptop", app_name: "code", category: "productive" as const,
          started_at: "2026-03-02T09:00:00Z", ended_at: "2026-03-02T09:20:00Z" },
        { client_record_id: "e2", device_id: "laptop", app_name: "code", category: "neutral" as const,
          started_at: "2026-03-02T09:30:00Z", ended_at: "2026-03-02T09:20:00Z" },
      ],
    };
    const first = await client.POST("/tracking/app-usage", { body: batch });
    assert.deepEqual([first.data?.inserted, first.data?.duplicates, first.data?.rejected], [1, 0, 1]);
    assert.equal(first.data?.errors[0]?.index, 1);
    const resend = await client.POST("/tracking/app-usage", { body: batch });
    assert.deepEqual([resend.data?.inserted, resend.data?.duplicates, resend.data?.rejected], [0, 1, 1]);
    const mine = await client.GET("/me/app-usage");
    assert.deepEqual(mine.data?.items.map((r) => r.client_record_id), ["e1"]);

    const closed = await client.GET("/organizations/{org_id}/productivity", {
      params: { path: { org_id: org.data.id }, query: { from: "2026-03-01", to: "2026-03-07" } },
    });
    assert.equal(closed.response.status, 403, "the manager view is off by default");
  });
});
