// Notes through @worksynapse/client: the flow a notes editor goes through.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { signUp, startServer, type TestServer } from "./harness.js";

describe("notes", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("edit with If-Match, diff, restore, anchored comments, tags and search", async () => {
    const { client, user } = await signUp(server);
    const slug = `notes-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    assert.ok(org.data);
    const orgPath = { org_id: org.data.id };

    const folder = await client.POST("/organizations/{org_id}/note-folders", { params: { path: orgPath }, body: { name: "Runbooks" } });
    assert.equal(folder.response.status, 201, JSON.stringify(folder.error));
    const created = await client.POST("/organizations/{org_id}/notes", {
      params: { path: orgPath },
      body: { title: "Restart", content: "Restart the API.\nCheck the logs.", folder_id: folder.data?.id, visibility: "organization" },
    });
    assert.equal(created.response.status, 201, JSON.stringify(created.error));
    assert.ok(created.data);
    assert.equal(created.response.headers.get("ETag"), '"1"');
    const notePath = { note_id: created.data.id };

    const comment = await client.POST("/notes/{note_id}/comments", {
      params: { path: notePath },
      body: { body: "Which logs?", quote: "logs" },
    });
    assert.equal(comment.response.status, 201, JSON.stringify(comment.error));
    assert.equal(comment.data?.start_offset, "Restart the API.\nCheck the ".length);

    // An edit sends the ETag it read; a second edit from the same read is 412.
    const etag = created.response.headers.get("ETag") ?? "";
    const edited = await client.PATCH("/notes/{note_id}", {
      params: { path: notePath, header: { "If-Match": etag } },
      body: { content: "Drain traffic.\nRestart the API.\nCheck the logs." },
    });
    assert.equal(edited.response.status, 200, JSON.stringify(edited.error));
    assert.equal(edited.data?.version, 2);
    const stale = await client.PATCH("/notes/{note_id}", {
      params: { path: notePath, header: { "If-Match": etag } },
      body: { content: "lost update" },
    });
    assert.equal(stale.response.status, 412);
    assert.equal(stale.error?.status, 412);

    const comments = await client.GET("/notes/{note_id}/comments", { params: { path: notePath } });
    assert.equal(comments.data?.items[0]?.anchor_status, "anchored");
    assert.equal(comments.data?.items[0]?.start_offset, "Drain traffic.\nRestart the API.\nCheck the ".length);

    const diff = await client.GET("/notes/{note_id}/diff", { params: { path: notePath, query: { from: 1, to: 2 } } });
    assert.equal(diff.response.status, 200, JSON.stringify(diff.error));
    assert.match(diff.data?.unified ?? "", /^\+Drain traffic\.$/m);

    const restored = await client.POST("/notes/{note_id}/versions/{version}/restore", {
      params: { path: { ...notePath, version: 1 }, header: { "If-Match": '"2"' } },
    });
    assert.equal(restored.response.status, 200, JSON.stringify(restored.error));
    assert.equal(restored.data?.version, 3);
    assert.equal(restored.data?.content, "Restart the API.\nCheck the logs.");
    const versions = await client.GET("/notes/{note_id}/versions", { params: { path: notePath } });
    assert.deepEqual(versions.data?.items.map((v) => v.version), [3, 2, 1]);

    const tag = await client.POST("/organizations/{org_id}/note-tags", { params: { path: orgPath }, body: { name: "Ops" } });
    assert.equal(tag.response.status, 201, JSON.stringify(tag.error));
    assert.ok(tag.data);
    const dup = await client.POST("/organizations/{org_id}/note-tags", { params: { path: orgPath }, body: { name: "OPS" } });
    assert.equal(dup.response.status, 409);
    const tagged = await client.PUT("/notes/{note_id}/tags/{tag_id}", { params: { path: { ...notePath, tag_id: tag.data.id } } });
    assert.equal(tagged.response.status, 204);

    const found = await client.GET("/organizations/{org_id}/notes", {
      params: { path: orgPath, query: { q: "RESTART", tag_id: tag.data.id } },
    });
    assert.equal(found.response.status, 200, JSON.stringify(found.error));
    assert.deepEqual(found.data?.items.map((n) => n.id), [created.data.id]);
    assert.equal(found.data?.items[0] && "content" in found.data.items[0], false); // lists carry no content

    const cycle = await client.PATCH("/note-folders/{folder_id}", {
      params: { path: { folder_id: folder.data?.id ?? "" } },
      body: { parent_id: folder.data?.id },
    });
    assert.equal(cycle.response.status, 409);
  });
});
