/**
 * Security, what an unauthenticated caller can cost: nobody can lock Okta out with bad tokens,
 * forwarded headers from an untrusted peer change nothing, /readyz never calls Secret Server per
 * probe, a wrong SS_PASSWORD is a bounded number of logins, and Location never reflects Host.
 */
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { oktaUser, uniqueEmail } from '../support/fault-mode';

const FAIL_LIMIT = 20;

describe('throttling and probes', () => {
  let h: Harness;
  const users = (token: string, headers: Record<string, string> = {}) =>
    fetch(`${h.scimUrl}/Users?count=1`, { headers: { Authorization: `Bearer ${token}`, ...headers } });

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'error' }, auth: { failLimit: FAIL_LIMIT, failWindowS: 60 } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it("when 25 bad tokens come from Okta's address, then its valid token still gets 200", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await users(`bad-${i}`)).status);
    expect(statuses.slice(0, FAIL_LIMIT).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(FAIL_LIMIT).every((s) => s === 429)).toBe(true);
    expect((await users(TEST_SCIM_TOKEN)).status).toBe(200);
  });

  it('when an untrusted peer sends a new X-Forwarded-For with every bad token, then they all count against the peer', async () => {
    // The previous test already spent this peer's window: every further bad token is 429, whatever it claims to be.
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => users(`spoof-${i}`, { 'X-Forwarded-For': `198.51.100.${i}` }).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(10).fill(429));
  });

  it('when 300 bad tokens arrive at once from a fresh client, then all but the limit are throttled', async () => {
    const burst = await startHarness({ log: { level: 'error' }, auth: { failLimit: FAIL_LIMIT, failWindowS: 60 } });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 300 }, (_, i) => fetch(`${burst.scimUrl}/Users`, { headers: { Authorization: `Bearer burst-${i}` } }).then((r) => r.status)),
      );
      expect(statuses.filter((s) => s === 401)).toHaveLength(FAIL_LIMIT);
      expect(statuses.filter((s) => s === 429)).toHaveLength(300 - FAIL_LIMIT);
    } finally {
      await burst.stop();
    }
  });

  it('when /readyz is probed 100 times, then Secret Server gets at most a handful of calls', async () => {
    await h.waitForSync();
    h.simulator.stats.reset();
    const answers = await Promise.all(Array.from({ length: 100 }, () => fetch(`${h.bridge.url}/readyz`).then((r) => r.status)));
    expect(answers.every((s) => s === 200)).toBe(true);
    expect(h.simulator.stats.toJSON().total).toBeLessThanOrEqual(2);
  });

  it('when Host says evil.example, then Location names the address the connection reached, not the Host', async () => {
    const res = await fetch(`${h.scimUrl}/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'Content-Type': 'application/scim+json', Host: 'evil.example', 'X-Forwarded-Proto': 'gopher' },
      body: JSON.stringify(oktaUser(uniqueEmail('host'))),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2\/Users\//);
    expect(((await res.json()) as { meta: { location: string } }).meta.location).toBe(res.headers.get('location'));
  });
});

describe('PUBLIC_BASE_URL', () => {
  it('when it is set, then Location and meta.location use it whatever Host says', async () => {
    const h = await startHarness({ log: { level: 'error' }, http: { publicBaseUrl: 'https://scim.example.com/' } });
    try {
      const res = await fetch(`${h.scimUrl}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'Content-Type': 'application/scim+json', Host: 'evil.example' },
        body: JSON.stringify(oktaUser(uniqueEmail('public'))),
      });
      expect(res.headers.get('location')).toMatch(/^https:\/\/scim\.example\.com\/scim\/v2\/Users\/[0-9a-f-]+$/);
    } finally {
      await h.stop();
    }
  });
});

describe('a wrong SS_PASSWORD', () => {
  it('when workers and probes keep needing a token, then the grant is tried a bounded number of times and /readyz and /metrics say why', async () => {
    const h = await startHarness({ log: { level: 'error' }, secretServer: { password: 'not-the-password' }, worker: { attempts: 1 } });
    try {
      for (let i = 0; i < 10; i++) await h.scim('POST', '/Users', oktaUser(uniqueEmail(`locked.${i}`)));
      let ready: Response | undefined;
      for (let i = 0; i < 30; i++) {
        ready = await fetch(`${h.bridge.url}/readyz`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const body = (await ready!.json()) as { checks: { secretServer: { ok: boolean; detail: string } } };
      expect(ready!.status).toBe(503);
      expect(body.checks.secretServer.detail).toMatch(/refused the token grant.*next grant in \d+ s/);
      const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
      expect(metrics).toMatch(/scimbridge_secret_server_grant_backoff_seconds [1-9]/);
      const api = h.simulator.state.users.get(h.simulator.state.apiUserId)!;
      expect(api.loginFailures).toBe(1);
    } finally {
      await h.stop();
    }
  });
});
