/**
 * Security, the surface: failed authentication throttled per client, security headers, body
 * size limits, admin and SCIM kept apart, and optional TLS with a self-signed certificate.
 */
import { startHarness, Harness, TEST_ADMIN_TOKEN, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { AnswerTally } from '../support/fault-ledger';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';
import { rawRequest } from '../support/raw-http';
import { hasOpenssl, makeSelfSignedCert, type SelfSignedCert } from '../support/self-signed-cert';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const BODY_LIMIT = 32 * 1024;
const FAIL_LIMIT = 3;

describe('the security surface', () => {
  let h: Harness;
  const tally = new AnswerTally();
  const get = (url: string, headers: Record<string, string>) => fetch(url, { headers }).then((r) => (tally.see(r.status), r));

  beforeAll(async () => {
    // The test's requests come from loopback, which stands in for the proxy: its X-Forwarded-For names the clients.
    h = await startHarness({
      log: { level: 'error' },
      auth: { failLimit: FAIL_LIMIT, failWindowS: 60 },
      http: { bodyLimitBytes: BODY_LIMIT, trustProxy: 'loopback' },
    });
  });
  afterAll(async () => {
    tally.flush('security: surface');
    await h.stop();
  });

  it('when one client keeps sending wrong tokens, then its wrong tokens get 429 with Retry-After, its good token still passes, and other clients are not affected', async () => {
    const from = (ip: string, token: string) => ({ Authorization: `Bearer ${token}`, 'X-Forwarded-For': ip });
    for (let i = 0; i < FAIL_LIMIT; i++) expect((await get(`${h.scimUrl}/Users`, from('203.0.113.7', `wrong-${i}`))).status).toBe(401);
    const limited = await get(`${h.scimUrl}/Users`, from('203.0.113.7', 'wrong-again'));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited.json()) as { schemas: string[] }).schemas).toContain(ERROR_SCHEMA);
    expect((await get(`${h.scimUrl}/Users`, from('203.0.113.7', TEST_SCIM_TOKEN))).status).toBe(200);
    expect((await get(`${h.scimUrl}/Users`, from('198.51.100.9', TEST_SCIM_TOKEN))).status).toBe(200);
    expect((await get(`${h.scimUrl}/Users`, from('198.51.100.9', 'wrong'))).status).toBe(401);
  });

  it('when the admin surface is guessed at, then it is throttled per client too', async () => {
    const from = { 'X-Forwarded-For': '203.0.113.99' };
    for (let i = 0; i < FAIL_LIMIT; i++) expect((await get(`${h.bridge.url}/admin/failed`, { ...from, Authorization: `Bearer guess-${i}` })).status).toBe(401);
    expect((await get(`${h.bridge.url}/admin/failed`, { ...from, Authorization: 'Bearer guess-again' })).status).toBe(429);
    expect((await get(`${h.bridge.url}/admin/failed`, { ...from, Authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200);
  });

  it('when the SCIM token is used on /admin and the admin token on /scim/v2, then both get 401', async () => {
    expect((await get(`${h.bridge.url}/admin/failed`, { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'X-Forwarded-For': '192.0.2.1' })).status).toBe(401);
    expect((await get(`${h.scimUrl}/Users`, { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'X-Forwarded-For': '192.0.2.2' })).status).toBe(401);
    expect((await get(`${h.bridge.url}/admin/failed`, { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'X-Forwarded-For': '192.0.2.3' })).status).toBe(200);
  });

  it.each([
    ['a SCIM list', '/scim/v2/Users', TEST_SCIM_TOKEN, 200],
    ['a 401', '/scim/v2/Users', 'nope', 401],
    ['a 404', '/scim/v2/Users/unknown', TEST_SCIM_TOKEN, 404],
    ['/healthz', '/healthz', '', 200],
    ['/metrics', '/metrics', '', 200],
  ] as const)('when the answer is %s, then the security headers are there and X-Powered-By is not', async (_label, route, token, status) => {
    const res = await get(`${h.bridge.url}${route}`, { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '192.0.2.50' });
    expect(res.status).toBe(status);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('x-dns-prefetch-control')).toBe('off');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it.each([
    ['POST /Users', 'POST', '/Users'],
    ['PUT /Users/{id}', 'PUT', '/Users/{id}'],
    ['PATCH /Users/{id}', 'PATCH', '/Users/{id}'],
    ['POST /Groups', 'POST', '/Groups'],
  ])('when %s carries a body over BODY_LIMIT_BYTES, then 413 with a SCIM error and nothing changes', async (_label, method, route) => {
    const created = await h.scim('POST', '/Users', oktaUser(uniqueEmail('limit')), { 'X-Forwarded-For': '192.0.2.60' });
    const store = h.bridge.container.store;
    const before = [await store.count('User'), await store.count('Group'), (await store.get('User', created.body.id))!.meta.version];
    const big = 'x'.repeat(BODY_LIMIT + 1);
    const body = method === 'PATCH' ? patchOp({ op: 'replace', path: 'title', value: big }) : { ...oktaUser(uniqueEmail('big')), displayName: big };
    const res = await h.scim(method, route.replace('{id}', created.body.id), body, { 'X-Forwarded-For': '192.0.2.60' });
    tally.see(res.status);
    expect(res.status).toBe(413);
    expect(res.body.schemas).toContain(ERROR_SCHEMA);
    expect([await store.count('User'), await store.count('Group'), (await store.get('User', created.body.id))!.meta.version]).toEqual(before);
  });
});

if (!hasOpenssl) console.warn('openssl not found: the TLS test is skipped (install openssl to run it)');

(hasOpenssl ? describe : describe.skip)('optional TLS', () => {
  let h: Harness;
  let tls: SelfSignedCert;

  beforeAll(async () => {
    tls = makeSelfSignedCert('tls');
    h = await startHarness({ log: { level: 'error' }, http: { tlsCert: tls.cert, tlsKey: tls.key } });
  });
  afterAll(async () => {
    await h?.stop();
    tls?.remove();
  });

  it('when TLS_CERT and TLS_KEY are set, then SCIM is served over HTTPS and not over plain HTTP', async () => {
    expect(h.bridge.url).toMatch(/^https:\/\//);
    const headers = { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'Content-Type': 'application/scim+json' };
    const created = await rawRequest(h.bridge.url!, {
      method: 'POST',
      path: '/scim/v2/Users',
      headers,
      body: JSON.stringify(oktaUser(uniqueEmail('tls'))),
      rejectUnauthorized: false,
    });
    expect(created.status).toBe(201);
    const listed = await rawRequest(h.bridge.url!, { method: 'GET', path: '/scim/v2/Users', headers, rejectUnauthorized: false });
    expect(listed.status).toBe(200);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    await expect(rawRequest(h.bridge.url!, { method: 'GET', path: '/scim/v2/Users', headers })).rejects.toThrow(/self-signed|self signed/);
    await expect(rawRequest(h.bridge.url!.replace('https:', 'http:'), { method: 'GET', path: '/scim/v2/Users', headers })).rejects.toThrow();
  });
});
