// Organizations and projects through @worksynapse/client, as a frontend uses them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { signUp, startServer, type TestServer } from "./harness.js";

describe("organizations and projects", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("create an organization and a project, edit it with If-Match", async () => {
    const { client, user } = await signUp(server);
    const slug = `org-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    assert.ok(org.data);

    const members = await client.GET("/organizations/{org_id}/members", { params: { path: { org_id: org.data.id } } });
    assert.deepEqual(members.data?.items.map((m) => [m.user_id, m.roles]), [[user.id, ["ADMIN"]]]);

    const created = await client.POST("/organizations/{org_id}/projects", {
      params: { path: { org_id: org.data.id } },
      body: { key: "WS", name: "WorkSynapse" },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    assert.ok(created.data?.default_board_id);
    assert.equal(created.data.version, 1);

    const path = { project_id: created.data.id };
    const updated = await client.PATCH("/projects/{project_id}", {
      params: { path, header: { "If-Match": `"${created.data.version}"` } },
      body: { name: "WorkSynapse API" },
    });
    assert.equal(updated.response.status, 200, JSON.stringify(updated.error));
    assert.equal(updated.data?.version, 2);

    const stale = await client.PATCH("/projects/{project_id}", {
      params: { path, header: { "If-Match": `"${created.data.version}"` } },
      body: { name: "Lost update" },
    });
    assert.equal(stale.response.status, 412);
    assert.equal(stale.error?.status, 412);

    const activity = await client.GET("/projects/{project_id}/activity", { params: { path } });
    assert.equal(activity.data?.items[0]?.action, "project.update");
    assert.equal(activity.data?.items[0]?.new_values?.name, "WorkSynapse API");
  });
});
