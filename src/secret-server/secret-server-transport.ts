import axios, { AxiosInstance } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../logging/logger';
import type { CircuitBreaker } from './circuit-breaker';
import type { RateLimiter } from './redis-rate-limiter';
import {
  ACCESS_DENIED_ERROR_CODE,
  EXPIRED_TOKEN_MESSAGE,
  SecretServerAccessDeniedError,
  SecretServerAuthenticationError,
  SecretServerError,
  SecretServerMethodNotAllowedError,
  SecretServerNotFoundError,
  SecretServerPermanentError,
  SecretServerPermissionError,
  SecretServerRetryableError,
  SecretServerVaultNotFoundError,
} from './secret-server-errors';
import {
  HEALTHCHECK_ENDPOINT,
  PLATFORM_HEALTH_ENDPOINT,
  PLATFORM_SCOPE,
  PLATFORM_TOKEN_ENDPOINT,
  PLATFORM_TOKEN_PATH,
  PlatformMode,
  SERVER_KIND_LABELS,
  ServerKind,
  VAULTS_ENDPOINT,
  defaultVaultUrl,
  isHealthyAnswer,
} from './delinea-platform';
import type { TokenResponse } from './secret-server-types';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SecretServerConnectionOptions {
  /**
   * On-prem `https://host/SecretServer`, Cloud `https://tenant.secretservercloud.com`, or a
   * Delinea Platform tenant `https://tenant.delinea.app` (its vault URL is discovered).
   */
  baseUrl: string;
  /** The API account, or on a Platform tenant the service user's client id. */
  username: string;
  /** Its password, or on a Platform tenant the service user's client secret. */
  password: string;
  /** auto (default) detects the kind of server; true or false says it. */
  platform?: PlatformMode;
  /** AD domain of the API account; empty or undefined for a local account (then not sent). */
  domain?: string;
  timeoutMs: number;
}

export interface SecretServerTransportDeps {
  logger: Logger;
  rateLimiter?: RateLimiter;
  breaker?: CircuitBreaker;
  /** One call per HTTP exchange (the token grant included), labelled by endpoint template. */
  onCall?: (endpoint: string, status: number | 'error', durationMs: number) => void;
  /** Seconds until the next token grant may be tried after a refusal; 0 once a grant succeeds. */
  onGrantBackoff?: (seconds: number) => void;
  now?: () => number;
}

export interface CallSpec {
  method: HttpMethod;
  /** Path template under the base URL, e.g. '/api/v1/users/{id}'; it is also the metrics label. */
  template: string;
  params?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | undefined | null>;
  body?: unknown;
}

/** One HTTP answer as the transport reads it. */
export interface RawResponse {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

/** What SS_BASE_URL turned out to be, and the URL the REST API lives under. */
export interface SecretServerConnection {
  kind: ServerKind;
  /** Where /api/v1 lives: SS_BASE_URL itself, or the Platform tenant's vault URL. */
  apiBaseUrl: string;
}

export const TOKEN_ENDPOINT = 'POST /oauth2/token';
/** After a refused grant, wait this long before the next, doubling up to GRANT_BACKOFF_MAX_MS. */
const GRANT_BACKOFF_FIRST_MS = 5_000;
const GRANT_BACKOFF_MAX_MS = 10 * 60_000;

/** What the last exchange with Secret Server showed: /readyz answers from it. */
export interface LastExchange {
  at: number;
  endpoint: string;
  /** An answer below 500: the server is there (a 400 for a missing id is a healthy server). */
  ok: boolean;
  status: number | 'error';
}

/** Renew the token once this share of expires_in has passed, so that no call starts on a token about to expire. */
const TOKEN_RENEW_FRACTION = 0.9;
const DEFAULT_EXPIRES_IN_S = 1200;
const MAX_VENDOR_MESSAGE = 300;

/**
 * Keep-alive agents as Node's global ones are (LIFO, idle sockets closed after 5 s), except for
 * the TCP keep-alive delay: axios sets 60 s on the socket of every request, and the global agents
 * set their 1 s back each time the socket returns to the pool, so every call cost two setsockopt
 * system calls. With the same 60 s on both sides the socket already holds it and neither call is made.
 */
const AXIOS_TCP_KEEP_ALIVE_MS = 60_000;
const keepAliveAgentOptions = { keepAlive: true, keepAliveMsecs: AXIOS_TCP_KEEP_ALIVE_MS, scheduling: 'lifo', timeout: 5000 } as const;
const httpAgent = new http.Agent(keepAliveAgentOptions);
const httpsAgent = new https.Agent(keepAliveAgentOptions);

export function normaliseBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.trim().replace(/\/+$/, '');
  const parsed = new URL(trimmed); // throws on a malformed SS_BASE_URL
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TypeError(`unsupported Secret Server URL scheme: ${parsed.protocol}`);
  return trimmed;
}

