// The auth middleware's timing-sensitive cases, against an in-process fake of the server
// whose refresh answers only when the test says so. auth.test.ts runs the real server.
import assert from "node:assert/strict";
import { test } from "node:test";

import { createWorkSynapseClient, type TokenPair } from "../src/index.js";

function pair(n: number): TokenPair {
  return {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: "Bearer",
    expires_in: 900,
    refresh_expires_at: "2030-01-01T00:00:00Z",
    session_id: "00000000-0000-4000-8000-000000000001",
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** Login issues pair 1; `expire()` rejects every token until /auth/refresh, held until `release()`. */
function fakeServer() {
  let issued = 0;
  let valid: string | null = null;
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    seen.push(path);
    if (path === "/auth/login" || path === "/auth/refresh") {
      if (path === "/auth/refresh") await gate;
      const p = pair(++issued);
      valid = p.access_token;
      return json(200, p);
    }
    if (req.headers.get("Authorization") !== `Bearer ${valid}`) return json(401, { status: 401 });
    return json(200, { echo: await req.text() });
  };
  return { fetch, seen, release, expire: () => (valid = null) };
}

async function signedIn(server: ReturnType<typeof fakeServer>) {
  const tokens: (TokenPair | null)[] = [];
  const client = createWorkSynapseClient({ baseUrl: "http://api.test", fetch: server.fetch, onTokens: (t) => tokens.push(t) });
  await client.login({ identifier: "ada", password: "correct horse battery staple" });
  return { client, tokens };
}

test("concurrent 401s wait on one refresh, then each request is replayed once, body included", async () => {
  const server = fakeServer();
  const { client, tokens } = await signedIn(server);
  server.expire();

  const requests = [1, 2, 3].map((n) =>
    // No authenticated operation takes a body yet; the cast stands in for the first one.
    client.POST("/auth/logout", { body: { n } as never }),
  );
  await new Promise((r) => setTimeout(r, 20)); // all three are rejected and waiting
  server.release();
  const results = await Promise.all(requests);

  assert.deepEqual(
    results.map((r) => [r.response.status, r.data]),
    [1, 2, 3].map((n) => [200, { echo: JSON.stringify({ n }) }]),
  );
  assert.equal(server.seen.filter((p) => p === "/auth/refresh").length, 1);
  assert.equal(server.seen.length, 1 + 3 + 1 + 3, "login, 3 rejected, 1 refresh, 3 replays");
  assert.deepEqual(tokens, [pair(1), pair(2)]);
});

test("middleware added later sees the retried response, not the 401", async () => {
  const server = fakeServer();
  server.release();
  const { client } = await signedIn(server);
  const statuses: number[] = [];
  client.use({ onResponse: ({ response }) => void statuses.push(response.status) });
  server.expire();

  const me = await client.GET("/auth/me");
  assert.equal(me.response.status, 200);
  assert.deepEqual(statuses, [200, 200], "the refresh, then the replayed request");
});
