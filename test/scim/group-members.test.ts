/**
 * Group members stored beside the group: a membership PATCH costs the change, not the group;
 * members are users of this bridge; groups written before members moved keep working.
 * Against the real app and Redis.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';
import { PATCH_ECHO_MEMBERS } from '../../src/domain/resource-service';
import { connectRedis } from '../support/redis';

const HEALTHZ_BOUND_MS = 250;

describe('group members', () => {
  let h: Harness;
  let users: string[];

  beforeAll(async () => {
    // The API alone: the worker's sync of a 100,000-member group is not what is measured here.
    h = await startHarness({ role: 'api', log: { level: 'warn' } });
    users = [];
    for (let i = 0; i < 3; i += 1) users.push((await h.scim('POST', '/Users', oktaUser(uniqueEmail(`member${i}`)))).body.id);
  });
  const afterAllDisconnect: Array<() => void> = [];
  afterAll(async () => {
    afterAllDisconnect.forEach((disconnect) => disconnect());
    await h.stop();
  });

  it('when a group is pushed with members that are no user, then only the users are stored and one WARN names what was left out', async () => {
    const res = await h.scim('POST', '/Groups', {
      displayName: `Mixed ${Date.now()}`,
      members: [{ value: users[0] }, { value: 'null' }, { value: users[1].toUpperCase() }, { value: 'someone-elses-id' }],
    });
    expect(res.status).toBe(201);
    expect(res.body.members.map((m: { value: string }) => m.value)).toEqual([users[0], users[1]]);
    const warn = h.logs.find((line) => line.includes('no user of this bridge') && line.includes('someone-elses-id'));
    expect(warn).toBeDefined();
    const patched = await h.scim('PATCH', `/Groups/${res.body.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: 'typo' }, { value: users[2] }] }));
    expect(patched.status).toBe(200);
    expect(patched.body.members.map((m: { value: string }) => m.value)).toEqual([users[0], users[1], users[2]]);
  });

  it('when Okta removes and adds members by value, then the answer echoes the group with the change', async () => {
    const group = (await h.scim('POST', '/Groups', { displayName: `Order ${Date.now()}`, members: users.map((value) => ({ value })) })).body;
    const res = await h.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'remove', path: `members[value eq "${users[0]}"]` }, { op: 'add', path: 'members', value: [{ value: users[0], display: 'back' }] }),
    );
    expect(res.status).toBe(200);
    expect(res.body.members).toHaveLength(3);
    expect(res.body.members).toEqual(expect.arrayContaining([expect.objectContaining({ value: users[0], display: 'back' })]));
    const replaced = await h.scim('PATCH', `/Groups/${group.id}`, patchOp({ op: 'replace', path: 'members', value: [{ value: users[2] }] }));
    expect(replaced.body.members.map((m: { value: string }) => m.value)).toEqual([users[2]]);
    const display = await h.scim('PATCH', `/Groups/${group.id}`, patchOp({ op: 'replace', path: `members[value eq "${users[2]}"].display`, value: 'Shown' }));
    expect(display.body.members).toEqual([expect.objectContaining({ value: users[2], display: 'Shown' })]);
  });

  it('when a group was stored with its members inside its JSON, then it reads the same and a PATCH moves them beside it', async () => {
    const store = h.bridge.container.store;
    const redis = connectRedis();
    afterAllDisconnect.push(() => redis.disconnect());
    const id = `legacy-${Date.now()}`;
    const now = new Date().toISOString();
    const legacy = {
      id,
      kind: 'Group',
      origin: 'okta',
      attributes: { displayName: `Legacy ${id}`, members: [{ value: users[0] }, { value: users[1] }] },
      meta: { created: now, lastModified: now, version: 1 },
    };
    await redis.set(store.keys.resource('Group', id), JSON.stringify(legacy));
    await redis.zadd(store.keys.order('Group'), Date.now(), id);
    expect((await h.scim('GET', `/Groups/${id}`)).body.members.map((m: { value: string }) => m.value)).toEqual([users[0], users[1]]);
    const res = await h.scim('PATCH', `/Groups/${id}`, patchOp({ op: 'add', path: 'members', value: [{ value: users[2] }] }));
    expect(res.body.members.map((m: { value: string }) => m.value)).toEqual(users);
    expect(JSON.parse((await redis.get(store.keys.resource('Group', id))) as string).attributes.members).toBeUndefined();
    expect(await store.memberCount(id)).toBe(3);
  });

  it('when a group holds 100,000 members, then a membership PATCH answers 204 at once and /healthz stays fast', async () => {
    const store = h.bridge.container.store;
    const members = Array.from({ length: 100_000 }, (_, i) => ({ value: `member-${i}`, display: `user${i}@example.com` }));
    members[0] = { value: users[0], display: 'first' };
    const group = await store.create('Group', { displayName: `Big ${Date.now()}`, members }, { markDirty: false });
    let done = false;
    let slowestMs = 0;
    const poller = (async () => {
      while (!done) {
        const started = performance.now();
        await (await fetch(`${h.bridge.url}/healthz`)).arrayBuffer();
        slowestMs = Math.max(slowestMs, performance.now() - started);
      }
    })();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const res = await h.scim(
        'PATCH',
        `/Groups/${group.id}`,
        patchOp({ op: 'remove', path: `members[value eq "member-${i + 1}"]` }, { op: 'add', path: 'members', value: [{ value: users[1 + (i % 2)] }] }),
      );
      statuses.push(res.status);
    }
    done = true;
    await poller;
    expect(new Set(statuses)).toEqual(new Set([204]));
    expect(slowestMs).toBeLessThan(HEALTHZ_BOUND_MS);
    expect(await store.memberCount(group.id)).toBe(100_000 - 20 + 2);
    expect(PATCH_ECHO_MEMBERS).toBeLessThan(100_000);
  });
});
