/**
 * The console's sign-in, session and CSRF defences over plain HTTP (no browser needed): session
 * fixation, CSRF, forged and expired sessions, the SCIM token kept out, throttled guesses, cookie
 * flags (Secure under TLS too), escaping and the page policy, and Bearer scripts as before.
 */
import crypto from 'node:crypto';
import { startHarness, Harness, TEST_ADMIN_TOKEN, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { BROWSER_ACCEPT, consoleGet, consolePost, cookieAttributes, cookieFrom, csrfIn, SESSION_COOKIE, signIn } from '../support/console-client';
import { rawRequest } from '../support/raw-http';
import { connectRedis } from '../support/redis';
import { hasOpenssl, makeSelfSignedCert, type SelfSignedCert } from '../support/self-signed-cert';

const FAIL_LIMIT = 3;
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

describe('console security', () => {
  let h: Harness;
  let base: string;
  const redis = connectRedis();
  /** Each test its own client address (the harness trusts loopback as the proxy), so throttling never leaks between tests. */
  let client = 0;
  const from = () => ({ 'X-Forwarded-For': `198.51.100.${++client}` });
  const sessionKey = (id: string) => `${h.prefix}:admin-session:${sha256(id)}`;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'info' }, auth: { failLimit: FAIL_LIMIT, failWindowS: 60 }, http: { trustProxy: 'loopback' } });
    base = h.bridge.url!;
  });
  afterAll(async () => {
    redis.disconnect();
    await h.stop();
  });

  it('when the sign-in page is asked for, then it is a form under a policy that runs no script, and is never cached', async () => {
    const page = await consoleGet(base, '/admin/login');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toMatch(/<form method="post" action="\/admin\/login">/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'none'/);
    expect(csp).not.toMatch(/unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('when a browser signs in, then the session cookie is HttpOnly, SameSite=Strict, Path=/admin, a browser-session cookie, not Secure over plain HTTP', async () => {
    const { answer, sessionId } = await signIn(base, TEST_ADMIN_TOKEN, from());
    expect(answer.location).toBe('/admin');
    const flags = cookieAttributes(answer.setCookies, SESSION_COOKIE);
    expect(flags).toEqual({ path: '/admin', samesite: 'Strict', httponly: '' });
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const dashboard = cookieAttributes(answer.setCookies, 'XSRF-TOKEN');
    expect(dashboard).toEqual({ path: '/admin/queues', samesite: 'Strict' });
  });

  it('when a session is stored, then Redis holds it under the SHA-256 of its id, with a TTL of the idle timeout, and the id itself nowhere', async () => {
    const { sessionId } = await signIn(base, TEST_ADMIN_TOKEN, from());
    const ttl = await redis.ttl(sessionKey(sessionId));
    expect(ttl).toBeGreaterThan(1700);
    expect(ttl).toBeLessThanOrEqual(1800);
    const keys = await redis.keys(`${h.prefix}:admin-session:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(sessionId);
      expect(Object.values(await redis.hgetall(key)).join(' ')).not.toContain(sessionId);
    }
  });

  it('when a cookie was planted before sign-in, then sign-in issues a different id, and neither the planted nor an earlier live id works after', async () => {
    const headers = from();
    const planted = crypto.randomBytes(32).toString('base64url');
    const first = await consolePost(base, '/admin/login', { token: TEST_ADMIN_TOKEN }, `${SESSION_COOKIE}=${planted}`, headers);
    const issued = cookieFrom(first.setCookies, SESSION_COOKIE)!;
    expect(issued).not.toBe(planted);
    expect((await consoleGet(base, '/admin', `${SESSION_COOKIE}=${planted}`, headers)).status).toBe(303);
    expect((await consoleGet(base, '/admin', `${SESSION_COOKIE}=${issued}`, headers)).status).toBe(200);

    // Signing in again from a live session renews the id and ends the old one.
    const again = await consolePost(base, '/admin/login', { token: TEST_ADMIN_TOKEN }, `${SESSION_COOKIE}=${issued}`, headers);
    const renewed = cookieFrom(again.setCookies, SESSION_COOKIE)!;
    expect(renewed).not.toBe(issued);
    expect((await consoleGet(base, '/admin', `${SESSION_COOKIE}=${issued}`, headers)).status).toBe(303);
    expect((await consoleGet(base, '/admin', `${SESSION_COOKIE}=${renewed}`, headers)).status).toBe(200);
  });

  it('when a session POSTs without its CSRF token, with a wrong one, or with another session’s, then 403 and nothing is done; with its own, it is done', async () => {
    const headers = from();
    const mine = await signIn(base, TEST_ADMIN_TOKEN, headers);
    const theirs = await signIn(base, TEST_ADMIN_TOKEN, headers);
    const created = await h.scim('POST', '/Users', { userName: 'csrf.target@example.com', emails: [{ value: 'csrf.target@example.com', primary: true }] });
    await h.waitForSync();
    const resyncs = async () =>
      (await h.bridge.container.queue.provision.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.data.force).length;
    const before = await resyncs();
    for (const token of [undefined, 'wrong', theirs.csrfToken, `${mine.csrfToken}x`]) {
      const fields: Record<string, string> = { id: created.body.id };
      if (token !== undefined) fields._csrf = token;
      const refused = await consolePost(base, '/admin/users/retry', fields, mine.cookie, headers);
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/Nothing was changed/);
    }
    // Not only forms: a JSON POST from a session needs the token in a header.
    const json = await fetch(`${base}/admin/resync`, {
      method: 'POST',
      headers: { ...headers, Cookie: mine.cookie, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(403);
    // Nor the dashboard's own API: a pause without X-XSRF-TOKEN is refused, and the queue runs on.
    const pause = await fetch(`${base}/admin/queues/api/queues/provision/pause`, { method: 'PUT', headers: { ...headers, Cookie: mine.cookie } });
    expect(pause.status).toBe(403);
    expect(await h.bridge.container.queue.provision.isPaused()).toBe(false);
    expect(await resyncs()).toBe(before);

    const done = await consolePost(base, '/admin/users/retry', { id: created.body.id, _csrf: mine.csrfToken }, mine.cookie, headers);
    expect(done.status).toBe(200);
    expect(done.text).toMatch(/forced sync of that user is queued/);
    // A session that asks for JSON gets the JSON API, GETs without a token.
    const counts = await fetch(`${base}/admin/queue`, { headers: { ...headers, Cookie: mine.cookie } });
    expect(counts.status).toBe(200);
    const failedJson = await fetch(`${base}/admin/failed`, { headers: { ...headers, Cookie: mine.cookie } });
    expect(failedJson.headers.get('content-type')).toMatch(/json/);
    const withHeader = await fetch(`${base}/admin/failed/retry`, {
      method: 'POST',
      headers: { ...headers, Cookie: mine.cookie, 'Content-Type': 'application/json', 'X-XSRF-TOKEN': mine.csrfToken },
      body: '{}',
    });
    expect(withHeader.status).toBe(200);
    await h.waitForSync();
  });

  it('when a Bearer script calls /admin, then it works exactly as before: JSON, no cookie, no CSRF token', async () => {
    const headers = { ...from(), Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const failed = await fetch(`${base}/admin/failed`, { headers });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toEqual({ failed: [] });
    expect(failed.headers.getSetCookie()).toEqual([]);
    const resync = await fetch(`${base}/admin/resync`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: '{}' });
    expect(resync.status).toBe(202);
    // Even a browser-like Accept gets the JSON API with the header: the console is for cookies only.
    const html = await fetch(`${base}/admin/failed`, { headers: { ...headers, Accept: BROWSER_ACCEPT } });
    expect(Array.isArray(((await html.json()) as { failed: unknown }).failed)).toBe(true);
    const wrong = await fetch(`${base}/admin/failed`, { headers: { ...headers, Authorization: 'Bearer wrong', Accept: BROWSER_ACCEPT } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect((await fetch(`${base}/admin/queues`, { headers })).status).toBe(200);
    await h.waitForSync();
  });

  it('when a cookie was forged, then a browser is sent to sign in (the cookie removed) and a script gets 401', async () => {
    const headers = from();
    for (const forged of [crypto.randomBytes(32).toString('base64url'), 'not-even-the-shape', `${'A'.repeat(43)}`]) {
      const page = await consoleGet(base, '/admin/users', `${SESSION_COOKIE}=${forged}`, headers);
      expect(page.status).toBe(303);
      expect(page.location).toBe('/admin/login?next=%2Fadmin%2Fusers');
      expect(cookieAttributes(page.setCookies, SESSION_COOKIE)['max-age']).toBe('0');
      const script = await fetch(`${base}/admin/failed`, { headers: { ...headers, Cookie: `${SESSION_COOKIE}=${forged}` } });
      expect(script.status).toBe(401);
    }
  });

  it('when a session is past its idle timeout, past its absolute lifetime, or its key expired, then it is refused and its key is gone', async () => {
    const headers = from();
    const idle = await signIn(base, TEST_ADMIN_TOKEN, headers);
    await redis.hset(sessionKey(idle.sessionId), 'lastSeenAt', String(Date.now() - 1801_000));
    expect((await consoleGet(base, '/admin', idle.cookie, headers)).location).toBe('/admin/login');
    expect(await redis.exists(sessionKey(idle.sessionId))).toBe(0);

    const old = await signIn(base, TEST_ADMIN_TOKEN, headers);
    await redis.hset(sessionKey(old.sessionId), 'createdAt', String(Date.now() - 28_801_000));
    expect((await consoleGet(base, '/admin', old.cookie, headers)).location).toBe('/admin/login');
    expect(await redis.exists(sessionKey(old.sessionId))).toBe(0);

    const expired = await signIn(base, TEST_ADMIN_TOKEN, headers);
    await redis.pexpire(sessionKey(expired.sessionId), 1);
    await new Promise((r) => setTimeout(r, 20));
    expect((await consoleGet(base, '/admin', expired.cookie, headers)).location).toBe('/admin/login');
    expect((await fetch(`${base}/admin/failed`, { headers: { ...headers, Cookie: expired.cookie } })).status).toBe(401);
  });

  it('when a session is used, then its idle clock restarts (the TTL is renewed), never past the absolute lifetime', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    await redis.pexpire(sessionKey(session.sessionId), 60_000);
    expect((await consoleGet(base, '/admin', session.cookie, headers)).status).toBe(200);
    expect(await redis.ttl(sessionKey(session.sessionId))).toBeGreaterThan(1700);
    await redis.hset(sessionKey(session.sessionId), 'createdAt', String(Date.now() - 28_800_000 + 100_000));
    expect((await consoleGet(base, '/admin', session.cookie, headers)).status).toBe(200);
    expect(await redis.ttl(sessionKey(session.sessionId))).toBeLessThanOrEqual(100);
  });

  it('when the SCIM token is offered to /admin, as a Bearer header or in the sign-in form, then 401 and no session', async () => {
    const headers = from();
    expect((await fetch(`${base}/admin/failed`, { headers: { ...headers, Authorization: `Bearer ${TEST_SCIM_TOKEN}` } })).status).toBe(401);
    expect((await fetch(`${base}/admin`, { headers: { ...headers, Authorization: `Bearer ${TEST_SCIM_TOKEN}`, Accept: BROWSER_ACCEPT } })).status).toBe(401);
    const form = await consolePost(base, '/admin/login', { token: TEST_SCIM_TOKEN }, undefined, headers);
    expect(form.status).toBe(401);
    expect(form.text).toMatch(/not the admin token/);
    expect(cookieFrom(form.setCookies, SESSION_COOKIE)).toBeUndefined();
  });

  it('when wrong admin tokens are sent to the form, then past AUTH_FAIL_LIMIT they get 429 with Retry-After, sharing the Bearer header’s budget; other clients are not affected', async () => {
    const headers = from();
    expect((await fetch(`${base}/admin/failed`, { headers: { ...headers, Authorization: 'Bearer guess-0' } })).status).toBe(401);
    for (let i = 1; i < FAIL_LIMIT; i++) expect((await consolePost(base, '/admin/login', { token: `guess-${i}` }, undefined, headers)).status).toBe(401);
    const limited = await consolePost(base, '/admin/login', { token: 'guess-again' }, undefined, headers);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.text).toMatch(/Too many failed sign-ins/);
    expect((await fetch(`${base}/admin/failed`, { headers: { ...headers, Authorization: 'Bearer guess-more' } })).status).toBe(429);
    // As for the Bearer header, a valid token is never refused by the counter: nobody locks the admins out by guessing from their address.
    expect((await signIn(base, TEST_ADMIN_TOKEN, headers)).sessionId).toBeTruthy();
    expect((await consolePost(base, '/admin/login', { token: 'wrong' }, undefined, from())).status).toBe(401);
    expect(h.logs.some((l) => l.includes('guess-'))).toBe(false);
  });

  it('when the sign-in form is posted from another site, then it is refused before the token is looked at', async () => {
    const headers = { ...from(), 'Sec-Fetch-Site': 'cross-site' };
    const refused = await consolePost(base, '/admin/login', { token: TEST_ADMIN_TOKEN }, undefined, headers);
    expect(refused.status).toBe(403);
    expect(cookieFrom(refused.setCookies, SESSION_COOKIE)).toBeUndefined();
  });

  it('when a browser signs out, then the cookies are removed, the key is gone and the old cookie is sent to sign in', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    expect((await consolePost(base, '/admin/logout', {}, session.cookie, headers)).status).toBe(403);
    const out = await consolePost(base, '/admin/logout', { _csrf: session.csrfToken }, session.cookie, headers);
    expect(out.status).toBe(303);
    expect(out.location).toBe('/admin/login?done=signed-out');
    expect(cookieAttributes(out.setCookies, SESSION_COOKIE)['max-age']).toBe('0');
    expect(cookieAttributes(out.setCookies, 'XSRF-TOKEN')['max-age']).toBe('0');
    expect(await redis.exists(sessionKey(session.sessionId))).toBe(0);
    expect((await consoleGet(base, '/admin', session.cookie, headers)).location).toBe('/admin/login');
  });

  it('when a user’s data holds markup, then the pages show it as text', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    const hostile = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';
    const created = await h.scim('POST', '/Users', {
      userName: 'markup.user@example.com',
      displayName: hostile,
      name: { givenName: hostile, familyName: 'Markup' },
      emails: [{ value: 'markup.user@example.com', primary: true }],
    });
    expect(created.status).toBe(201);
    const page = await consolePost(base, '/admin/users', { q: 'markup.user', _csrf: session.csrfToken }, session.cookie, headers);
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(page.text).not.toContain('<script');
    expect(page.text).not.toContain('<img src=x');
    await h.waitForSync();
  });

  it('when an admin searches, then the search text is in no URL and no log line', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    const email = 'private.person@example.com';
    await h.scim('POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
    await h.waitForSync();
    // Searched in capitals (matching ignores case), so the worker's own lines about the user do not count.
    const page = await consolePost(base, '/admin/users', { q: 'PRIVATE.PERSON', _csrf: session.csrfToken }, session.cookie, headers);
    expect(page.text).toContain(email);
    const links = [...page.text.matchAll(/(?:href|action)="([^"]*)"/g)].map((m) => m[1]);
    expect(links.length).toBeGreaterThan(3);
    expect(links.filter((l) => /private/i.test(l))).toEqual([]);
    expect(h.logs.filter((l) => l.includes('PRIVATE.PERSON'))).toEqual([]);
  });

  it('when a signed-in browser asks for a page the console lacks, or posts too large a form, then it gets a page saying so', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    const missing = await consoleGet(base, '/admin/nope', session.cookie, headers);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toMatch(/script-src 'none'/);
    const big = await consolePost(base, '/admin/users', { _csrf: session.csrfToken, q: 'x'.repeat(1_100_000) }, session.cookie, headers);
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('when users have been pushed, then the overview counts them by syncState and shows what /readyz knows', async () => {
    const headers = from();
    const session = await signIn(base, TEST_ADMIN_TOKEN, headers);
    await h.waitForSync();
    const page = await consoleGet(base, '/admin', session.cookie, headers);
    const count = (name: string) => Number(new RegExp(`data-count="${name}">(\\d+)<`).exec(page.text)?.[1]);
    const store = h.bridge.container.store;
    expect(count('users-synced')).toBe((await store.countBySyncState('User')).synced);
    expect(count('users-synced')).toBeGreaterThan(0);
    expect(count('users-failed')).toBe(0);
    expect(page.text).toMatch(/data-fact="secret-server-ok">yes</);
    expect(page.text).toMatch(/data-fact="circuit">closed</);
    expect(page.text).toMatch(/data-fact="dry-run">off</);
    expect(page.text).toMatch(/data-fact="last-import">never</);
    expect(csrfIn(page.text)).toBe(session.csrfToken);
  });
});

if (!hasOpenssl) console.warn('openssl not found: the console TLS test is skipped (install openssl to run it)');

(hasOpenssl ? describe : describe.skip)('console cookies under TLS', () => {
  let h: Harness;
  let tls: SelfSignedCert;

  beforeAll(async () => {
    tls = makeSelfSignedCert('console-tls');
    h = await startHarness({ log: { level: 'error' }, http: { tlsCert: tls.cert, tlsKey: tls.key } });
  });
  afterAll(async () => {
    await h?.stop();
    tls?.remove();
  });

  it('when a browser signs in over HTTPS, then both cookies are Secure as well', async () => {
    const answer = await rawRequest(h.bridge.url!, {
      method: 'POST',
      path: '/admin/login',
      headers: { Accept: BROWSER_ACCEPT, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEST_ADMIN_TOKEN }).toString(),
      rejectUnauthorized: false,
    });
    expect(answer.status).toBe(303);
    const setCookies = answer.headers['set-cookie'] ?? [];
    expect(cookieAttributes(setCookies, SESSION_COOKIE)).toEqual({ path: '/admin', samesite: 'Strict', httponly: '', secure: '' });
    expect(cookieAttributes(setCookies, 'XSRF-TOKEN')).toEqual({ path: '/admin/queues', samesite: 'Strict', secure: '' });
  });
});
