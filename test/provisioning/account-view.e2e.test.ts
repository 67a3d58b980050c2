/**
 * The account view end to end (real Redis, real BullMQ workers, the simulator over HTTP): during a
 * burst of new users a create costs one Secret Server call; one new hire still searches first; an
 * account made in Secret Server behind the bridge's back while the view is fresh is linked (same
 * userName) or shows up as a duplicate in the drift report, the console, /metrics and one WARN;
 * protected names are always searched; two runs for one email make one account.
 */
import { consoleGet, signIn } from '../support/console-client';
import { Harness, startHarness } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';

const EXT = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';
const oktaUser = oktaUserBuilder({ givenName: 'Burst', familyName: 'User', password: 'placeholder-1' });
/** Slow enough that a push of many users keeps more than five of the worker's eight slots busy: a burst. */
const LATENCY_MS = 50;
let counter = 0;
const unique = (label: string) => `${label}.${Date.now().toString(36)}${counter++}@burst.example.com`;

type LogLine = { level: string; message: string; id?: string; [key: string]: unknown };
const lines = (h: Harness): LogLine[] => h.logs.map((l) => JSON.parse(l) as LogLine);
const accountsWith = (h: Harness, email: string) =>
  [...h.simulator.state.users.values()].filter((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
const calls = (h: Harness) => h.simulator.stats.toJSON();

/** Pushes every email, ten requests at a time as Okta does; answers the SCIM ids in order. */
async function pushAll(h: Harness, emails: string[]): Promise<string[]> {
  const ids: string[] = new Array(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < emails.length) {
        const i = next++;
        const res = await h.scim('POST', '/Users', oktaUser(emails[i]));
        expect(res.status).toBe(201);
        ids[i] = res.body.id as string;
      }
    }),
  );
  return ids;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ssIdOf = async (h: Harness, scimId: string) => (await h.scim('GET', `/Users/${scimId}`)).body[EXT]?.secretServerUserId as number | undefined;
const refreshes = (h: Harness) => lines(h).filter((l) => l.message === 'account view refreshed').length;

describe('the account view during a burst of new users', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secretServer: { protectedUsers: 'vip@corp.example' } });
    h.simulator.setKnobs({ latencyMs: LATENCY_MS });
    // The one-time calls (health check, token) out of the way.
    await pushAll(h, [unique('warm')]);
    await h.waitForSync();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when a single new hire arrives outside a burst, then it still searches by email before it creates', async () => {
    h.simulator.stats.reset();
    const [id] = await pushAll(h, [unique('hire')]);
    await h.waitForSync();

    expect(calls(h).byEndpoint).toEqual({ 'GET /api/v1/users': 1, 'POST /api/v1/users': 1 });
    expect(await ssIdOf(h, id)).toBeDefined();
  });

  it('when 100 new users are pushed at once, then each costs about one Secret Server call and exists once', async () => {
    h.simulator.stats.reset();
    const emails = Array.from({ length: 100 }, (_, i) => unique(`new${i}`));
    await pushAll(h, emails);
    await h.waitForSync();

    for (const email of emails) expect(accountsWith(h, email)).toHaveLength(1);
    const { total, byEndpoint } = calls(h);
    expect(byEndpoint['POST /api/v1/users']).toBe(100);
    // The first few, started before five ran at once, searched first; the view read one page.
    expect(total / emails.length).toBeLessThanOrEqual(1.1);
    expect(refreshes(h)).toBeGreaterThanOrEqual(1);
  });

  it('when a run of one user overlaps others of it during a burst, then one account holds its email', async () => {
    const emails = Array.from({ length: 20 }, (_, i) => unique(`pair${i}`));
    const pushing = pushAll(h, emails);
    // Forced syncs of the users already accepted, racing their first sync.
    const ids = await pushing;
    await Promise.all(ids.slice(0, 10).flatMap((id) => [h.bridge.admin.resyncOne('User', id), h.bridge.admin.resyncOne('User', id)]));
    await h.waitForSync();

    for (const email of emails) expect(accountsWith(h, email)).toHaveLength(1);
  });

  it('when a protected name is pushed during a burst, then it is searched, found and refused, never created again', async () => {
    await pushAll(
      h,
      Array.from({ length: 20 }, (_, i) => unique(`before.vip${i}`)),
    );
    await h.waitForSync();
    // Made after the view was read: only a search finds it.
    const vip = h.simulator.state.addUser({ userName: 'vip', displayName: 'VIP', emailAddress: 'vip@corp.example' });
    const emails = Array.from({ length: 20 }, (_, i) => (i === 10 ? 'vip@corp.example' : unique(`vip.burst${i}`)));
    const ids = await pushAll(h, emails);
    // The refused one stays dirty, so the bridge is never idle again: wait for the others and the failure.
    const failed = await until('the refusal', async () => (await h.bridge.admin.listFailed()).find((f) => f.resourceId === ids[10]));
    await until('the others', async () => emails.every((email, i) => i === 10 || accountsWith(h, email).length === 1));

    expect(failed.failedReason).toMatch(/on SS_PROTECTED_USERS/);
    expect(accountsWith(h, 'vip@corp.example').map((u) => u.id)).toEqual([vip.id]);
    expect(h.simulator.state.users.get(vip.id)).toMatchObject({ displayName: 'VIP', enabled: true });
  });
});

