/**
 * Phase 2, end to end: N Okta creates and G groups of M members pushed through the SCIM API
 * (api process) while a worker process (WORKER_CONCURRENCY, SS_MAX_RPS=0) carries them to the
 * simulator (latencyMs per call), timed until every user and every full group is in the simulator.
 * The ideal is what 32 parallel lanes of 20 ms calls need for the calls actually made.
 */
import type Redis from 'ioredis';
import type { BenchChild } from './bench-processes';
import { inPool, round, sleep } from './bench-stats';
import { BenchSettings, cpuDelta, cpuSnapshot, expectStatus, issueToken, scimCall, startBridgeChild } from './bench-env';

export interface E2eResult {
  users: number;
  groups: number;
  membersPerGroup: number;
  pushSeconds: number;
  elapsedSeconds: number;
  complete: boolean;
  secretServerCalls: number;
  tokenGrants: number;
  idealSeconds: number;
  ratioToIdeal: number;
  /** Mean time a call spent in the simulator (latency knob + its own CPU and queueing). */
  meanSecretServerCallMs: number;
  /** Mean Secret Server call as the worker timed it (queueing in the simulator's accept backlog included). */
  meanCallSeenByWorkerMs: number;
  /** The same bound with the call time the worker measured instead of the bare latency: what the bridge itself adds. */
  effectiveIdealSeconds: number;
  ratioToEffectiveIdeal: number;
  /** Mean of the worker's active jobs, sampled while waiting: below WORKER_CONCURRENCY means slots sat idle. */
  meanActiveJobs: number;
  callsPerNewUser: number;
  userEndpointCallsPerNewUser: number;
  groupEndpointCallsPerGroup: number;
  callsByEndpoint: Record<string, number>;
  statuses: Record<string, number>;
  cpuSeconds: Record<string, number>;
  peakRssMb: { api?: number; worker?: number };
}

const TOKEN_ENDPOINT = 'POST /oauth2/token';
const EMAIL_DOMAIN = 'e2e.bench.example.com';
const GROUP_PREFIX = 'bench-e2e-group-';

