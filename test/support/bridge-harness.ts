import { PassThrough } from 'node:stream';
import { loadConfig, DeepPartial } from '../../src/config/load-config';
import type { BridgeConfig } from '../../src/config/config-schema';
import { startBridge, RunningBridge } from '../../src/lifecycle/bridge-process';
import { createLogger } from '../../src/logging/logger';
import { createSimulator } from '../../simulator/simulator-app';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from './redis';

export const TEST_SCIM_TOKEN = 'test-scim-token-0123456789abcdef0123456789';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export type Simulator = ReturnType<typeof createSimulator>;

export interface Harness {
  bridge: RunningBridge;
  simulator: Simulator;
  simulatorUrl: string;
  /** Base URL of the SCIM API, e.g. http://127.0.0.1:41234/scim/v2 */
  scimUrl: string;
  prefix: string;
  /** Every log line the bridge wrote, for assertions (and for secret scanning). */
  logs: string[];
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  /** Waits until nothing is left to carry to Secret Server (no dirty markers, no waiting/active/delayed jobs). */
  waitForSync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole product in one test process: the Secret Server simulator over HTTP on port 0, and the
 * bridge (api + workers) on port 0 against the real Redis, under a unique prefix.
 */
export async function startHarness(overrides: DeepPartial<BridgeConfig> = {}, simulatorOptions: Parameters<typeof createSimulator>[0] = {}): Promise<Harness> {
  const simulator = createSimulator(simulatorOptions);
  const listening = await simulator.listen(0);
  const prefix = uniquePrefix('e2e');
  const config = loadConfig(
    mergeDeep(
      {
        role: 'all',
        http: { port: 0, host: '127.0.0.1' },
        redis: { url: TEST_REDIS_URL, prefix },
        auth: { scimToken: TEST_SCIM_TOKEN, adminToken: TEST_ADMIN_TOKEN, failLimit: 1000 },
        log: { level: 'info', format: 'json' },
        secretServer: { baseUrl: listening.url, timeoutMs: 2000, maxRps: 0 },
        worker: { concurrency: 8, attempts: 12, backoffMs: 200 },
        breaker: { failureThreshold: 5, openMs: 1000 },
        // Imports run when a test asks: a scheduled one, or one before a page, would change what it counts.
        import: { intervalS: 0, refreshAgeS: 0 },
      },
      overrides,
    ),
    {},
  );
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createLogger({ level: config.log.level, format: 'json', stream, silentConsole: true });
  const bridge = await startBridge(config, logger, { sweepIntervalMs: 1000, sweepGraceMs: 5000 });
  const scimUrl = `${bridge.url}/scim/v2`;

  const scim: Harness['scim'] = async (method, path, body, headers = {}) => {
    const response = await fetch(`${scimUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TEST_SCIM_TOKEN}`,
        Accept: 'application/scim+json',
        ...(body !== undefined ? { 'Content-Type': 'application/scim+json; charset=utf-8' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };

  const waitForSync = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [dirty, counts] = await Promise.all([
        bridge.container.store.countDirty(),
        bridge.container.queue.provision.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      ]);
      const busy = counts.waiting + counts.active + counts.delayed + counts.prioritized;
      if (dirty === 0 && busy === 0) return;
      if (Date.now() > deadline) throw new Error(`not synced after ${timeoutMs} ms: ${dirty} dirty, ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    bridge,
    simulator,
    simulatorUrl: listening.url,
    scimUrl,
    prefix,
    logs,
    scim,
    waitForSync,
    async stop() {
      await bridge.stop();
      await listening.close();
      const redis = connectRedis();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? mergeDeep(current as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
