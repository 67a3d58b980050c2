/**
 * Phase `first-sync`: the regime customers run when Okta first pushes a directory. Secret Server
 * answers in BENCH_FIRST_SYNC_LATENCY_MS (100) per call, the bridge runs with its default rate
 * limit (SS_MAX_RPS 50) and concurrency (WORKER_CONCURRENCY 8), and BENCH_FIRST_SYNC_USERS (1000)
 * new users are pushed through /scim/v2 ten requests at a time, as Okta does. Timed until every
 * one is in the simulator; calls counted by the simulator. Run twice, each with a fresh simulator
 * and bridge: with every create searching first (SS_ACCOUNT_VIEW_MAX_AGE_S=0, the bridge before
 * the account view) and with the defaults (the account view during the burst). The floor is one
 * call per user at the rate limit: N / SS_MAX_RPS seconds.
 */
import type Redis from 'ioredis';
import { BenchChild, startChild } from './bench-processes';
import { inPool, round, sleep } from './bench-stats';
import { BenchSettings, expectStatus, issueToken, scimCall, startBridgeChild } from './bench-env';

/** The bridge's defaults, which this phase leaves as they are; named here for the floor. */
const DEFAULT_MAX_RPS = 50;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_VIEW_MAX_AGE_S = '60';
const OKTA_CONCURRENT_REQUESTS = 10;
const EMAIL_DOMAIN = 'first-sync.bench.example.com';

export type FirstSyncMode = 'search-first' | 'account-view';
export const FIRST_SYNC_MODES: readonly FirstSyncMode[] = ['search-first', 'account-view'];

export interface FirstSyncRun {
  mode: FirstSyncMode;
  users: number;
  complete: boolean;
  pushSeconds: number;
  /** From the first push until the simulator holds every user. */
  elapsedSeconds: number;
  /** Every call the simulator answered from the bridge's start (token grants and health checks included). */
  secretServerCalls: number;
  callsPerNewUser: number;
  callsByEndpoint: Record<string, number>;
  /** One call per user at SS_MAX_RPS. */
  floorSeconds: number;
  ratioToFloor: number;
  failedJobs: number;
}

export interface FirstSyncResult {
  users: number;
  latencyMs: number;
  maxRps: number;
  concurrency: number;
  runs: Partial<Record<FirstSyncMode, FirstSyncRun>>;
}

export async function runFirstSyncBench(settings: BenchSettings, redis: Redis, log: (line: string) => void): Promise<FirstSyncResult> {
  const result: FirstSyncResult = {
    users: settings.firstSyncUsers,
    latencyMs: settings.firstSyncLatencyMs,
    maxRps: DEFAULT_MAX_RPS,
    concurrency: DEFAULT_CONCURRENCY,
    runs: {},
  };
  for (const mode of FIRST_SYNC_MODES) result.runs[mode] = await runMode(settings, redis, mode, log);
  return result;
}

async function runMode(settings: BenchSettings, redis: Redis, mode: FirstSyncMode, log: (line: string) => void): Promise<FirstSyncRun> {
  const n = settings.firstSyncUsers;
  const prefix = `${settings.runPrefix}:first-sync-${mode}`;
  const sim = await startChild(`simulator-first-sync-${mode}`, 'sim-child', { env: { SS_SIM_PROFILE: 'current' } });
  let api: BenchChild | undefined;
  let worker: BenchChild | undefined;
  try {
    await sim.call('setKnobs', { latencyMs: settings.firstSyncLatencyMs });
    const token = await issueToken(redis, prefix);
    // SS_MAX_RPS and WORKER_CONCURRENCY are left at the bridge's defaults: that is the regime measured.
    // The view's age is pinned either way, so a value left in the shell cannot change what is measured.
    const common = {
      REDIS_PREFIX: prefix,
      SS_BASE_URL: sim.ready.url as string,
      SS_ACCOUNT_VIEW_MAX_AGE_S: mode === 'search-first' ? '0' : DEFAULT_VIEW_MAX_AGE_S,
    };
    api = await startBridgeChild(settings, `first-sync-${mode}-api`, { ...common, BRIDGE_ROLE: 'api' });
    worker = await startBridgeChild(settings, `first-sync-${mode}-worker`, { ...common, BRIDGE_ROLE: 'worker' });
    const origin = api.ready.url as string;
    log(`first-sync (${mode}): pushing ${n} users, ${OKTA_CONCURRENT_REQUESTS} at a time, Secret Server at ${settings.firstSyncLatencyMs} ms per call`);

    const started = performance.now();
    await inPool(
      Array.from({ length: n }, (_, i) => i),
      OKTA_CONCURRENT_REQUESTS,
      async (i) => {
        const userName = `user${i}@${EMAIL_DOMAIN}`;
        const body = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          name: { givenName: `Given${i}`, familyName: 'First' },
          emails: [{ value: userName, primary: true, type: 'work' }],
          active: true,
        };
        await expectStatus(scimCall(origin, token, 'POST', '/scim/v2/Users', body), 201, 'push user');
      },
    );
    const pushSeconds = (performance.now() - started) / 1000;
    const floorSeconds = n / DEFAULT_MAX_RPS;
    // Bounded: well past the search-first regime's two calls per user, so a stuck queue ends the phase.
    const deadline = started + Math.max(60_000, floorSeconds * 4000);
    let users = 0;
    let lastLog = 0;
    for (;;) {
      users = (await sim.call<{ users: number }>('e2eStatus', { emailDomain: EMAIL_DOMAIN, groupPrefix: '', membersPerGroup: -1 })).users;
      if (users >= n || performance.now() > deadline) break;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`first-sync (${mode}): ${users}/${n} users in the simulator after ${round((lastLog - started) / 1000, 1)}s`);
      }
      await sleep(50);
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const stats = await sim.call<{ total: number; byEndpoint: Record<string, number> }>('stats');
    const failedJobs = (await worker.call<Record<string, number>>('queueCounts')).failed;
    const run: FirstSyncRun = {
      mode,
      users: n,
      complete: users >= n,
      pushSeconds: round(pushSeconds),
      elapsedSeconds: round(elapsedSeconds),
      secretServerCalls: stats.total,
      callsPerNewUser: round(stats.total / n, 3),
      callsByEndpoint: stats.byEndpoint,
      floorSeconds: round(floorSeconds),
      ratioToFloor: round(elapsedSeconds / floorSeconds),
      failedJobs,
    };
    log(`first-sync (${mode}): ${run.elapsedSeconds} s, ${run.callsPerNewUser} calls per new user, ${run.ratioToFloor}x the floor`);
    return run;
  } finally {
    await Promise.all([api?.stop(), worker?.stop()]);
    await sim.stop();
  }
}
