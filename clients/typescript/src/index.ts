// @worksynapse/client: the openapi-fetch client typed by src/schema.ts (generated from
// openapi.yaml by `make ts-client`), plus the token handling every frontend needs.
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** A schema of the API by name, e.g. `Schema<"SessionInfo">`. */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];
/** RFC 9457 problem details: the body of every error response. */
export type Problem = Schema<"Problem">;
export type TokenPair = Schema<"TokenPair">;
export type LoginRequest = Schema<"LoginRequest">;

export interface WorkSynapseClientOptions {
  /** API root, e.g. `https://api.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** fetch implementation; defaults to `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** A refresh token persisted earlier (see `onTokens`), to resume a session without signing in. */
  refreshToken?: string;
  /**
   * Called with each new token pair (login, refresh) and with `null` when the session ends
   * (logout, refresh rejected). Tokens are otherwise kept in memory only; persist the
   * refresh token here if the session should survive a reload.
   */
  onTokens?: (tokens: TokenPair | null) => void;
}

// Requests that carry credentials in their body: never authorized, never refreshed on 401
// (a 401 from login means a wrong password, not an expired token).
const tokenEndpoints: ReadonlySet<string> = new Set([
  "/auth/login",
  "/auth/register",
  "/auth/refresh",
] satisfies (keyof paths)[]);

/**
 * Creates the API client. It is the openapi-fetch client (`GET`, `POST`, ... typed by the
 * contract; errors come back typed as `Problem`) with `login()`, `logout()`, `refresh()` and
 * `isSignedIn()` added. Every request gets the access token; when the server rejects it
 * (401), the client rotates the refresh token once, shared by all requests waiting on it,
 * and retries each request once.
 */
export function createWorkSynapseClient(options: WorkSynapseClientOptions) {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  let accessToken: string | null = null;
  let refreshToken: string | null = options.refreshToken ?? null;
  let refreshing: Promise<boolean> | null = null;

  function setTokens(tokens: TokenPair | null): void {
    accessToken = tokens?.access_token ?? null;
    refreshToken = tokens?.refresh_token ?? null;
    options.onTokens?.(tokens);
  }

  async function rotate(): Promise<boolean> {
    const presented = refreshToken;
    if (presented === null) return false;
    const { data, response } = await client.POST("/auth/refresh", {
      body: { refresh_token: presented },
    });
    if (data) {
      setTokens(data);
      return true;
    }
    // 401: the session is over (expired, revoked, or the token was reused). Other statuses
    // (429, 5xx) are transient: keep the token for a later try. A login that happened
    // meanwhile has replaced the token and must not be cleared.
    if (response.status === 401 && refreshToken === presented) setTokens(null);
    return false;
  }

  /** Rotates the refresh token now; concurrent callers share one request. */
  function refresh(): Promise<boolean> {
    refreshing ??= rotate().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  useInnermost(
    client,
    authMiddleware({ accessToken: () => accessToken, canRefresh: () => refreshToken !== null, refresh }),
  );

  /** Signs in; on success the tokens are kept (and passed to `onTokens`). */
  async function login(body: LoginRequest) {
    const result = await client.POST("/auth/login", { body });
    if (result.data) setTokens(result.data);
    return result;
  }

  /** Revokes the session on the server and forgets the tokens, even if the call fails. */
  async function logout() {
    try {
      return await client.POST("/auth/logout");
    } finally {
      setTokens(null);
    }
  }

  const isSignedIn = (): boolean => accessToken !== null || refreshToken !== null;

  return Object.assign(client, { login, logout, refresh, isSignedIn });
}

export type WorkSynapseClient = ReturnType<typeof createWorkSynapseClient>;

interface AuthState {
  accessToken(): string | null;
  canRefresh(): boolean;
  refresh(): Promise<boolean>;
}

// What the middleware remembers about a request it authorized, to replay it after a refresh.
interface Sent {
  replay: Request;
  token: string | null;
}

function authMiddleware(auth: AuthState): Middleware {
  const sent = new Map<string, Sent>();
  return {
    onRequest({ request, schemaPath, id }) {
      // A caller-set Authorization (e.g. a service key) is left alone.
      if (tokenEndpoints.has(schemaPath) || request.headers.has("Authorization")) return;
      const token = auth.accessToken();
      if (token !== null) request.headers.set("Authorization", `Bearer ${token}`);
      if (token !== null || auth.canRefresh()) {
        // The body is consumed when the request is sent; keep a copy for the one retry.
        sent.set(id, { replay: request.clone(), token });
      }
    },
    async onResponse({ response, id, options }) {
      const original = sent.get(id);
      sent.delete(id);
      if (original === undefined || response.status !== 401) return;
      // If another request refreshed since this one left, its new token is simply reused.
      let token = auth.accessToken();
      if (token === null || token === original.token) {
        token = (await auth.refresh()) ? auth.accessToken() : null;
      }
      if (token === null) return; // the 401 stands
      await response.body?.cancel();
      original.replay.headers.set("Authorization", `Bearer ${token}`);
      // Called unbound: browsers reject fetch invoked as a method of another object.
      const retryFetch = options.fetch;
      return retryFetch(original.replay);
    },
    onError({ id }) {
      sent.delete(id);
    },
  };
}

// The auth middleware must run last before the network and first after it: it then replays
// the final request (with every other middleware's changes) and the other middleware see the
// retried response, not the 401 it replaced. openapi-fetch runs middleware in `use` order
// (responses in reverse), so `use` is wrapped to insert later middleware before it.
// (Per-request `middleware` options still run after it.)
function useInnermost(client: Client<paths>, auth: Middleware): void {
  const use = client.use;
  use(auth);
  client.use = (...middleware: Middleware[]): void => {
    client.eject(auth);
    use(...middleware, auth);
  };
}
