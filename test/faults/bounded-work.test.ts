/**
 * Bounded work per request, one string policy, and storing only what the schema declares, against
 * the real app and Redis. The worst PATCH and the worst filter the bridge still accepts run while
 * /healthz is polled: its latency shows whether the event loop was held. The bound is generous (a
 * loaded CI machine), it is not a benchmark; the requests just over the budgets get 400 tooMany.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';
import { dumpPrefix } from '../support/redis-dump';
import { connectRedis } from '../support/redis';
import { MAX_MULTI_VALUES } from '../../src/scim/input-limits';
import { PATCH_WORK_LIMIT } from '../../src/scim/patch/patch-budget';

const HEALTHZ_BOUND_MS = 250;
const EMAILS = (label: string, n: number) => Array.from({ length: n }, (_, i) => ({ value: `${label}.${i}@example.com`, type: 'work' }));

describe('bounded work, string policy, declared schema only', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'error' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Runs `work` while /healthz is polled back to back; returns the slowest /healthz answer. */
  async function slowestHealthzDuring<T>(work: () => Promise<T>): Promise<{ result: T; slowestMs: number; polls: number }> {
    let done = false;
    let slowestMs = 0;
    let polls = 0;
    const poller = (async () => {
      while (!done) {
        const started = performance.now();
        const res = await fetch(`${h.bridge.url}/healthz`);
        await res.arrayBuffer();
        slowestMs = Math.max(slowestMs, performance.now() - started);
        polls += 1;
      }
    })();
    // Let the poller's first request get going, so it is in flight while the work starts.
    await new Promise((r) => setTimeout(r, 20));
    const result = await work().finally(() => {
      done = true;
    });
    await poller;
    return { result, slowestMs, polls };
  }

  describe('PATCH', () => {
    let userId: string;
    beforeAll(async () => {
      const res = await h.scim('POST', '/Users', { ...oktaUser(uniqueEmail('many')), emails: EMAILS('many', MAX_MULTI_VALUES) });
      expect(res.status).toBe(201);
      userId = res.body.id;
    });

    it('when a user is sent more values than the cap, then 400 invalidValue naming the attribute', async () => {
      const res = await h.scim('POST', '/Users', { ...oktaUser(uniqueEmail('toomany')), emails: EMAILS('toomany', MAX_MULTI_VALUES + 1) });
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      expect(res.body.detail).toMatch(/emails/);
    });

    // Each operation filters every one of the 100 emails and writes into each (they all match).
    const perOperation = MAX_MULTI_VALUES * (1 * 30 + 70);
    const accepted = Math.floor(PATCH_WORK_LIMIT / perOperation);
    const replaceAll = (n: number) =>
      patchOp(...Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'emails[value co "example"].type', value: i % 2 ? 'home' : 'work' })));

    it('when the costliest PATCH still within budget runs, then /healthz stays fast', async () => {
      const { result, slowestMs, polls } = await slowestHealthzDuring(() => h.scim('PATCH', `/Users/${userId}`, replaceAll(accepted)));
      expect(result.status).toBe(200);
      expect(polls).toBeGreaterThan(0);
      expect(slowestMs).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it('when a PATCH would multiply past the budget (1000 filtering operations on 100 values), then 400 tooMany, and /healthz stays fast', async () => {
      const before = (await h.scim('GET', `/Users/${userId}`)).body.meta.version;
      const { result, slowestMs } = await slowestHealthzDuring(() => h.scim('PATCH', `/Users/${userId}`, replaceAll(1000)));
      expect(result.status).toBe(400);
      expect(result.body.scimType).toBe('tooMany');
      expect(result.body.detail).toMatch(/more work than the server allows/);
      expect(slowestMs).toBeLessThan(HEALTHZ_BOUND_MS);
      expect((await h.scim('GET', `/Users/${userId}`)).body.meta.version).toBe(before);
    });
  });

  describe('filters no index serves', () => {
    const label = `scan${Date.now()}`;
    beforeAll(async () => {
      // Written through the store, not HTTP: the scan is under test, not the create path.
      const store = h.bridge.container.store;
      for (let i = 0; i < 1000; i += 1) {
        await store.create('User', { userName: `${label}.${i}@example.com`, emails: EMAILS(`${label}-${i}`, MAX_MULTI_VALUES) }, { markDirty: false });
      }
    });

    // Per user: the value path looks at 100 emails, then each of the `terms` expressions at one value of each email.
    const valuePathFilter = (terms: number) =>
      `emails[${Array.from({ length: terms - 1 }, (_, i) => `value co "nomatch${i}"`).join(' or ')} or value co "${label}-7."]`;
    const query = (filter: string) => `/Users?filter=${encodeURIComponent(filter)}&count=5`;

    it('when the costliest filter still within the scan budget runs, then it answers exactly and /healthz stays fast', async () => {
      const { result, slowestMs, polls } = await slowestHealthzDuring(() => h.scim('GET', query(valuePathFilter(40))));
      expect(result.status).toBe(200);
      expect(result.body.totalResults).toBe(1);
      expect(polls).toBeGreaterThan(0);
      expect(slowestMs).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it('when a filter would scan past the budget, then 400 tooMany with a detail saying how to narrow it, and /healthz stays fast', async () => {
      const { result, slowestMs } = await slowestHealthzDuring(() => h.scim('GET', query(valuePathFilter(60))));
      expect(result.status).toBe(400);
      expect(result.body.scimType).toBe('tooMany');
      expect(result.body.detail).toMatch(/no index serves it/);
      expect(slowestMs).toBeLessThan(HEALTHZ_BOUND_MS);
    });

    it('when the filter is an indexed equality, then it is answered at once whatever the set size', async () => {
      const res = await h.scim('GET', query(`userName eq "${label}.3@example.com"`));
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
    });
  });

  describe('one string policy for what reaches Secret Server', () => {
    const bad = 'Eve\r\nX-Injected: 1';
    it.each([
      ['displayName', (u: Record<string, unknown>) => ({ ...u, displayName: bad }), 'displayName'],
      ['name.givenName', (u: Record<string, unknown>) => ({ ...u, name: { givenName: bad, familyName: 'T' } }), 'name.givenName'],
      ['name.familyName', (u: Record<string, unknown>) => ({ ...u, name: { givenName: 'G', familyName: bad } }), 'name.familyName'],
      ['name.formatted', (u: Record<string, unknown>) => ({ ...u, name: { givenName: 'G', familyName: 'T', formatted: bad } }), 'name.formatted'],
      ['externalId', (u: Record<string, unknown>) => ({ ...u, externalId: bad }), 'externalId'],
      ['displayName (a bidi override)', (u: Record<string, unknown>) => ({ ...u, displayName: 'Admin\u202eniM' }), 'displayName'],
      ['displayName (a line separator)', (u: Record<string, unknown>) => ({ ...u, displayName: 'A\u2028B' }), 'displayName'],
    ])('when a user is created with CR/LF or an invisible character in %s, then 400 invalidValue naming it', async (_label, build, attribute) => {
      const res = await h.scim('POST', '/Users', build(oktaUser(uniqueEmail('crlf'))));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      expect(res.body.detail).toContain(attribute);
    });

    it('when a PATCH or PUT would bring CR/LF into a name, or a group is named with it, then 400 invalidValue and nothing changes', async () => {
      const user = (await h.scim('POST', '/Users', oktaUser(uniqueEmail('crlf-patch')))).body;
      const patched = await h.scim('PATCH', `/Users/${user.id}`, patchOp({ op: 'replace', path: 'name.familyName', value: bad }));
      expect([patched.status, patched.body.scimType, patched.body.detail]).toEqual([400, 'invalidValue', expect.stringContaining('name.familyName')]);
      const put = await h.scim('PUT', `/Users/${user.id}`, { ...oktaUser(user.userName), externalId: bad });
      expect([put.status, put.body.scimType]).toEqual([400, 'invalidValue']);
      expect((await h.scim('GET', `/Users/${user.id}`)).body.meta.version).toBe(user.meta.version);
      const group = await h.scim('POST', '/Groups', { displayName: `Ops${bad}`, members: [] });
      expect([group.status, group.body.scimType, group.body.detail]).toEqual([400, 'invalidValue', expect.stringContaining('displayName')]);
    });
  });

  describe('only what the schema declares is stored', () => {
    const secret = `Sup3r-Secret-${Date.now()}`;

    it('when an undeclared extension carries a password, then 400 invalidSyntax, on create and on PATCH, and it is nowhere in Redis', async () => {
      const created = await h.scim('POST', '/Users', { ...oktaUser(uniqueEmail('ext')), 'urn:custom:x': { password: secret } });
      expect([created.status, created.body.scimType]).toEqual([400, 'invalidSyntax']);
      expect(created.body.detail).toContain('urn:custom:x');
      const user = (await h.scim('POST', '/Users', oktaUser(uniqueEmail('ext-patch')))).body;
      const patched = await h.scim('PATCH', `/Users/${user.id}`, patchOp({ op: 'add', path: 'urn:custom:x:password', value: secret }));
      expect([patched.status, patched.body.scimType]).toEqual([400, 'invalidSyntax']);
      const pathless = await h.scim('PATCH', `/Users/${user.id}`, patchOp({ op: 'add', value: { 'urn:custom:x': { token: secret } } }));
      expect([pathless.status, pathless.body.scimType]).toEqual([400, 'invalidSyntax']);
      await h.waitForSync();
      const redis = connectRedis();
      try {
        expect((await dumpPrefix(redis, h.prefix)).text).not.toContain(secret);
      } finally {
        redis.disconnect();
      }
    });

    it('when credential-named attributes come inside declared or unknown attributes, then the rest is kept and they are never stored', async () => {
      const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
      const res = await h.scim('POST', '/Users', {
        ...oktaUser(uniqueEmail('nested')),
        [enterprise]: { department: 'R&D', apiToken: secret },
        customThing: { note: 'kept', nested: { clientSecret: secret, userPassword: secret } },
      });
      expect(res.status).toBe(201);
      expect(res.body[enterprise]).toEqual({ department: 'R&D' });
      expect(res.body.customThing).toEqual({ note: 'kept', nested: {} });
      const patched = await h.scim(
        'PATCH',
        `/Users/${res.body.id}`,
        patchOp({ op: 'replace', value: { password: secret, [enterprise]: { accessToken: secret } } }),
      );
      expect(patched.status).toBe(200);
      await h.waitForSync();
      const redis = connectRedis();
      try {
        const { text } = await dumpPrefix(redis, h.prefix);
        expect(text).toContain('R&D');
        expect(text).not.toContain(secret);
      } finally {
        redis.disconnect();
      }
    });
  });

  it('when provisioning jobs complete, then their return values carry ids and outcomes, no email or name', async () => {
    const email = uniqueEmail('jobresult');
    const res = await h.scim('POST', '/Users', { ...oktaUser(email), displayName: 'Jobresult Person' });
    expect(res.status).toBe(201);
    await h.waitForSync();
    const completed = await h.bridge.container.queue.provision.getCompleted(0, 1000);
    const mine = completed.filter((job) => job.data.id === res.body.id);
    expect(mine.length).toBeGreaterThan(0);
    for (const job of mine) {
      expect(job.returnvalue).toMatchObject({ result: expect.any(String) });
      expect(Object.keys(job.returnvalue).every((k) => ['result', 'secretServerId', 'detail'].includes(k))).toBe(true);
      const text = JSON.stringify(job.returnvalue);
      expect(text).not.toContain(email.split('@')[0]);
      expect(text).not.toContain('@');
      expect(text).not.toContain('Jobresult');
    }
  });
});
