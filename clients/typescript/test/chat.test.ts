// Chat through @worksynapse/client with the real-time stream: what a chat window does.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { signUp, startServer, type TestServer } from "./harness.js";

interface StreamEvent {
  id: string;
  event: string;
  data: { type: string; channel_id?: string; payload: Record<string, unknown> };
}

/**
 * Opens GET /stream with fetch (node 20 streams response bodies) and parses server-sent events:
 * what EventSource does in a browser, which is why it authenticates with a ticket in the URL.
 */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: abort.signal });
  assert.equal(res.status, 200, await (res.status === 200 ? "" : res.text()));
  assert.match(res.headers.get("Content-Type") ?? "", /^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const queue: StreamEvent[] = [];
  async function next(type: string, timeoutMs = 5_000): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = queue.findIndex((e) => e.event === type);
      if (i >= 0) return queue.splice(0, i + 1)[i]!;
      if (Date.now() > deadline) throw new Error(`no ${type} event within ${timeoutMs} ms`);
      const { value, done } = await reader.read();
      if (done) throw new Error("stream ended");
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields: Record<string, string> = {};
        for (const line of frame.split("\n")) {
          if (line.startsWith(":")) continue; // heartbeat or hello comment
          const colon = line.indexOf(": ");
          if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 2);
        }
        if (fields.event) queue.push({ id: fields.id ?? "", event: fields.event, data: JSON.parse(fields.data ?? "{}") });
      }
    }
  }
  return { next, close: () => abort.abort() };
}

describe("chat", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("open a channel, post, receive the event on the stream and resume after a disconnect", async () => {
    const { client, user, session } = await signUp(server);
    const slug = `chat-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    assert.ok(org.data);
    const channel = await client.POST("/organizations/{org_id}/channels", {
      params: { path: { org_id: org.data.id } },
      body: { type: "public", name: "general" },
    });
    assert.equal(channel.response.status, 201, JSON.stringify(channel.error));
    assert.ok(channel.data);
    const chPath = { channel_id: channel.data.id };

    // A browser's EventSource cannot send Authorization: it gets a single-use ticket first.
    const ticket = await client.POST("/stream/tickets");
    assert.equal(ticket.response.status, 201, JSON.stringify(ticket.error));
    assert.ok(ticket.data);
    const stream = await openStream(`${server.baseUrl}/stream?ticket=${encodeURIComponent(ticket.data.ticket)}`);

    const posted = await client.POST("/channels/{channel_id}/messages", { params: { path: chPath }, body: { body: "Ship **today**?" } });
    assert.equal(posted.response.status, 201, JSON.stringify(posted.error));
    const ev = await stream.next("message.posted");
    assert.equal(ev.data.channel_id, channel.data.id);
    assert.equal(ev.data.payload.message_id, posted.data?.id);
    assert.equal(ev.data.payload.body, "Ship **today**?");
    stream.close();

    const reused = await fetch(`${server.baseUrl}/stream?ticket=${encodeURIComponent(ticket.data.ticket)}`);
    assert.equal(reused.status, 401, "a ticket opens one stream");
    assert.match(reused.headers.get("Content-Type") ?? "", /^application\/problem\+json/);

    // Missed while disconnected, delivered on reconnect with Last-Event-ID.
    const missed = await client.POST("/channels/{channel_id}/messages", { params: { path: chPath }, body: { body: "yes" } });
    assert.equal(missed.response.status, 201);
    const resumed = await openStream(`${server.baseUrl}/stream`, {
      Authorization: `Bearer ${session.access_token}`,
      "Last-Event-ID": ev.id,
    });
    const again = await resumed.next("message.posted");
    assert.equal(again.data.payload.message_id, missed.data?.id);
    assert.ok(Number(again.id) > Number(ev.id));
    resumed.close();
  });
});