export function fillTemplate(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: unknown, nowMs: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function parseLenient(text: string): Record<string, unknown> | undefined {
  const t = text.trim();
  if (!t.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, MAX_VENDOR_MESSAGE) : undefined);

/** Secret Server's way of saying "your token is stale" (403 with the exact message), or a plain 401. */
function isStaleTokenAnswer(res: RawResponse): boolean {
  if (res.status === 401) return true;
  return res.status === 403 && parseLenient(res.text)?.message === EXPIRED_TOKEN_MESSAGE;
}

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * The one HTTP choke point toward Secret Server: one axios instance that never retries and
 * never throws on a status, a shared bearer token, and the sorting of every failure into
 * retryable and permanent (secret-server-errors.ts).
 */
export class SecretServerTransport {
  readonly baseUrl: string;
  private readonly http: AxiosInstance;
  private readonly now: () => number;
  private readonly logger: Logger;
  private token: { value: string; renewAt: number } | undefined;
  private grantInFlight: Promise<string> | undefined;
  private kind: ServerKind | undefined;
  private connection: SecretServerConnection | undefined;
  private refusedGrant: { error: SecretServerAuthenticationError; retryAt: number; delayMs: number } | undefined;
  private last: LastExchange | undefined;

  constructor(
    private readonly options: SecretServerConnectionOptions,
    private readonly deps: SecretServerTransportDeps,
  ) {
    this.baseUrl = normaliseBaseUrl(options.baseUrl);
    this.now = deps.now ?? Date.now;
    this.logger = deps.logger;
    this.http = axios.create({
      timeout: options.timeoutMs,
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      headers: { Accept: 'application/json' },
      httpAgent,
      httpsAgent,
    });
  }

  /** One logical call: breaker, bearer token, one re-grant and replay on a stale token, failure sorting. */
  async call<T>(spec: CallSpec): Promise<T> {
    const endpoint = `${spec.method} ${spec.template}`;
    const run = async (): Promise<T> => {
      let token = await this.getToken();
      let res = await this.send(endpoint, spec, token);
      if (isStaleTokenAnswer(res)) {
        // The request was refused before it ran, so replaying it once (even a POST) is safe.
        this.logger.info('Secret Server token expired or was revoked; re-authenticating', { endpoint, status: res.status });
        this.invalidateToken(token);
        token = await this.getToken();
        res = await this.send(endpoint, spec, token);
        if (isStaleTokenAnswer(res)) {
          this.invalidateToken(token);
          throw new SecretServerRetryableError(`Secret Server refused a freshly granted token on ${endpoint} (${res.status})`, {
            endpoint,
            status: res.status,
            kind: 'auth',
          });
        }
      }
      return this.interpret<T>(endpoint, res);
    };
    return this.deps.breaker ? this.deps.breaker.execute(endpoint, run) : run();
  }

  /**
   * Makes sure a token is held. A cached one answers at once without touching the breaker (a
   * call that makes no request must not count as the half-open probe); a grant goes through it.
   */
  async ensureToken(): Promise<void> {
    if (this.token && this.now() < this.token.renewAt) return;
    const run = async () => {
      await this.getToken();
    };
    await (this.deps.breaker ? this.deps.breaker.execute(TOKEN_ENDPOINT, run) : run());
  }

  /** The last exchange's outcome, for probes that must not call Secret Server themselves. */
  get lastExchange(): LastExchange | undefined {
    return this.last;
  }

  /** When a refused grant holds further grants back: its reason and when the next may go out. */
  get grantBackoff(): { reason: string; retryAt: number } | undefined {
    const refused = this.refusedGrant;
    return refused && this.now() < refused.retryAt ? { reason: refused.error.message, retryAt: refused.retryAt } : undefined;
  }

  /** The kind of server and API URL, once a token has been obtained; undefined before. */
  get resolvedConnection(): SecretServerConnection | undefined {
    return this.connection;
  }

  invalidateToken(value?: string): void {
    if (value === undefined || this.token?.value === value) this.token = undefined;
  }

  private getToken(): Promise<string> {
    if (this.token && this.now() < this.token.renewAt) return Promise.resolve(this.token.value);
    // A wrong password must not become a stream of failed logins (a lockout policy would lock the
    // API account): after a refusal every caller in this process gets it back until the backoff ends.
    const refused = this.refusedGrant;
    if (refused && this.now() < refused.retryAt) {
      const inSeconds = Math.ceil((refused.retryAt - this.now()) / 1000);
      return Promise.reject(
        new SecretServerAuthenticationError(`${refused.error.message} (next attempt in ${inSeconds} s)`, {
          endpoint: refused.error.endpoint,
          status: refused.error.status,
          vendorMessage: refused.error.vendorMessage,
          kind: 'auth',
        }),
      );
    }
    // Concurrent callers share one grant: N jobs starting together must not log in N times.
    if (!this.grantInFlight) {
      this.grantInFlight = this.grantWithBackoff().finally(() => {
        this.grantInFlight = undefined;
      });
    }
    return this.grantInFlight;
  }

  private async grantWithBackoff(): Promise<string> {
    try {
      const token = await this.grant();
      if (this.refusedGrant) this.deps.onGrantBackoff?.(0);
      this.refusedGrant = undefined;
      return token;
    } catch (err) {
      if (err instanceof SecretServerAuthenticationError) {
        const delayMs = this.refusedGrant ? Math.min(this.refusedGrant.delayMs * 2, GRANT_BACKOFF_MAX_MS) : GRANT_BACKOFF_FIRST_MS;
        this.refusedGrant = { error: err, retryAt: this.now() + delayMs, delayMs };
        this.deps.onGrantBackoff?.(delayMs / 1000);
        this.logger.error(`${err.message}; no new grant for ${delayMs / 1000} s: check SS_USERNAME / SS_PASSWORD / SS_DOMAIN`, {
          endpoint: err.endpoint,
          status: err.status,
        });
      }
      throw err;
    }
  }

  private async grant(): Promise<string> {
    const kind = await this.serverKind();
    if (kind === 'secret-server') {
      const token = await this.requestToken(TOKEN_ENDPOINT, `${this.baseUrl}/oauth2/token`, this.passwordGrantForm(), 'the API account');
      this.connected({ kind, apiBaseUrl: this.baseUrl });
      return token;
    }
    const form = new URLSearchParams({
      client_id: this.options.username,
      client_secret: this.options.password,
      grant_type: 'client_credentials',
      scope: PLATFORM_SCOPE,
    });
    const token = await this.requestToken(PLATFORM_TOKEN_ENDPOINT, `${this.baseUrl}${PLATFORM_TOKEN_PATH}`, form, 'the Platform service user');
    // The vault does not move while the process runs; a re-grant keeps the one found first.
    if (!this.connection) this.connected({ kind, apiBaseUrl: await this.discoverVault(token) });
    return token;
  }

  private passwordGrantForm(): URLSearchParams {
    const form = new URLSearchParams({ grant_type: 'password', username: this.options.username, password: this.options.password });
    if (this.options.domain) form.set('domain', this.options.domain);
    return form;
  }

  private connected(connection: SecretServerConnection): void {
    const first = !this.connection;
    this.connection = connection;
    if (first) {
      this.logger.info(`Secret Server API at ${connection.apiBaseUrl} (${SERVER_KIND_LABELS[connection.kind]})`, {
        kind: connection.kind,
        baseUrl: this.baseUrl,
        apiBaseUrl: connection.apiBaseUrl,
      });
    }
  }

  private async requestToken(endpoint: string, url: string, form: URLSearchParams, who: string): Promise<string> {
    const startedAt = this.now();
    const res = await this.exchange(endpoint, {
      method: 'POST',
      url,
      data: form.toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    if (res.status >= 200 && res.status < 300) {
      const body = this.parseSuccessBody<TokenResponse>(endpoint, res);
      if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
        throw new SecretServerRetryableError('Secret Server token answer had no access_token', { endpoint, status: res.status, kind: 'html' });
      }
      const expiresInS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S;
      this.token = { value: body.access_token, renewAt: startedAt + expiresInS * 1000 * TOKEN_RENEW_FRACTION };
      this.logger.debug('obtained a Secret Server token', { expiresInS });
      return body.access_token;
    }
    if (isRetryableStatus(res.status)) throw this.failure(endpoint, res);
    const body = parseLenient(res.text);
    const reason = str(body?.error) ?? str(body?.message) ?? `HTTP ${res.status}`;
    // Never retried by us: repeated failed logins lock the API account (DelineaXPM/delinea-tools api/auth.go never replays a refused grant either).
    throw new SecretServerAuthenticationError(`Secret Server refused the token grant for ${who}: ${reason}`, {
      endpoint,
      status: res.status,
      vendorMessage: reason,
      kind: 'auth',
    });
  }

  /**
   * Secret Server or Delinea Platform, as Delinea's SDKs tell them apart. Cached once known; a
   * probe that got no answer (or a 5xx) is retryable and decides nothing.
   */
  private async serverKind(): Promise<ServerKind> {
    if (this.kind) return this.kind;
    const mode = this.options.platform ?? 'auto';
    if (mode !== 'auto') return (this.kind = mode === 'true' ? 'platform' : 'secret-server');
    if (await this.probeHealthy(HEALTHCHECK_ENDPOINT, `${this.baseUrl}/api/v1/healthcheck`)) return (this.kind = 'secret-server');
    if (await this.probeHealthy(PLATFORM_HEALTH_ENDPOINT, `${this.baseUrl}/health`)) return (this.kind = 'platform');
    // Neither says healthy: an older Secret Server without the health check, or a wrong URL, which the grant will name.
    this.logger.warn(
      'neither {base}/api/v1/healthcheck nor {base}/health answered healthy; treating SS_BASE_URL as a Secret Server (set SS_PLATFORM to decide)',
      {
        baseUrl: this.baseUrl,
      },
    );
    return (this.kind = 'secret-server');
  }

  private async probeHealthy(endpoint: string, url: string): Promise<boolean> {
    const res = await this.exchange(endpoint, { method: 'GET', url, headers: {} });
    if (isRetryableStatus(res.status)) throw this.failure(endpoint, res);
    return isHealthyAnswer(res.status, res.text);
  }

  private async discoverVault(token: string): Promise<string> {
    const res = await this.exchange(VAULTS_ENDPOINT, {
      method: 'GET',
      url: `${this.baseUrl}/vaultbroker/api/vaults`,
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = this.interpret<unknown>(VAULTS_ENDPOINT, res);
    const url = defaultVaultUrl(body);
    if (!url) {
      throw new SecretServerVaultNotFoundError('the Delinea Platform tenant lists no default, active Secret Server vault', {
        endpoint: VAULTS_ENDPOINT,
        status: res.status,
      });
    }
    return normaliseBaseUrl(url);
  }

  private send(endpoint: string, spec: CallSpec, token: string): Promise<RawResponse> {
    const path = fillTemplate(spec.template, spec.params);
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined && v !== null) qs.set(k, String(v));
    const query = qs.toString();
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    return this.exchange(endpoint, {
      method: spec.method,
      url: `${this.connection?.apiBaseUrl ?? this.baseUrl}${path}${query ? `?${query}` : ''}`,
      // A Buffer goes out as it is; a JSON string would be parsed again by axios to check it.
      data: spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body)),
      headers,
    });
  }

  /** One HTTP exchange: rate limit, time it, report it, and turn transport failures into errors. */
  private async exchange(
    endpoint: string,
    req: { method: HttpMethod; url: string; data?: string | Buffer; headers: Record<string, string> },
  ): Promise<RawResponse> {
    await this.deps.rateLimiter?.acquire();
    const startedAt = this.now();
    try {
      const res = await this.http.request<string>(req);
      const durationMs = this.now() - startedAt;
      this.deps.onCall?.(endpoint, res.status, durationMs);
      this.last = { at: this.now(), endpoint, ok: res.status < 500, status: res.status };
      // winston formats a line (redaction, timestamp, JSON) before its transports drop it by level:
      // asking first keeps two needless formats per job off the worker at the usual info level.
      if (this.logger.isDebugEnabled()) this.logger.debug('Secret Server call', { endpoint, status: res.status, durationMs });
      return { status: res.status, headers: res.headers, text: typeof res.data === 'string' ? res.data : '' };
    } catch (err) {
      const durationMs = this.now() - startedAt;
      this.deps.onCall?.(endpoint, 'error', durationMs);
      this.last = { at: this.now(), endpoint, ok: false, status: 'error' };
      // Only the code and message travel on: the axios error holds the request config, which
      // carries the bearer token and, for the grant, the password.
      const code = (err as { code?: string }).code;
      // axios says ECONNABORTED/ETIMEDOUT when the timeout hits before the headers, and a stream
      // abort when it hits while the body is arriving; the elapsed time tells both apart from resets.
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || durationMs >= this.options.timeoutMs;
      const what = timedOut ? `timed out after ${this.options.timeoutMs} ms` : `failed: ${code ?? (err as Error).message}`;
      this.logger.debug('Secret Server call failed without an answer', { endpoint, code, durationMs });
      throw new SecretServerRetryableError(`Secret Server ${endpoint} ${what}`, {
        endpoint,
        errorCode: code,
        kind: timedOut ? 'timeout' : 'network',
      });
    }
  }

  private interpret<T>(endpoint: string, res: RawResponse): T {
    if (res.status >= 200 && res.status < 300) return this.parseSuccessBody<T>(endpoint, res) as T;
    throw this.failure(endpoint, res);
  }

  /** JSON of a 2xx; a 200 carrying HTML (or anything not JSON) is a retryable failure (DelineaXPM/python-tss-sdk delinea/secrets/server.py). */
  private parseSuccessBody<T>(endpoint: string, res: RawResponse): T | undefined {
    const text = res.text.trim();
    if (text === '') return undefined;
    const contentTypeHeader = res.headers['content-type'];
    const contentType = typeof contentTypeHeader === 'string' ? contentTypeHeader : '';
    if (text.startsWith('<') || (contentType !== '' && !/json/i.test(contentType))) {
      throw new SecretServerRetryableError(`Secret Server ${endpoint} answered ${res.status} with a non-JSON (HTML) body`, {
        endpoint,
        status: res.status,
        kind: 'html',
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SecretServerRetryableError(`Secret Server ${endpoint} answered ${res.status} with unparseable JSON`, {
        endpoint,
        status: res.status,
        kind: 'html',
      });
    }
  }

  private failure(endpoint: string, res: RawResponse): SecretServerError {
    return failureOf(endpoint, res, this.now());
  }
}

/**
 * The error a non-2xx answer becomes: the one sorting of statuses into the classes of
 * secret-server-errors.ts. Exported so the fake Secret Server (fake-secret-server.ts) throws
 * exactly what this client throws for the same answer.
 */
export function failureOf(endpoint: string, res: RawResponse, nowMs: number): SecretServerError {
  const body = parseLenient(res.text);
  const errorCode = str(body?.errorCode);
  const vendorMessage = str(body?.message) ?? str(body?.error);
  const modelState = body?.modelState && typeof body.modelState === 'object' ? (body.modelState as Record<string, string[]>) : undefined;
  const message = `Secret Server ${endpoint} answered ${res.status}${errorCode ? ` ${errorCode}` : ''}${vendorMessage ? `: ${vendorMessage}` : ''}`;
  const details = { endpoint, status: res.status, errorCode, vendorMessage, modelState };
  if (isRetryableStatus(res.status)) {
    return new SecretServerRetryableError(message, { ...details, retryAfterMs: parseRetryAfter(res.headers['retry-after'], nowMs) });
  }
  if (res.status === 403) return new SecretServerPermissionError(message, details);
  if (res.status === 400 && errorCode === ACCESS_DENIED_ERROR_CODE) return new SecretServerAccessDeniedError(message, details);
  if (res.status === 404) return new SecretServerNotFoundError(message, details);
  if (res.status === 405) return new SecretServerMethodNotAllowedError(message, details);
  return new SecretServerPermanentError(message, details);
}