describe('an account made in Secret Server while the view is fresh', () => {
  const MAX_AGE_S = 5;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secretServer: { accountViewMaxAgeS: MAX_AGE_S } });
    h.simulator.setKnobs({ latencyMs: LATENCY_MS });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when it takes the userName the bridge would create, then the create is refused and the bridge links it; with another userName, the duplicate is in the drift report, the console, /metrics and one WARN', async () => {
    // A burst reads the view.
    await pushAll(
      h,
      Array.from({ length: 20 }, (_, i) => unique(`first${i}`)),
    );
    await h.waitForSync();
    expect(refreshes(h)).toBe(1);

    // Behind the bridge's back, within the view's age.
    const sam = unique('sam');
    const pat = unique('pat');
    const samByHand = h.simulator.state.addUser({ userName: sam, displayName: 'Sam By Hand', emailAddress: sam });
    const patByHand = h.simulator.state.addUser({ userName: 'pat.by.hand', displayName: 'Pat By Hand', emailAddress: pat });
    const emails = Array.from({ length: 24 }, (_, i) => unique(`second${i}`));
    emails[11] = sam;
    emails[12] = pat;
    const ids = await pushAll(h, emails);
    await h.waitForSync();
    // Still the first reading: the view was fresh throughout.
    expect(refreshes(h)).toBe(1);

    expect(accountsWith(h, sam).map((u) => u.id)).toEqual([samByHand.id]);
    expect(await ssIdOf(h, ids[11])).toBe(samByHand.id);
    const patAccounts = accountsWith(h, pat);
    expect(patAccounts).toHaveLength(2);
    const linked = (await ssIdOf(h, ids[12]))!;
    expect(linked).not.toBe(patByHand.id);
    expect(patAccounts.map((u) => u.id)).toContain(linked);

    const report = await h.bridge.container.drift.check();
    const duplicates = report.items.filter((i) => i.kind === 'duplicate');
    expect(duplicates).toEqual([
      expect.objectContaining({
        resource: { kind: 'User', id: ids[12] },
        name: pat,
        secretServerId: linked,
        fixable: false,
        detail: expect.stringContaining(`${patByHand.id} (pat.by.hand)`),
      }),
    ]);
    expect(duplicates[0].detail).toContain(`the bridge linked ${linked}`);
    const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/^scimbridge_drift_items\{kind="duplicate"\} 1$/m);
    const { cookie } = await signIn(h.bridge.url!);
    const page = await consoleGet(h.bridge.url!, '/admin/drift', cookie);
    expect(page.text).toContain('duplicate');
    expect(page.text).toContain('pat.by.hand');

    // Once the view is older than its bound, the next burst reads it again and sees the pair.
    expect(lines(h).filter((l) => l.level === 'warn' && /accounts .* linked by the bridge/.test(l.message))).toEqual([]);
    await new Promise((r) => setTimeout(r, MAX_AGE_S * 1000 + 200));
    await pushAll(
      h,
      Array.from({ length: 20 }, (_, i) => unique(`third${i}`)),
    );
    await h.waitForSync();
    expect(refreshes(h)).toBe(2);
    const warnings = lines(h).filter((l) => l.level === 'warn' && /accounts .* linked by the bridge/.test(l.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ id: ids[12], secretServerId: linked, category: 'worker' });
    expect(warnings[0].message).toContain(pat);
  });

  it('when accounts the view read hold pushed emails, then each is read by id and linked during the burst, never searched or duplicated', async () => {
    // Past the bound: the next burst reads the view again, and these accounts with it.
    await new Promise((r) => setTimeout(r, MAX_AGE_S * 1000 + 200));
    const known = [unique('known0'), unique('known1'), unique('known2')];
    const accounts = known.map((email, i) =>
      h.simulator.state.addUser({ userName: `legacy.known${i}`, displayName: 'Legacy', emailAddress: email.toUpperCase(), enabled: i !== 1 }),
    );
    const emails = Array.from({ length: 24 }, (_, i) => unique(`fourth${i}`));
    emails.splice(12, 0, ...known);
    const before = refreshes(h);
    h.simulator.stats.reset();
    const ids = await pushAll(h, emails);
    await h.waitForSync();

    expect(refreshes(h)).toBe(before + 1);
    for (const [i, email] of known.entries()) {
      expect(accountsWith(h, email).map((u) => u.id)).toEqual([accounts[i].id]);
      expect(await ssIdOf(h, ids[12 + i])).toBe(accounts[i].id);
      expect(h.simulator.state.users.get(accounts[i].id)).toMatchObject({ emailAddress: email, enabled: true, displayName: 'Burst User' });
    }
    const { byEndpoint } = calls(h);
    expect(byEndpoint['GET /api/v1/users/{id}']).toBe(3);
    expect(byEndpoint['POST /api/v1/users']).toBe(24);
  });
});
