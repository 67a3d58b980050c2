/**
 * Each user's and group's history, end to end: SCIM requests through the real front, jobs through
 * BullMQ and the worker, Secret Server calls to the simulator over HTTP, all recorded in Redis and
 * read back through the console page and `npm run admin -- history`.
 */
import { ResourceHistory } from '../../src/history/resource-history';
import type { HistoryEvent } from '../../src/history/history-event';
import { createSilentLogger } from '../../src/logging/logger';
import { runCli } from '../cli/cli-child';
import { startHarness, Harness } from '../support/bridge-harness';
import { consoleGet, signIn } from '../support/console-client';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

const PASSWORD = 'Okta-Sends-This-Pass-42';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('the history of a user and a group', () => {
  let h: Harness;
  let userId: string;
  const email = 'hedy.history@example.com';
  const events = (kind: 'User' | 'Group', id: string) => h.bridge.container.history.read(kind, id);

  beforeAll(async () => {
    h = await startHarness();
    const created = await h.scim(
      'POST',
      '/Users',
      { userName: email, name: { givenName: 'Hedy', familyName: 'History' }, emails: [{ value: email, primary: true }], password: PASSWORD },
      { 'X-Request-Id': 'req-create-hedy' },
    );
    expect(created.status).toBe(201);
    userId = created.body.id;
    await h.waitForSync();
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('when Okta creates a user, then its history holds the SCIM POST with the attributes it set, the job run and each Secret Server call, newest first', async () => {
    const kept = await events('User', userId);
    const [job, ...rest] = kept;
    expect(job).toMatchObject({ type: 'job', job: 'sync-user', outcome: 'created', attempt: 1, requestId: 'req-create-hedy' });
    const created = [...h.simulator.state.users.values()].find((u) => u.emailAddress === email)!;
    expect(job).toMatchObject({ secretServerId: created.id });
    const calls = rest.filter((e) => e.type === 'secret-server');
    expect(calls.map((c) => c.type === 'secret-server' && `${c.endpoint} ${c.status}`)).toEqual(expect.arrayContaining(['POST /api/v1/users 200']));
    const request = kept.at(-1)!;
    expect(request).toMatchObject({ type: 'scim', method: 'POST', requestId: 'req-create-hedy', version: 1 });
    expect((request as Extract<HistoryEvent, { type: 'scim' }>).changed).toEqual(
      expect.arrayContaining(['userName', 'emails', 'name.givenName', 'name.familyName']),
    );
    expect(JSON.stringify(kept)).not.toContain(PASSWORD);
    expect(JSON.stringify(kept)).not.toMatch(/password/i);
  });

  it('when Okta deactivates the user, then the PATCH names only `active`, and the run says disabled', async () => {
    await h.scim('PATCH', `/Users/${userId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] }, { 'X-Request-Id': 'req-off' });
    await h.waitForSync();
    const [job, ...rest] = await events('User', userId);
    expect(job).toMatchObject({ type: 'job', outcome: 'disabled', requestId: 'req-off' });
    expect(rest.find((e) => e.type === 'scim')).toMatchObject({ method: 'PATCH', changed: ['active'], requestId: 'req-off', version: 2 });
  });

  it('when a group is pushed with the user and the user is later deleted, then the group’s history shows both member changes', async () => {
    const group = await h.scim('POST', '/Groups', { displayName: 'History Readers', members: [{ value: userId }] });
    await h.waitForSync();
    expect((await events('Group', group.body.id)).at(-1)).toMatchObject({ type: 'scim', method: 'POST', changed: ['displayName', 'members +1 -0'] });
    expect((await h.scim('DELETE', `/Users/${userId}`, undefined, { 'X-Request-Id': 'req-delete' })).status).toBe(204);
    await h.waitForSync();
    const groupEvents = await events('Group', group.body.id);
    expect(groupEvents.find((e) => e.type === 'scim')).toMatchObject({
      method: 'DELETE',
      changed: ['members +0 -1'],
      note: 'a member was deleted',
      requestId: 'req-delete',
    });
    const userEvents = await events('User', userId);
    expect(userEvents.find((e) => e.type === 'scim')).toMatchObject({ method: 'DELETE', requestId: 'req-delete' });
  });

  it('when an admin opens the history page, then it lists the events newest first, and it is found even after the delete', async () => {
    const { cookie } = await signIn(h.bridge.url!);
    const page = await consoleGet(h.bridge.url!, `/admin/users/${userId}/history`, cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Deleted user ${userId}`);
    // The delete's own run (the user was disabled already) is the newest event of all.
    const order = ['job sync-user: disabled', 'SCIM DELETE', 'SCIM PATCH', 'job sync-user: created', 'SCIM POST'].map((what) => page.text.indexOf(what));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page.text).toContain('changed active');
    expect(page.text).not.toContain(PASSWORD);
    expect((await consoleGet(h.bridge.url!, '/admin/users/no-such-id/history', cookie)).status).toBe(404);
    expect((await consoleGet(h.bridge.url!, '/admin/users/%3Cscript%3E/history', cookie)).status).toBe(404);
  });

  it('when an operator asks the CLI for a history by email or id, then it prints the same events as a table, or as JSON', async () => {
    const other = 'ida.cli@example.com';
    const created = await h.scim('POST', '/Users', { userName: other, emails: [{ value: other, primary: true }] }, { 'X-Request-Id': 'req-ida' });
    await h.waitForSync();
    const byEmail = await runCli(h.prefix, 'history', other.toUpperCase());
    expect(byEmail.code).toBe(0);
    const [header, first, ...more] = byEmail.stdout.trimEnd().split('\n');
    expect(header.split(/ {2,}/)).toEqual(['TIME', 'EVENT', 'REQUEST', 'DETAIL']);
    expect(first).toMatch(/job sync-user: created +req-ida/);
    expect(more.at(-1)).toMatch(/SCIM POST +req-ida +changed emails, userName; version 1/);
    expect(byEmail.stderr).toContain(`User ${created.body.id}`);

    const asJson = await runCli(h.prefix, 'history', created.body.id, '--json');
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      kind: 'User',
      id: created.body.id,
      events: expect.arrayContaining([expect.objectContaining({ type: 'job' })]),
    });

    const unknown = await runCli(h.prefix, 'history', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: no user or group is known as "nobody@example.com"/);
  }, 60_000);
});

