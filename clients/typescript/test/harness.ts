// End-to-end harness: runs the real server binary on a fresh SQLite file and gives tests
// clients as a frontend would have them. A new domain's flows go in a new `<domain>.test.ts`
// that starts its own server with `startServer()` and signs users up with `signUp()`.
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { createWorkSynapseClient, type TokenPair, type WorkSynapseClient } from "../src/index.js";

// Compiled to clients/typescript/.build/test/: four levels below the repository root.
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

export interface TestServer {
  baseUrl: string;
  /** Everything the server logged so far (JSON lines). */
  logs(): string;
  /**
   * Mail the server "sent" to address, oldest first (from the development outbox file). Mail goes
   * through the job queue, so this waits (up to 5 s) until at least `atLeast` messages arrived.
   */
  mailTo(address: string, atLeast?: number): Promise<{ To: string; Subject: string; Text: string }[]>;
  /**
   * Runs a command of the same binary on the server's database and configuration, as an operator
   * would (e.g. `["create-admin", ...]`), and resolves with its output.
   */
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts `bin/worksynapse serve` (WORKSYNAPSE_BIN, else built with `go build`) on a free port
 * with its own SQLite file, and resolves once /readyz answers 200. `env` adds configuration,
 * e.g. `{ WORKSYNAPSE_AUTH_ACCESS_TOKEN_TTL: "1m" }`. Set WORKSYNAPSE_E2E_LOGS=1 to stream
 * the server's logs to stderr.
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "worksynapse-e2e-"));
  const bin = serverBinary();
  const serverEnv: NodeJS.ProcessEnv = {
    ...inheritedEnv(),
    WORKSYNAPSE_HTTP_ADDR: "127.0.0.1:0", // the kernel picks a free port; read back from the log
    WORKSYNAPSE_HTTP_SHUTDOWN_TIMEOUT: "2s",
    WORKSYNAPSE_DATABASE_SQLITE_PATH: join(dir, "worksynapse.db"),
    WORKSYNAPSE_SECRET_KEY: randomBytes(32).toString("hex"),
    WORKSYNAPSE_AUTH_BCRYPT_COST: "10",
    // A frontend test signs in far more often than a person; the limits
    // themselves are tested in Go (internal/server, internal/e2e).
    WORKSYNAPSE_RATE_LIMIT_AUTH_PER_IP_PER_MINUTE: "10000",
    // Development-only mail outbox file: how a test reads the mail the server "sent".
    WORKSYNAPSE_MAIL_OUTBOX_FILE: join(dir, "outbox.jsonl"),
    // Queued mail is delivered by the job workers: poll often.
    WORKSYNAPSE_JOBS_POLL_INTERVAL: "50ms",
    ...env,
  };
  const child = spawn(bin, ["serve"], {
    cwd: dir, // no config.yaml there: defaults plus the environment above
    env: serverEnv,
    stdio: ["ignore", "inherit", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr }).on("line", (line) => {
      lines.push(line);
      if (process.env.WORKSYNAPSE_E2E_LOGS) process.stderr.write(`[server] ${line}\n`);
      const entry = parseLog(line);
      if (entry?.msg === "listening" && typeof entry.addr === "string") resolve(entry.addr);
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${lines.join("\n")}`)));
  });
  const server: TestServer = {
    baseUrl: "",
    logs: () => lines.join("\n"),
    async mailTo(address: string, atLeast = 1) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const text = await readFile(join(dir, "outbox.jsonl"), "utf8").catch(() => "");
        const mails = text
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { To: string; Subject: string; Text: string })
          .filter((m) => m.To.toLowerCase() === address.toLowerCase());
        if (mails.length >= atLeast || Date.now() > deadline) return mails;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    cli(args: string[]) {
      return new Promise((resolve, reject) => {
        execFile(bin, args, { cwd: dir, env: serverEnv }, (err, stdout, stderr) =>
          err ? reject(new Error(`worksynapse ${args[0]}: ${err.message}\n${stderr}`)) : resolve(stdout),
        );
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    server.baseUrl = `http://${await withTimeout(listening, 20_000, "server start")}`;
    await waitReady(server.baseUrl);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

function serverBinary(): string {
  const bin = process.env.WORKSYNAPSE_BIN;
  if (bin) return bin;
  const out = join(repoRoot, "bin", "worksynapse");
  execFileSync("go", ["build", "-o", out, "./cmd/worksynapse"], { cwd: repoRoot, stdio: "inherit" });
  return out;
}

// The developer's own WORKSYNAPSE_* settings (a PostgreSQL URL, say) must not leak in.
function inheritedEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("WORKSYNAPSE_")));
}

function parseLog(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function waitReady(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await res?.body?.cancel();
    if (Date.now() > deadline) throw new Error(`server not ready after 20 s (last status ${res?.status})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Credentials {
  email: string;
  username: string;
  password: string;
}

let userSeq = 0;

/** Credentials no other test uses (the server's database is shared by a file's tests). */
export function newCredentials(): Credentials {
  const username = `user${process.pid}x${++userSeq}`;
  return { email: `${username}@example.com`, username, password: "correct horse battery staple" };
}

/** A client that records every token pair it is given (the last one is `tokens.at(-1)`). */
export function newClient(
  server: TestServer,
  options: { fetch?: typeof fetch; refreshToken?: string } = {},
): { client: WorkSynapseClient; tokens: (TokenPair | null)[] } {
  const tokens: (TokenPair | null)[] = [];
  const client = createWorkSynapseClient({ baseUrl: server.baseUrl, ...options, onTokens: (t) => tokens.push(t) });
  return { client, tokens };
}

/** Registers a new user and signs them in. */
export async function signUp(server: TestServer, options: { fetch?: typeof fetch } = {}) {
  const creds = newCredentials();
  const { client, tokens } = newClient(server, options);
  const reg = await client.POST("/auth/register", { body: creds });
  if (!reg.data) throw new Error(`register failed: ${reg.response.status} ${JSON.stringify(reg.error)}`);
  const login = await client.login({ identifier: creds.username, password: creds.password });
  if (!login.data) throw new Error(`login failed: ${login.response.status} ${JSON.stringify(login.error)}`);
  return { client, tokens, creds, user: reg.data, session: login.data };
}

/**
 * A fetch that records "METHOD /path" of every request and can make the server see chosen
 * access tokens as expired: the server tolerates 30 s of clock skew on `exp`, so a real
 * expiry would take that long; a token marked here is sent with a broken signature instead,
 * which the server rejects with the same 401.
 */
export function instrumentedFetch() {
  const calls: string[] = [];
  const expired = new Set<string>();
  const wrapped: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    calls.push(`${request.method} ${new URL(request.url).pathname}`);
    const token = request.headers.get("Authorization")?.replace(/^Bearer /, "");
    if (token !== undefined && expired.has(token)) request.headers.set("Authorization", `Bearer ${token}x`);
    return fetch(request);
  };
  return { fetch: wrapped, calls, expire: (token: string) => expired.add(token) };
}
