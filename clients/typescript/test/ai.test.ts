// AI governance through @worksynapse/client, as an integrator wires an agent up: an agent with a
// key, a price and budgets, LLM calls through the gateway to a (fake) OpenAI-compatible provider,
// the cost read back, and a tool action that waits for a person's approval.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";

import { createWorkSynapseClient } from "../src/index.js";
import { newCredentials, newClient, signUp, startServer, type TestServer } from "./harness.js";

const providerKey = "sk-e2e-provider";
const model = "e2e-model";

/**
 * An OpenAI-compatible provider on loopback: a fixed answer with known usage, as JSON or as
 * chat.completion.chunk events. It records each request so the test sees what the gateway sent.
 */
async function startFakeProvider() {
  const requests: { authorization?: string; body: Record<string, unknown> }[] = [];
  const read = async (req: IncomingMessage) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    return JSON.parse(raw) as Record<string, unknown>;
  };
  const server: Server = createServer((req, res) => {
    void read(req).then((body) => {
      requests.push({ authorization: req.headers.authorization, body });
      if (req.method !== "POST" || req.url !== "/v1/chat/completions" || req.headers.authorization !== `Bearer ${providerKey}`) {
        res.writeHead(401, { "Content-Type": "application/json" }).end(`{"error":{"message":"bad path or key","type":"invalid_request_error"}}`);
        return;
      }
      if (body.stream) {
        res.writeHead(200, { "Content-Type": "text/event-stream", "x-request-id": "req-stream" });
        const chunk = (delta: object, finish: string | null) =>
          `data: ${JSON.stringify({ id: "chatcmpl-2", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.write(chunk({ role: "assistant", content: "Two tasks" }, null));
        res.write(chunk({ content: " are late." }, null));
        res.write(chunk({}, "stop"));
        const usage = { prompt_tokens: 21, completion_tokens: 4, total_tokens: 25, prompt_tokens_details: { cached_tokens: 5 } };
        res.write(`data: ${JSON.stringify({ id: "chatcmpl-2", object: "chat.completion.chunk", created: 1, model, choices: [], usage })}\n\n`);
        res.end("data: [DONE]\n\n");
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json", "x-request-id": "req-plain" }).end(
        JSON.stringify({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1,
          model,
          choices: [{ index: 0, message: { role: "assistant", content: "Three open tasks." }, finish_reason: "stop" }],
          usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 } },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The data of each server-sent event, in order (what an OpenAI SDK's stream iterator yields). */
async function readEvents(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(body).text();
  return text
    .split("\n\n")
    .map((frame) => frame.split("\n").find((l) => l.startsWith("data: "))?.slice("data: ".length))
    .filter((d): d is string => d !== undefined);
}

/** Days around today (UTC), so the analytics range covers "today" in any organization time zone. */
function dayRange(): { from: string; to: string } {
  const day = 24 * 3600 * 1000;
  const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { from: iso(Date.now() - day), to: iso(Date.now() + day) };
}

describe("AI governance", () => {
  let server: TestServer;
  let provider: Awaited<ReturnType<typeof startFakeProvider>>;
  before(async () => {
    provider = await startFakeProvider();
    server = await startServer({
      WORKSYNAPSE_LLM_OPENAI_COMPATIBLE_BASE_URL: provider.baseUrl,
      WORKSYNAPSE_LLM_OPENAI_COMPATIBLE_API_KEY: providerKey,
    });
  });
  after(async () => {
    await server?.stop();
    await provider?.close();
  });

  test("an agent calls the LLM gateway with its key, within a budget, and its cost is reported", async () => {
    // Prices are platform-wide: the operator's SUPER_ADMIN sets them.
    const admin = newCredentials();
    await server.cli(["create-admin", "-e", admin.email, "-u", admin.username, "-p", admin.password, "--superuser"]);
    const { client: operator } = newClient(server);
    assert.ok((await operator.login({ identifier: admin.username, password: admin.password })).data);
    // Per million tokens: input 2 USD, cached input 0.50 USD, output 8 USD.
    const price = await operator.POST("/model-prices", {
      body: {
        provider: "openai_compatible",
        model,
        input_micros_per_mtok: 2_000_000,
        cached_input_micros_per_mtok: 500_000,
        output_micros_per_mtok: 8_000_000,
        currency: "USD",
        effective_from: new Date(Date.now() - 3600_000).toISOString(),
      },
    });
    assert.equal(price.response.status, 201, JSON.stringify(price.error));

    const { client, user } = await signUp(server);
    const slug = `ai-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme AI", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    const orgId = org.data!.id;

    const agent = await client.POST("/organizations/{org_id}/agents", {
      params: { path: { org_id: orgId } },
      body: { name: "Board reporter", provider: "openai_compatible", model, system_prompt: "You report on the board.", monthly_budget_micros: 1_000_000 },
    });
    assert.equal(agent.response.status, 201, JSON.stringify(agent.error));
    const agentPath = { agent_id: agent.data!.id };
    // A daily budget set later: a configuration change like any other.
    const updated = await client.PATCH("/agents/{agent_id}", { params: { path: agentPath }, body: { daily_budget_micros: 200_000 } });
    assert.equal(updated.response.status, 200, JSON.stringify(updated.error));

    const key = await client.POST("/agents/{agent_id}/keys", { params: { path: agentPath }, body: { name: "reporter runtime" } });
    assert.equal(key.response.status, 201, JSON.stringify(key.error));
    const secret = key.data!.secret;
    assert.match(secret, /^wsa_/);
    const keys = await client.GET("/agents/{agent_id}/keys", { params: { path: agentPath } });
    assert.ok(!JSON.stringify(keys.data).includes(secret), "the secret is shown once, never listed");

    // The agent's runtime: no user session, its key on every request.
    const runtime = createWorkSynapseClient({ baseUrl: server.baseUrl });
    const asAgent = { "X-API-Key": secret };

    const plain = await runtime.POST("/llm/v1/chat/completions", {
      headers: asAgent,
      // stream has a default in the spec, which openapi-typescript turns into a required field.
      body: { messages: [{ role: "user", content: "How many tasks are open?" }], max_tokens: 64, stream: false },
    });
    assert.equal(plain.response.status, 200, JSON.stringify(plain.error));
    // The 200 is JSON or server-sent events (a string to the types): narrow to the JSON completion.
    const completion = plain.data;
    assert.ok(completion && typeof completion === "object");
    assert.equal(completion.choices[0]?.message.content, "Three open tasks.");
    assert.equal(completion.usage?.prompt_tokens, 11);
    assert.match(plain.response.headers.get("X-Agent-Call-Id") ?? "", /^[0-9a-f-]{36}$/);
    // The gateway sent the agent's model and system prompt with the operator's provider key.
    const sent = provider.requests.at(-1)!;
    assert.equal(sent.body.model, model);
    assert.deepEqual((sent.body.messages as { role: string }[]).map((m) => m.role), ["system", "user"]);

    const streamed = await runtime.POST("/llm/v1/chat/completions", {
      headers: asAgent,
      body: { messages: [{ role: "user", content: "Anything late?" }], max_tokens: 64, stream: true },
      parseAs: "stream",
    });
    assert.equal(streamed.response.status, 200);
    assert.match(streamed.response.headers.get("Content-Type") ?? "", /^text\/event-stream/);
    const events = await readEvents(streamed.response.body!);
    assert.equal(events.at(-1), "[DONE]", "[DONE] comes last, after the call is recorded");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta: { content?: string } }[]; usage?: { prompt_tokens: number } });
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "Two tasks are late.");
    assert.equal(chunks.at(-1)?.usage?.prompt_tokens, 21);

    // Cost in micro-dollars, rounded half up: plain ((11-3)x2 + 3x0.5 + 7x8 = 73.5) -> 74,
    // streamed ((21-5)x2 + 5x0.5 + 4x8 = 66.5) -> 67.
    const spent = 74 + 67;
    const budget = await client.GET("/agents/{agent_id}/budget", { params: { path: agentPath } });
    assert.equal(budget.response.status, 200, JSON.stringify(budget.error));
    const line = (period: string) => budget.data!.budgets.find((b) => b.budget === `agent:${period}`);
    assert.ok(line("monthly") && line("daily"), JSON.stringify(budget.data));
    assert.deepEqual(
      [line("monthly")!.limit_micros, line("monthly")!.spent_micros, line("monthly")!.reserved_micros, line("monthly")!.remaining_micros],
      [1_000_000, spent, 0, 1_000_000 - spent],
    );
    assert.equal(line("daily")!.remaining_micros, 200_000 - spent);

    const costs = await client.GET("/organizations/{org_id}/agent-costs", {
      params: { path: { org_id: orgId }, query: { group_by: "agent", ...dayRange() } },
    });
    assert.equal(costs.response.status, 200, JSON.stringify(costs.error));
    assert.deepEqual(costs.data!.totals, {
      calls: 2,
      prompt_tokens: 32,
      completion_tokens: 11,
      cached_tokens: 8,
      cost_micros: spent,
      unpriced_calls: 0,
    });
    assert.equal(costs.data!.top[0]?.key, agentPath.agent_id);
    assert.equal(costs.data!.top[0]?.totals.cost_micros, spent);

    // A budget too small for the worst case of the next call: 429 naming it, no provider request.
    const before429 = provider.requests.length;
    const cut = await client.PATCH("/agents/{agent_id}", { params: { path: agentPath }, body: { daily_budget_micros: spent + 100 } });
    assert.equal(cut.response.status, 200, JSON.stringify(cut.error));
    const denied = await runtime.POST("/llm/v1/chat/completions", {
      headers: asAgent,
      body: { messages: [{ role: "user", content: "And tomorrow?" }], max_tokens: 1000, stream: false },
    });
    assert.equal(denied.response.status, 429);
    assert.match(denied.error?.type ?? "", /budget-exceeded/);
    assert.equal(provider.requests.length, before429);
  });

  test("a tool action waits for a person's approval", async () => {
    const { client, user } = await signUp(server);
    const slug = `ap-${user.username.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 40);
    const org = await client.POST("/organizations", { body: { name: "Acme Billing", slug } });
    assert.equal(org.response.status, 201, JSON.stringify(org.error));
    const orgPath = { org_id: org.data!.id };
    const agent = await client.POST("/organizations/{org_id}/agents", {
      params: { path: orgPath },
      body: { name: "Billing bot", provider: "openai_compatible", model },
    });
    assert.equal(agent.response.status, 201, JSON.stringify(agent.error));
    const agentPath = { agent_id: agent.data!.id };
    const tool = await client.POST("/organizations/{org_id}/agent-tools", {
      params: { path: orgPath },
      body: {
        name: "send_invoice",
        risk_level: "high",
        requires_approval: true,
        input_schema: {
          type: "object",
          properties: { customer_id: { type: "string" }, amount_cents: { type: "integer", minimum: 1 } },
          required: ["customer_id", "amount_cents"],
          additionalProperties: false,
        },
      },
    });
    assert.equal(tool.response.status, 201, JSON.stringify(tool.error));
    const attach = await client.PUT("/agents/{agent_id}/tools/{tool_id}", { params: { path: { ...agentPath, tool_id: tool.data!.id } } });
    assert.ok(attach.response.ok, JSON.stringify(attach.error));
    const key = await client.POST("/agents/{agent_id}/keys", { params: { path: agentPath }, body: { name: "billing runtime" } });
    assert.equal(key.response.status, 201, JSON.stringify(key.error));
    const runtime = createWorkSynapseClient({ baseUrl: server.baseUrl });
    const asAgent = { "X-API-Key": key.data!.secret };

    // Input that does not match the tool's schema: a typed 422 pointing into the input.
    const bad = await runtime.POST("/agents/{agent_id}/actions", {
      params: { path: agentPath },
      headers: asAgent,
      body: { tool: "send_invoice", input: { customer_id: "C-1042", amount_cents: 0 } },
    });
    assert.equal(bad.response.status, 422);
    assert.ok(bad.error?.errors?.some((e) => (e.field ?? "").includes("amount_cents")), JSON.stringify(bad.error));

    const proposed = await runtime.POST("/agents/{agent_id}/actions", {
      params: { path: agentPath },
      headers: asAgent,
      body: { tool: "send_invoice", input: { customer_id: "C-1042", amount_cents: 125_000 }, tool_call_id: "call_1" },
    });
    assert.equal(proposed.response.status, 201, JSON.stringify(proposed.error));
    assert.equal(proposed.data!.status, "pending_approval");
    const actionPath = { action_id: proposed.data!.id! };

    // The person's approval queue shows it; the agent waits for the decision (long poll).
    const queue = await client.GET("/approvals");
    assert.ok(queue.data?.items?.some((a) => a.id === actionPath.action_id), JSON.stringify(queue.data));
    const waiting = runtime.GET("/actions/{action_id}", { params: { path: actionPath, query: { wait: "10s" } }, headers: asAgent });
    const decided = await client.POST("/actions/{action_id}/decision", {
      params: { path: actionPath },
      body: { decision: "approve", reason: "Invoice agreed with the customer" },
    });
    assert.equal(decided.response.status, 200, JSON.stringify(decided.error));

    const seen = await waiting;
    assert.equal(seen.response.status, 200, JSON.stringify(seen.error));
    assert.equal(seen.data!.status, "approved");
    assert.equal(seen.data!.decided_by, user.id);
    assert.equal(seen.data!.decision_reason, "Invoice agreed with the customer");

    const again = await client.POST("/actions/{action_id}/decision", { params: { path: actionPath }, body: { decision: "reject", reason: "too late" } });
    assert.equal(again.response.status, 409, "a decided action stays decided");
  });
});
