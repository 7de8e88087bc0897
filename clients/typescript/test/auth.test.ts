// Identity flows through @worksynapse/client against the real server, as a frontend uses them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { createWorkSynapseClient, type Problem } from "../src/index.js";
import { instrumentedFetch, newClient, newCredentials, signUp, startServer, type TestServer } from "./harness.js";

// Exact type equality, checked by tsc when the tests compile.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

describe("auth", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("register, log in and read /auth/me", async () => {
    const creds = newCredentials();
    const { client, tokens } = newClient(server);

    const reg = await client.POST("/auth/register", { body: { ...creds, display_name: "Ada Lovelace" } });
    assert.equal(reg.response.status, 201);
    assert.equal(reg.data?.username, creds.username);
    assert.equal(client.isSignedIn(), false, "registering does not sign in");

    const login = await client.login({ identifier: creds.email, password: creds.password, device_type: "cli" });
    assert.equal(login.response.status, 200);
    assert.ok(login.data);
    assert.deepEqual(tokens, [login.data], "onTokens receives the pair to persist");

    const me = await client.GET("/auth/me");
    assert.equal(me.response.status, 200);
    assert.equal(me.data?.id, reg.data?.id);
    assert.equal(me.data?.email, creds.email);
    assert.equal(me.data?.display_name, "Ada Lovelace");
  });

  test("verifies the email address with the token from the mail", async () => {
    const { client, creds } = await signUp(server);
    const before = await client.GET("/auth/me");
    assert.equal(before.data?.email_verified, false);
    const mails = await server.mailTo(creds.email);
    const token = mails.at(-1)?.Text.match(/wsv_[A-Za-z0-9_-]+/)?.[0];
    assert.ok(token, `a verification mail with a token was sent: ${JSON.stringify(mails)}`);
    const verify = await client.POST("/auth/email/verify", { body: { token } });
    assert.equal(verify.response.status, 204);
    const after = await client.GET("/auth/me");
    assert.equal(after.data?.email_verified, true);
    const again = await client.POST("/auth/email/verify", { body: { token } });
    assert.equal(again.response.status, 400, "a verification token works once");
  });

  test("a wrong password is a 401 Problem and does not trigger a refresh", async () => {
    const { creds } = await signUp(server);
    const net = instrumentedFetch();
    const { client, tokens } = newClient(server, { fetch: net.fetch });

    const { data, error, response } = await client.login({ identifier: creds.username, password: "not the password" });
    assert.equal(response.status, 401);
    assert.equal(data, undefined);
    assert.equal(error?.status, 401);
    assert.deepEqual(net.calls, ["POST /auth/login"]);
    assert.deepEqual(tokens, []);
  });

  test("lists sessions with cursor pagination, each once", async () => {
    const { client, creds, session } = await signUp(server);
    const others: string[] = [];
    for (let i = 0; i < 3; i++) {
      const device = newClient(server).client;
      const { data } = await device.login({ identifier: creds.username, password: creds.password, device_name: `device ${i}` });
      assert.ok(data);
      others.push(data.session_id);
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 10, "pagination must end");
      const { data, error } = await client.GET("/auth/sessions", { params: { query: { limit: 1, cursor } } });
      assert.ok(data, `page ${pages}: ${JSON.stringify(error)}`);
      assert.ok(data.items.length <= 1);
      for (const s of data.items) {
        seen.push(s.id);
        assert.equal(s.current, s.id === session.session_id, "only the caller's own session is current");
      }
      if (data.next_cursor == null) break;
      cursor = data.next_cursor;
    }
    assert.equal(new Set(seen).size, seen.length, `no session twice: ${seen}`);
    assert.deepEqual([...seen].sort(), [session.session_id, ...others].sort());
  });

  test("refreshes once when concurrent requests find the access token rejected, then retries each", async () => {
    const net = instrumentedFetch();
    const { client, tokens, session } = await signUp(server, { fetch: net.fetch });
    net.expire(session.access_token);
    net.calls.length = 0;

    const [me, sessions, again] = await Promise.all([
      client.GET("/auth/me"),
      client.GET("/auth/sessions", { params: { query: { limit: 5 } } }),
      client.GET("/auth/me"),
    ]);
    assert.equal(me.response.status, 200);
    assert.equal(sessions.response.status, 200);
    assert.equal(again.response.status, 200);
    assert.equal(net.calls.filter((c) => c === "POST /auth/refresh").length, 1, net.calls.join(", "));
    assert.equal(net.calls.length, 7, "3 rejected, 1 refresh, 3 retries");

    const rotated = tokens.at(-1);
    assert.ok(rotated && rotated.refresh_token !== session.refresh_token, "onTokens gets the rotated pair");
    assert.equal(rotated.session_id, session.session_id, "same session, new tokens");
  });

  test("resumes a session from a persisted refresh token", async () => {
    const { session } = await signUp(server);
    const { client, tokens } = newClient(server, { refreshToken: session.refresh_token });
    assert.equal(client.isSignedIn(), true);

    const me = await client.GET("/auth/me");
    assert.equal(me.response.status, 200);
    assert.equal(tokens.length, 1, "one refresh");
  });

  test("gives up when the refresh token is rejected, and says so through onTokens", async () => {
    const { session } = await signUp(server);
    const stale = createWorkSynapseClient({ baseUrl: server.baseUrl, refreshToken: session.refresh_token });
    await stale.refresh(); // rotates: session.refresh_token is now spent
    const { client, tokens } = newClient(server, { refreshToken: session.refresh_token });

    const { error, response } = await client.GET("/auth/me");
    assert.equal(response.status, 401);
    assert.equal(error?.status, 401);
    assert.deepEqual(tokens, [null]);
    assert.equal(client.isSignedIn(), false);
  });

  test("a 422 comes back as a typed Problem with errors[]", async () => {
    const { client } = newClient(server);
    const { data, error, response } = await client.POST("/auth/register", {
      body: { ...newCredentials(), username: "!" },
    });
    const typed: Equal<typeof error, Problem | undefined> = true;
    assert.ok(typed);

    assert.equal(response.status, 422);
    assert.equal(response.headers.get("Content-Type"), "application/problem+json");
    assert.equal(data, undefined);
    assert.equal(error?.status, 422);
    assert.ok(
      error?.errors?.some((e) => e.field === "username" && e.message.length > 0),
      JSON.stringify(error),
    );
  });

  test("logout revokes the session: /auth/me is 401 afterwards", async () => {
    const { client, tokens, session } = await signUp(server);

    const out = await client.logout();
    assert.equal(out.response.status, 204);
    assert.equal(client.isSignedIn(), false);
    assert.equal(tokens.at(-1), null);

    const me = await client.GET("/auth/me");
    assert.equal(me.response.status, 401);
    assert.equal(me.error?.status, 401);

    // Revoked on the server, not only forgotten by the client.
    const { client: raw } = newClient(server);
    const old = await raw.GET("/auth/me", { headers: { Authorization: `Bearer ${session.access_token}` } });
    assert.equal(old.response.status, 401);
  });
});
