/**
 * Fault: Redis is down (stopped, not restarted yet). Every SCIM read and write gets 503 with a
 * SCIM error body and Retry-After, so Okta retries later; the cause is logged once per request
 * and never echoed. Nothing is half-applied: once Redis is back, the state is what it was, and
 * the refused changes can be made again.
 */
import fs from 'node:fs';
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';
import { createPrivateRedis, PrivateRedis } from '../support/private-redis';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe('Redis down', () => {
  let redis: PrivateRedis;
  let h: Harness;
  let userId: string;
  let groupId: string;
  const email = uniqueEmail('redisdown');
  const refusedEmail = uniqueEmail('redisdown.refused');

  const requests: Array<[string, string, () => string, () => unknown]> = [
    ['POST', 'a new user', () => '/Users', () => oktaUser(refusedEmail)],
    ['PUT', 'a user', () => `/Users/${userId}`, () => oktaUser(email, 'During', 'Outage')],
    ['PATCH', 'a user', () => `/Users/${userId}`, () => patchOp({ op: 'replace', value: { active: false } })],
    ['PATCH', 'a group', () => `/Groups/${groupId}`, () => patchOp({ op: 'remove', path: `members[value eq "${userId}"]` })],
    ['DELETE', 'a group', () => `/Groups/${groupId}`, () => undefined],
    ['GET', 'a user', () => `/Users/${userId}`, () => undefined],
    ['GET', "the user list (Okta's probe)", () => '/Users?startIndex=1&count=2', () => undefined],
    ['GET', 'a userName filter', () => `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`, () => undefined],
  ];
  // A valid token is checked without Redis (the failure counter is only written for bad ones), so
  // every request reaches the store and fails there.
  const stages = ['the store'] as const;
  const cases = stages.flatMap((stage) => requests.map(([method, what]) => [method, what, stage] as const));
  const requestIdOf = (method: string, what: string, stage: string) => `redis-down-${method}-${what}-${stage}`.replace(/\W+/g, '-');
  const answers = new Map<string, Awaited<ReturnType<Harness['scim']>>>();
  // All at once, as Okta's pushes come: each waits for ioredis to give up on its command.
  const sendAll = (stage: string) =>
    Promise.all(
      requests.map(async ([method, what, path, body]) => {
        const requestId = requestIdOf(method, what, stage);
        answers.set(requestId, await h.scim(method, path(), body(), { 'X-Request-Id': requestId }));
      }),
    );

  beforeAll(async () => {
    redis = await createPrivateRedis({ appendonly: true });
    await redis.start();
    h = await startHarness({ redis: { url: redis.url }, log: { level: 'error' } });
    userId = (await h.scim('POST', '/Users', oktaUser(email, 'Before', 'Outage'))).body.id;
    groupId = (await h.scim('POST', '/Groups', { displayName: `Outage ${email}`, members: [{ value: userId }] })).body.id;
    await h.waitForSync();
    await redis.stop();
    await sendAll(stages[0]);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await redis?.stop();
    if (redis) fs.rmSync(redis.dir, { recursive: true, force: true });
  }, 60_000);

  it.each(cases)(
    'when Redis is down and Okta sends %s to %s, failing in %s, then 503 with a SCIM error and Retry-After, logged once',
    (method, what, stage) => {
      const requestId = requestIdOf(method, what, stage);
      const res = answers.get(requestId)!;
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      // Exactly these keys: the cause (ioredis' message, a stack) stays in the log.
      expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '503', detail: "The bridge's store is unavailable; retry later" });
      const lines = h.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.requestId === requestId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', requestId, status: 503, err: { name: expect.any(String), message: expect.any(String) } });
    },
  );

  it('when Redis is back, then nothing refused was half-applied and the refused changes can be made', async () => {
    await redis.start();
    const store = h.bridge.container.store;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await h.scim('GET', `/Users/${userId}`);
      if (res.status === 200) break;
      if (Date.now() > deadline) throw new Error(`still ${res.status} after Redis came back`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Anything a refused request left waiting in ioredis' offline queue runs on reconnect: give it time to land.
    await new Promise((r) => setTimeout(r, 500));
    const user = await store.get('User', userId);
    expect(user?.meta.version).toBe(1);
    expect(user?.attributes).toMatchObject({ name: { givenName: 'Before', familyName: 'Outage' }, active: true });
    const group = await store.get('Group', groupId);
    expect(group?.meta.version).toBe(1);
    expect(group?.attributes.members).toEqual([expect.objectContaining({ value: userId })]);
    expect(await store.count('User')).toBe(1);
    expect(await store.findIdByIndex('User', 'userName', refusedEmail)).toBeNull();
    expect(await store.countDirty()).toBe(0);

    // The refused POST left no unique-index entry behind: made again, it is a plain 201.
    expect((await h.scim('POST', '/Users', oktaUser(refusedEmail))).status).toBe(201);
    expect((await h.scim('PATCH', `/Users/${userId}`, patchOp({ op: 'replace', value: { active: false } }))).body.active).toBe(false);
    expect((await h.scim('DELETE', `/Groups/${groupId}`)).status).toBe(204);
    await h.waitForSync();
  }, 60_000);
});

/**
 * Redis lost between a write and its enqueue (BullMQ's connection errors, or queues the command
 * until Redis is back): the write landed with its dirty marker, so Okta gets its 2xx and the
 * sweeper carries the change.
 */
describe('Redis lost between a write and its enqueue', () => {
  let h: Harness;
  const ssUsersByEmail = (email: string) => [...h.simulator.state.users.values()].filter((u) => u.emailAddress?.toLowerCase() === email);

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' } });
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  it('when the enqueue fails after the write landed, then 201, and the change still reaches Secret Server', async () => {
    jest.spyOn(h.bridge.container.queue.provision, 'add').mockRejectedValueOnce(new Error('Connection is closed.'));
    const email = uniqueEmail('enqueue.failed');
    const res = await h.scim('POST', '/Users', oktaUser(email));
    expect(res.status).toBe(201);
    expect(await h.bridge.container.store.get('User', res.body.id)).not.toBeNull();
    expect(h.logs.some((line) => line.includes('could not enqueue a stored change'))).toBe(true);
    await h.waitForSync();
    expect(ssUsersByEmail(email)).toHaveLength(1);
  });

  it('when the enqueue waits for Redis after the write landed, then the answer does not wait with it', async () => {
    const email = uniqueEmail('enqueue.slow');
    const created = (await h.scim('POST', '/Users', oktaUser(email))).body;
    await h.waitForSync();
    jest.spyOn(h.bridge.container.queue.provision, 'add').mockReturnValueOnce(new Promise(() => undefined));
    const startedAt = Date.now();
    const res = await h.scim('PATCH', `/Users/${created.id}`, patchOp({ op: 'replace', value: { active: false } }));
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(5000);
    await h.waitForSync();
    expect(ssUsersByEmail(email)).toEqual([expect.objectContaining({ enabled: false })]);
  });
});
