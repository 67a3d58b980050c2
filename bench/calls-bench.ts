/**
 * Phase 4, Secret Server calls: how many calls one new user and one group membership change cost,
 * on the current Web API (bulk membership PATCH) and on the legacy one (a POST or DELETE per
 * member). Each profile gets its own simulator and bridge; nothing is timed, only counted. The
 * one-time calls of a fresh worker (health check, token grant, API-account lookup, and on legacy
 * the 405 that tells it the PATCH is missing) are spent in a warm-up before any count starts.
 */
import type Redis from 'ioredis';
import { BenchChild, startChild } from './bench-processes';
import { inPool, round, sleep } from './bench-stats';
import { BenchSettings, expectStatus, issueToken, scimCall, startBridgeChild } from './bench-env';

export type CallsProfile = 'current' | 'legacy';
export const CALLS_PROFILES: readonly CallsProfile[] = ['current', 'legacy'];

export interface CallCount {
  total: number;
  byEndpoint: Record<string, number>;
  byStatus: Record<string, number>;
}

export interface CallsProfileResult {
  profile: CallsProfile;
  /** The warm-up: one user, one group, one member added and removed; not in any figure below. */
  warmUp: CallCount;
  newUsers: number;
  userCalls: CallCount;
  callsPerNewUser: number;
  /** Okta's push of one group (POST, then PATCH add) with the new users as members. */
  groupPushMembers: number;
  groupPushCalls: CallCount;
  membersAdded: number;
  membersRemoved: number;
  /** The one PATCH that adds membersAdded users and removes membersRemoved members. */
  changeCalls: CallCount;
  callsPerChange: number;
  callsPerMemberChanged: number;
  /** Jobs the worker's queue holds as failed at the end (0 unless something went wrong). */
  failedJobs: number;
}

export interface CallsResult {
  users: number;
  membersChanged: number;
  profiles: Partial<Record<CallsProfile, CallsProfileResult>>;
}

const EMAIL_DOMAIN = 'calls.bench.example.com';
const WARM_UP_GROUP = 'bench-calls-warm-up';
const GROUP_NAME = 'bench-calls-group';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const WAIT_MS = 120_000;

interface SimStatus {
  users: number;
  memberEmails: string[] | null;
}

export async function runCallsBench(settings: BenchSettings, redis: Redis, log: (line: string) => void): Promise<CallsResult> {
  const result: CallsResult = { users: settings.callsUsers, membersChanged: 2 * settings.callsMembers, profiles: {} };
  for (const profile of CALLS_PROFILES) result.profiles[profile] = await runProfile(settings, redis, profile, log);
  return result;
}

