/**
 * Phase `large-group`: one pushed group grown to BENCH_LARGE_GROUP_MEMBERS (10,000) members the
 * way Okta grows it: BENCH_LARGE_GROUP_MEMBERS users are pushed and carried to the simulator
 * first, then each is added to the group by a PATCH naming just that member, ten at a time as
 * Okta's pushes run, while the worker syncs the group. One bridge process runs every role
 * (BRIDGE_ROLE=all), so its peak RSS is the whole bridge's. The PATCHes are timed and their p99
 * printed per band of a thousand members, so a cost that grows with the group shows as a slope;
 * at the end every member must be in the simulator's group, and the calls the group sync made
 * (the simulator's counts from the group's push on) are printed.
 */
import type Redis from 'ioredis';
import { BenchChild, startChild } from './bench-processes';
import { inPool, percentiles, round, sleep, type Percentiles } from './bench-stats';
import { BenchSettings, expectStatus, issueToken, scimCall, startBridgeChild } from './bench-env';

const OKTA_CONCURRENT_REQUESTS = 10;
const BAND = 1000;
const EMAIL_DOMAIN = 'large-group.bench.example.com';
const GROUP_NAME = 'bench-large-group';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface LargeGroupBand {
  /** Members the group held before the band's first PATCH. */
  from: number;
  to: number;
  patch: Percentiles;
}

export interface LargeGroupResult {
  members: number;
  latencyMs: number;
  pushSeconds: number;
  /** From the first push until the simulator's group holds every member and the queue is empty. */
  elapsedSeconds: number;
  complete: boolean;
  /** Whether the simulator's group holds exactly the members pushed. */
  exact: boolean;
  membersInSimulator: number;
  patch: Percentiles;
  patchStatuses: Record<string, number>;
  bands: LargeGroupBand[];
  peakRssMb?: number;
  /** Peak RSS once the users were in Secret Server, before the first PATCH. */
  peakRssAfterUsersMb?: number;
  /** Every call the simulator answered from the group's push on, by endpoint; the group endpoints are the group sync's. */
  callsByEndpoint: Record<string, number>;
  groupSyncCalls: Record<string, number>;
  failedJobs: number;
}