describe('attempts on protected accounts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secretServer: { protectedUsers: 'breakglass' }, worker: { attempts: 2 } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('when Okta pushes the email of a protected account, then nothing is written, and the overview lists the attempt with the SCIM request behind it', async () => {
    const breakglass = h.simulator.state.addUser({ userName: 'breakglass', displayName: 'Break Glass', emailAddress: 'breakglass@corp.example' });
    const before = JSON.stringify(h.simulator.state.users.get(breakglass.id));
    const pushed = await h.scim(
      'POST',
      '/Users',
      { userName: 'mallory@corp.example', emails: [{ value: 'breakglass@corp.example', primary: true }] },
      { 'X-Request-Id': 'req-mallory' },
    );
    // A refused sync ends failed, and its change stays marked for an operator's retry, so the bridge is never "all synced" here.
    await waitFor(async () => (await h.bridge.admin.listFailed()).some((j) => j.resourceId === pushed.body.id));
    expect(JSON.stringify(h.simulator.state.users.get(breakglass.id))).toBe(before);

    const [attempt] = await h.bridge.container.protectedAttempts.recent();
    expect(attempt).toMatchObject({
      secretServerId: breakglass.id,
      reason: 'it is on SS_PROTECTED_USERS',
      kind: 'User',
      resourceId: pushed.body.id,
      requestId: 'req-mallory',
    });
    const history = await h.bridge.container.history.read('User', pushed.body.id);
    expect(history.find((e) => e.type === 'protected')).toMatchObject({ secretServerId: breakglass.id, requestId: 'req-mallory' });

    const { cookie } = await signIn(h.bridge.url!);
    const overview = await consoleGet(h.bridge.url!, '/admin', cookie);
    expect(overview.text).toContain('SS_PROTECTED_USERS');
    expect(overview.text).toContain('breakglass');
    const row = overview.text.slice(overview.text.indexOf(`data-attempt="${breakglass.id}"`));
    expect(row).toMatch(/SCIM POST \(emails, userName\)/);
    expect(row).toContain('req-mallory');
    expect(row).toContain(`/admin/users/${pushed.body.id}/history`);
  });
});

describe('the history store', () => {
  const prefix = uniquePrefix('history');
  const redis = connectRedis();
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('when more events arrive than it keeps, then the newest are kept, and events past the age bound are not shown', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const history = new ResourceHistory(redis, prefix, createSilentLogger(), { maxEvents: 5, maxAgeMs: 1000, clock: () => now });
    for (let version = 1; version <= 8; version++) {
      await history.record({ kind: 'User', id: 'u1' }, [{ type: 'scim', at: history.now(), method: 'PATCH', changed: ['active'], version }]);
      now += 100;
    }
    const kept = await history.read('User', 'u1');
    expect(kept.map((e) => (e.type === 'scim' ? e.version : 0))).toEqual([8, 7, 6, 5, 4]);
    expect(await redis.pttl(`${prefix}:history:user:u1`)).toBeLessThanOrEqual(1000);
    now += 1000;
    expect(await history.read('User', 'u1')).toEqual([]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