async function runProfile(settings: BenchSettings, redis: Redis, profile: CallsProfile, log: (line: string) => void): Promise<CallsProfileResult> {
  const n = settings.callsUsers;
  const m = settings.callsMembers;
  const prefix = `${settings.runPrefix}:calls-${profile}`;
  const sim = await startChild(`simulator-${profile}`, 'sim-child', { env: { SS_SIM_PROFILE: profile } });
  let bridge: BenchChild | undefined;
  try {
    // A child that ignored the setting would measure the wrong server and look like a success.
    if (sim.ready.profile !== profile) throw new Error(`the simulator child runs profile ${String(sim.ready.profile)}, not ${profile}`);
    const token = await issueToken(redis, prefix);
    // One process with both roles: the counts are the same as with api and worker apart, and the warm-up covers one process only.
    bridge = await startBridgeChild(settings, `calls-${profile}`, {
      REDIS_PREFIX: prefix,
      SS_BASE_URL: sim.ready.url as string,
      SS_MAX_RPS: '0',
      BRIDGE_ROLE: 'all',
    });
    const origin = bridge.ready.url as string;
    const status = (groupName: string) => sim.call<SimStatus>('callsStatus', { emailDomain: EMAIL_DOMAIN, groupName });
    const count = async (): Promise<CallCount> => {
      const s = await sim.call<CallCount>('stats');
      return { total: s.total, byEndpoint: s.byEndpoint, byStatus: s.byStatus };
    };
    /** Until the simulator shows `done` and the queue is empty: the last call of a job is counted before its job ends. */
    const settle = async (what: string, done: (s: SimStatus) => boolean, groupName = GROUP_NAME) => {
      const deadline = performance.now() + WAIT_MS;
      for (;;) {
        const s = await status(groupName);
        if (done(s)) {
          const q = await bridge!.call<Record<string, number>>('queueCounts');
          if (q.waiting + q.active + q.delayed + q.prioritized === 0) return;
        }
        if (performance.now() > deadline)
          throw new Error(
            `calls (${profile}): ${what} not in the simulator after ${WAIT_MS / 1000} s (${JSON.stringify({ users: s.users, members: s.memberEmails?.length })})`,
          );
        await sleep(50);
      }
    };
    const pushUsers = (from: number, to: number) =>
      inPool(
        Array.from({ length: to - from }, (_, k) => from + k),
        8,
        async (i) => {
          const userName = `user${i}@${EMAIL_DOMAIN}`;
          const body = {
            schemas: [USER_SCHEMA],
            userName,
            name: { givenName: `Given${i}`, familyName: 'Counted' },
            emails: [{ value: userName, primary: true, type: 'work' }],
            active: true,
          };
          return { id: (await expectStatus(scimCall(origin, token, 'POST', '/scim/v2/Users', body), 201, 'push user')).body.id as string, email: userName };
        },
      );
    const patchGroup = (groupId: string, operations: unknown[]) =>
      expectStatus(scimCall(origin, token, 'PATCH', `/scim/v2/Groups/${groupId}`, { schemas: [PATCH_SCHEMA], Operations: operations }), 200, 'patch group');
    /** As Okta pushes a group: POST without members, then PATCH add. */
    const pushGroup = async (displayName: string, memberIds: string[]) => {
      const created = await expectStatus(
        scimCall(origin, token, 'POST', '/scim/v2/Groups', { schemas: [GROUP_SCHEMA], displayName, members: [] }),
        201,
        'push group',
      );
      const id = created.body.id as string;
      await patchGroup(id, [{ op: 'add', path: 'members', value: memberIds.map((value) => ({ value })) }]);
      return id;
    };
    const sameMembers = (want: string[]) => (s: SimStatus) => s.memberEmails !== null && s.memberEmails.join() === [...want].sort().join();
    const removeOps = (ids: string[]) => ids.map((id) => ({ op: 'remove', path: `members[value eq "${id}"]` }));

    // Warm-up. A created user needs no API-account lookup; the first member removal does, and on
    // legacy the first membership change is where the missing PATCH is found out.
    const [warm] = await pushUsers(n + m, n + m + 1);
    const warmGroup = await pushGroup(WARM_UP_GROUP, [warm.id]);
    await settle('the warm-up group', sameMembers([warm.email]), WARM_UP_GROUP);
    await patchGroup(warmGroup, removeOps([warm.id]));
    await settle('the warm-up removal', sameMembers([]), WARM_UP_GROUP);
    const warmUp = await count();
    log(`calls (${profile}): warm-up took ${warmUp.total} calls; pushing ${n} users`);

    await sim.call('resetStats');
    const users = await pushUsers(0, n);
    await settle(`${n} users`, (s) => s.users >= n + 1);
    const userCalls = await count();

    // The users added by the change are synced beforehand, so the change costs only the group's calls.
    const extra = await pushUsers(n, n + m);
    await settle(`${m} more users`, (s) => s.users >= n + m + 1);
    await sim.call('resetStats');
    const groupId = await pushGroup(
      GROUP_NAME,
      users.map((u) => u.id),
    );
    await settle(`the group of ${n}`, sameMembers(users.map((u) => u.email)));
    const groupPushCalls = await count();

    log(`calls (${profile}): one PATCH adding ${m} members and removing ${m}`);
    await sim.call('resetStats');
    const removed = users.slice(0, m);
    await patchGroup(groupId, [{ op: 'add', path: 'members', value: extra.map((u) => ({ value: u.id })) }, ...removeOps(removed.map((u) => u.id))]);
    await settle('the membership change', sameMembers([...users.slice(m), ...extra].map((u) => u.email)));
    const changeCalls = await count();
    const failedJobs = (await bridge.call<Record<string, number>>('queueCounts')).failed;

    return {
      profile,
      warmUp,
      newUsers: n,
      userCalls,
      callsPerNewUser: round(userCalls.total / n, 3),
      groupPushMembers: n,
      groupPushCalls,
      membersAdded: m,
      membersRemoved: m,
      changeCalls,
      callsPerChange: changeCalls.total,
      callsPerMemberChanged: round(changeCalls.total / Math.max(1, 2 * m), 3),
      failedJobs,
    };
  } finally {
    await bridge?.stop();
    await sim.stop();
  }
}