export async function runLargeGroupBench(settings: BenchSettings, redis: Redis, log: (line: string) => void): Promise<LargeGroupResult> {
  const n = settings.largeGroupMembers;
  const prefix = `${settings.runPrefix}:large-group`;
  const sim = await startChild('simulator-large-group', 'sim-child', { env: { SS_SIM_PROFILE: 'current' } });
  let bridge: BenchChild | undefined;
  try {
    await sim.call('setKnobs', { latencyMs: settings.largeGroupLatencyMs });
    const token = await issueToken(redis, prefix);
    bridge = await startBridgeChild(settings, 'large-group-all', {
      REDIS_PREFIX: prefix,
      SS_BASE_URL: sim.ready.url as string,
      SS_MAX_RPS: '0',
      BRIDGE_ROLE: 'all',
    });
    const origin = bridge.ready.url as string;
    log(`large-group: pushing ${n} users, ${OKTA_CONCURRENT_REQUESTS} at a time, until all are in the simulator`);
    const users = await inPool(
      Array.from({ length: n }, (_, i) => i),
      OKTA_CONCURRENT_REQUESTS,
      async (i) => {
        const userName = `user${i}@${EMAIL_DOMAIN}`;
        const body = {
          schemas: [USER_SCHEMA],
          userName,
          name: { givenName: `Given${i}`, familyName: 'Member' },
          emails: [{ value: userName, primary: true, type: 'work' }],
          active: true,
        };
        return { id: (await expectStatus(scimCall(origin, token, 'POST', '/scim/v2/Users', body), 201, 'push user')).body.id as string, userName };
      },
    );
    const usersDeadline = performance.now() + Math.max(120_000, n * settings.largeGroupLatencyMs);
    while ((await sim.call<{ users: number }>('callsStatus', { emailDomain: EMAIL_DOMAIN, groupName: GROUP_NAME })).users < n) {
      if (performance.now() > usersDeadline) throw new Error(`large-group: the ${n} users did not reach the simulator in time`);
      await sleep(200);
    }
    await sim.call('resetStats');
    const peakRssAfterUsersMb = bridge.peakRssMb();

    const group = await expectStatus(
      scimCall(origin, token, 'POST', '/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName: GROUP_NAME, members: [] }),
      201,
      'push group',
    );
    const groupId = group.body.id as string;
    log(`large-group: adding the ${n} users to one group, one PATCH each, ${OKTA_CONCURRENT_REQUESTS} at a time`);

    const bandSamples: number[][] = Array.from({ length: Math.ceil(n / BAND) }, () => []);
    const all: number[] = [];
    const patchStatuses: Record<string, number> = {};
    const started = performance.now();
    let done = 0;
    await inPool(users, OKTA_CONCURRENT_REQUESTS, async (user, i) => {
      // Okta's group push: one PATCH per membership change, naming only that member.
      const patch = await scimCall(origin, token, 'PATCH', `/scim/v2/Groups/${groupId}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.id, display: user.userName }] }],
      });
      if (patch.status !== 200 && patch.status !== 204) throw new Error(`patch group: ${patch.status} ${JSON.stringify(patch.body).slice(0, 300)}`);
      patchStatuses[patch.status] = (patchStatuses[patch.status] ?? 0) + 1;
      bandSamples[Math.floor(i / BAND)].push(patch.ms);
      all.push(patch.ms);
      if (++done % 2000 === 0) log(`large-group: ${done}/${n} members added after ${round((performance.now() - started) / 1000, 1)}s`);
    });
    const pushSeconds = (performance.now() - started) / 1000;
    const bands = bandSamples.map((samples, b) => ({ from: b * BAND, to: Math.min(n, (b + 1) * BAND), patch: percentiles(samples) }));
    for (const band of bands)
      log(`large-group: PATCH p99 with ${band.from}-${band.to} members: ${band.patch.p99} ms (p50 ${band.patch.p50}, max ${band.patch.max})`);

    const deadline = started + 120_000;
    let members = 0;
    let lastLog = 0;
    for (;;) {
      members = (await sim.call<{ members: number }>('groupStatus', { groupName: GROUP_NAME })).members;
      if (members >= n) {
        const q = await bridge.call<Record<string, number>>('queueCounts');
        if (q.waiting + q.active + q.delayed + q.prioritized === 0) break;
      }
      if (performance.now() > deadline) break;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(`large-group: ${members}/${n} members in the simulator after ${round((lastLog - started) / 1000, 1)}s`);
      }
      await sleep(100);
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const final = await sim.call<{ users: number; memberEmails: string[] | null }>('callsStatus', { emailDomain: EMAIL_DOMAIN, groupName: GROUP_NAME });
    const want = Array.from({ length: n }, (_, i) => `user${i}@${EMAIL_DOMAIN}`).sort();
    const exact = final.memberEmails !== null && final.memberEmails.join() === want.join();
    const stats = await sim.call<{ byEndpoint: Record<string, number> }>('stats');
    const groupSyncCalls = Object.fromEntries(Object.entries(stats.byEndpoint).filter(([endpoint]) => endpoint.includes('/groups')));
    const failedJobs = (await bridge.call<Record<string, number>>('queueCounts')).failed;
    const result: LargeGroupResult = {
      members: n,
      latencyMs: settings.largeGroupLatencyMs,
      pushSeconds: round(pushSeconds),
      elapsedSeconds: round(elapsedSeconds),
      complete: members >= n,
      exact,
      membersInSimulator: final.memberEmails?.length ?? 0,
      patch: percentiles(all),
      patchStatuses,
      bands,
      peakRssMb: bridge.peakRssMb(),
      peakRssAfterUsersMb,
      callsByEndpoint: stats.byEndpoint,
      groupSyncCalls,
      failedJobs,
    };
    log(
      `large-group: ${result.membersInSimulator}/${n} members in the simulator (${exact ? 'exact' : 'NOT EXACT'}) after ${result.elapsedSeconds}s; ` +
        `peak RSS ${round(result.peakRssMb ?? NaN, 1)} MB (${round(peakRssAfterUsersMb ?? NaN, 1)} MB before the first PATCH); group sync calls ${JSON.stringify(groupSyncCalls)}; failed jobs ${failedJobs}`,
    );
    return result;
  } finally {
    await bridge?.stop();
    await sim.stop();
  }
}
