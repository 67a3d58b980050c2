/** Shared set-up for the nock tests of SecretServerClient. */
import nock from 'nock';
import { PassThrough } from 'node:stream';
import { createLogger, createSilentLogger, Logger } from '../../src/logging/logger';
import { SecretServerClient, SecretServerClientDeps, SecretServerClientOptions } from '../../src/secret-server/secret-server-client';

export const ORIGIN = 'https://ss.example.test';
export const BASE_PATH = '/SecretServer';
export const BASE_URL = `${ORIGIN}${BASE_PATH}`;
export const API_PASSWORD = 'api-Pa55word!that-must-never-leak';
export const TOKEN = 'tok-0001-never-log-me';

export interface CallRecord {
  endpoint: string;
  status: number | 'error';
  durationMs: number;
}

export function makeClient(
  options: Partial<SecretServerClientOptions> = {},
  deps: Partial<SecretServerClientDeps> = {},
): { client: SecretServerClient; calls: CallRecord[] } {
  const calls: CallRecord[] = [];
  const client = new SecretServerClient(
    { baseUrl: BASE_URL, username: 'scim-bridge', password: API_PASSWORD, domain: '', timeoutMs: 2000, dryRun: false, platform: 'false', ...options },
    { logger: createSilentLogger(), onCall: (endpoint, status, durationMs) => calls.push({ endpoint, status, durationMs }), ...deps },
  );
  return { client, calls };
}

/** A logger whose every line (debug and up) is captured as text. */
export function capturingLogger(): { logger: Logger; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  // Keep the console quiet in test output.
  for (const t of logger.transports) if (t.constructor.name === 'Console') t.silent = true;
  return { logger, text: () => chunks.join('') };
}

/** Expects one token grant on `scope` (any form body unless `match` says otherwise). */
export function expectGrant(
  scope: nock.Scope,
  opts: { token?: string; expiresIn?: number; match?: (form: Record<string, string>) => boolean; times?: number } = {},
): nock.Scope {
  return scope
    .post(`${BASE_PATH}/oauth2/token`, (form: Record<string, string>) => (opts.match ? opts.match(form) : true))
    .times(opts.times ?? 1)
    .reply(200, { access_token: opts.token ?? TOKEN, token_type: 'bearer', expires_in: opts.expiresIn ?? 1200 });
}

export function paging<T>(records: T[], skip: number, take: number, total: number) {
  const hasNext = skip + take < total;
  return {
    records,
    total,
    skip,
    take,
    hasNext,
    hasPrev: skip > 0,
    nextSkip: skip + take,
    prevSkip: Math.max(0, skip - take),
    pageCount: Math.ceil(total / take),
    currentPage: Math.floor(skip / take) + 1,
    batchCount: Math.ceil(total / take),
    success: true,
    severity: 'None',
  };
}

export function userSummary(id: number, userName: string, emailAddress: string | null, enabled = true) {
  return { id, userName, displayName: userName, emailAddress, enabled, isLockedOut: false, domainId: -1, created: '2024-01-01T00:00:00Z' };
}

/**
 * A Node-style connection error for `replyWithError`. It must be a real Error: nock 14's
 * interceptor drops plain `{ code, message }` objects and the request then hangs until the timeout.
 */
export function connectionError(code: string, message = `connect ${code}`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall: 'connect' });
}

/**
 * Per test file: every request must hit a nock interceptor (no real network at all), nothing
 * left over between tests, and the http module restored when the file is done.
 */
export function setUpNock(): void {
  beforeAll(() => {
    if (!nock.isActive()) nock.activate();
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  });
}