export async function runE2eBench(settings: BenchSettings, redis: Redis, sim: BenchChild, log: (line: string) => void): Promise<E2eResult> {
  const prefix = `${settings.runPrefix}:e2e`;
  const n = settings.e2eUsers;
  const groups = settings.e2eGroups;
  const membersPerGroup = Math.min(100, Math.floor(n / Math.max(1, groups)));
  const token = await issueToken(redis, prefix);
  await sim.call('reset');
  await sim.call('setKnobs', { latencyMs: settings.e2eLatencyMs });
  const common = { REDIS_PREFIX: prefix, SS_BASE_URL: sim.ready.url as string, SS_MAX_RPS: '0' };
  const api = await startBridgeChild(settings, 'e2e-api', { ...common, BRIDGE_ROLE: 'api' });
  const worker = await startBridgeChild(settings, 'e2e-worker', { ...common, BRIDGE_ROLE: 'worker', WORKER_CONCURRENCY: String(settings.e2eConcurrency) });
  try {
    const origin = api.ready.url as string;
    // The worker's first token grant happens on its first call; count calls from a clean slate.
    await sim.call('resetStats');
    const cpuBefore = await cpuSnapshot(redis, [api, worker, sim]);
    const started = performance.now();
    log(`e2e: pushing ${n} users and ${groups} groups of ${membersPerGroup} through ${origin}/scim/v2`);

    // Okta pushes with a handful of parallel connections; 16 keeps the API busy without hiding its latency.
    const ids = await inPool(
      Array.from({ length: n }, (_, i) => i),
      16,
      async (i) => {
        const userName = `user${i}@${EMAIL_DOMAIN}`;
        const body = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          name: { givenName: `Given${i}`, familyName: 'Pushed' },
          emails: [{ value: userName, primary: true, type: 'work' }],
          active: true,
        };
        return (await expectStatus(scimCall(origin, token, 'POST', '/scim/v2/Users', body), 201, 'push user')).body.id as string;
      },
    );
    await inPool(
      Array.from({ length: groups }, (_, g) => g),
      4,
      async (g) => {
        // Okta pushes a group as POST (no members) then PATCH add members.
        const created = await expectStatus(
          scimCall(origin, token, 'POST', '/scim/v2/Groups', {
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
            displayName: `${GROUP_PREFIX}${g}`,
            members: [],
          }),
          201,
          'push group',
        );
        const members = ids.slice(g * membersPerGroup, (g + 1) * membersPerGroup).map((value) => ({ value }));
        const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'members', value: members }] };
        await expectStatus(scimCall(origin, token, 'PATCH', `/scim/v2/Groups/${created.body.id}`, patch), 200, 'push members');
      },
    );
    const pushSeconds = (performance.now() - started) / 1000;
    log(`e2e: pushed in ${round(pushSeconds, 1)}s; waiting for the simulator to hold everything`);

    // Bounded: generous against the ideal, so a stuck queue ends the phase instead of the bench.
    const deadline = started + Math.max(120_000, n * 30);
    let status = { users: 0, groups: 0 };
    let lastLog = 0;
    const activeSamples: number[] = [];
    for (;;) {
      const counts = await worker.call<{ active: number; waiting: number }>('queueCounts');
      if (counts.waiting > 0) activeSamples.push(counts.active);
      status = await sim.call<{ users: number; groups: number }>('e2eStatus', { emailDomain: EMAIL_DOMAIN, groupPrefix: GROUP_PREFIX, membersPerGroup });
      if ((status.users >= n && status.groups >= groups) || performance.now() > deadline) break;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`e2e: ${status.users}/${n} users, ${status.groups}/${groups} groups in the simulator after ${round((lastLog - started) / 1000, 1)}s`);
      }
      await sleep(100);
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuDelta(cpuBefore, await cpuSnapshot(redis, [api, worker, sim]));
    const stats = await sim.call<{ total: number; byEndpoint: Record<string, number>; byStatus: Record<string, number>; meanInServerMs: number }>('stats');
    const tokenGrants = stats.byEndpoint[TOKEN_ENDPOINT] ?? 0;
    const calls = stats.total - tokenGrants;
    const sum = (match: RegExp) => Object.entries(stats.byEndpoint).reduce((s, [k, v]) => (match.test(k) ? s + v : s), 0);
    const idealSeconds = (calls * settings.e2eLatencyMs) / 1000 / settings.e2eConcurrency;
    const seen = await worker.call<{ count: number; seconds: number }>('secretServerCalls');
    const meanCallSeenByWorkerMs = seen.count ? (seen.seconds * 1000) / seen.count : 0;
    const effectiveIdealSeconds = (calls * meanCallSeenByWorkerMs) / 1000 / settings.e2eConcurrency;
    return {
      users: n,
      groups,
      membersPerGroup,
      pushSeconds: round(pushSeconds),
      elapsedSeconds: round(elapsedSeconds),
      complete: status.users >= n && status.groups >= groups,
      secretServerCalls: calls,
      tokenGrants,
      idealSeconds: round(idealSeconds),
      ratioToIdeal: round(elapsedSeconds / idealSeconds),
      meanSecretServerCallMs: round(stats.meanInServerMs),
      meanCallSeenByWorkerMs: round(meanCallSeenByWorkerMs),
      effectiveIdealSeconds: round(effectiveIdealSeconds),
      ratioToEffectiveIdeal: round(elapsedSeconds / effectiveIdealSeconds),
      meanActiveJobs: round(activeSamples.reduce((a, b) => a + b, 0) / Math.max(1, activeSamples.length), 1),
      callsPerNewUser: round(calls / n, 3),
      userEndpointCallsPerNewUser: round(sum(/ \/api\/v1\/users/) / n, 3),
      groupEndpointCallsPerGroup: round(sum(/ \/api\/v1\/groups/) / Math.max(1, groups), 2),
      callsByEndpoint: stats.byEndpoint,
      statuses: stats.byStatus,
      cpuSeconds,
      peakRssMb: { api: api.peakRssMb(), worker: worker.peakRssMb() },
    };
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}
