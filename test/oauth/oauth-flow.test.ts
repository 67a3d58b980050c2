/**
 * OAuth 2.0 for Okta, end to end over real HTTP against the whole bridge and the real Redis: the
 * authorization-code dance as Okta's OAuth mode does it (authorize, admin sign-in and approval,
 * code, token with PKCE, SCIM with the access token, refresh with rotation), and what is refused:
 * wrong redirect URI, unknown client, denial, replayed codes and refresh tokens (the whole
 * authorization revoked), wrong secrets, and guessing past the limit.
 */
import crypto from 'node:crypto';
import { startHarness, Harness } from '../support/bridge-harness';
import { consoleGet } from '../support/console-client';
import { authorizeAsAdmin, authorizeUrl, OKTA_REDIRECT_URI, pkcePair, tokenRequest } from '../support/oauth-client';
import { connectRedis } from '../support/redis';

const FAIL_LIMIT = 3;
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

describe('OAuth 2.0 authorization server', () => {
  let h: Harness;
  let base: string;
  let client: { id: string; secret: string };
  const redis = connectRedis();
  /** Each test its own client address (the harness trusts loopback as the proxy), so throttling never leaks between tests. */
  let address = 0;
  const from = () => ({ 'X-Forwarded-For': `203.0.113.${++address}` });

  const scimAs = (accessToken: string, method = 'GET', path = '/Users', body?: unknown) =>
    h.scim(method, path, body, { Authorization: `Bearer ${accessToken}`, ...from() });

  /** Authorize, approve, and exchange the code with PKCE: the tokens Okta would hold. */
  async function signInAndExchange(headers = from()) {
    const { verifier, challenge } = pkcePair();
    const state = crypto.randomBytes(8).toString('hex');
    const params = {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: OKTA_REDIRECT_URI,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const { location } = await authorizeAsAdmin(base, params, { headers });
    const code = location.searchParams.get('code')!;
    const exchanged = await tokenRequest(
      base,
      client,
      { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI, code_verifier: verifier },
      { headers },
    );
    expect(exchanged.status).toBe(200);
    return { code, verifier, state, location, tokens: exchanged.body };
  }

  beforeAll(async () => {
    h = await startHarness({ auth: { failLimit: FAIL_LIMIT, failWindowS: 60 }, http: { trustProxy: 'loopback' } });
    base = h.bridge.url!;
    const registered = await h.bridge.container.oauth.clients.create('okta', [OKTA_REDIRECT_URI]);
    client = { id: registered.id, secret: registered.clientSecret };
  });
  afterAll(async () => {
    redis.disconnect();
    await h.stop();
  });

  it('when Okta runs the whole dance, then its access token provisions a user, refresh rotates, and the old refresh token is refused', async () => {
    const headers = from();
    const { verifier, challenge } = pkcePair();
    const params = {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: OKTA_REDIRECT_URI,
      state: 'okta-state-1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };

    // The approval page names the client and where the answer goes, and lets the form redirect there.
    const asked = await consoleGet(base, authorizeUrl(params), undefined, headers);
    expect(asked.status).toBe(303);
    expect(asked.location).toMatch(/^\/admin\/oauth2\/approve\/[A-Za-z0-9_-]{43}$/);
    const login = await consoleGet(base, asked.location!, undefined, headers);
    expect(login.location).toBe(`/admin/login?next=${encodeURIComponent(asked.location!)}`);

    const { location, approvalPath } = await authorizeAsAdmin(base, params, { headers });
    expect(`${location.origin}${location.pathname}`).toBe(OKTA_REDIRECT_URI);
    expect(location.searchParams.get('state')).toBe('okta-state-1');
    const code = location.searchParams.get('code')!;
    expect(code).toMatch(/^scbac_[A-Za-z0-9_-]{43}$/);
    // Answered once: the approval page is gone.
    expect(approvalPath).toMatch(/^\/admin\/oauth2\/approve\//);

    const exchanged = await tokenRequest(
      base,
      client,
      { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI, code_verifier: verifier },
      { headers },
    );
    expect(exchanged.status).toBe(200);
    expect(exchanged.headers.get('cache-control')).toBe('no-store');
    expect(exchanged.body).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    expect(exchanged.body.expires_in).toBeGreaterThan(3590);
    expect(exchanged.body.expires_in).toBeLessThanOrEqual(3600);
    const first = exchanged.body as { access_token: string; refresh_token: string };
    expect(first.access_token).toMatch(/^scbat_/);
    expect(first.refresh_token).toMatch(/^scbrt_/);

    // Only hashes in Redis, with TTLs: 1 hour and 30 days.
    const accessKey = `${h.prefix}:oauth:access:${sha256(first.access_token)}`;
    const refreshKey = `${h.prefix}:oauth:refresh:${sha256(first.refresh_token)}`;
    expect(await redis.pttl(accessKey)).toBeGreaterThan(3590_000);
    expect(await redis.pttl(refreshKey)).toBeGreaterThan(30 * 86_400_000 - 60_000);
    expect(await redis.pttl(`${h.prefix}:oauth:code:${sha256(code)}`)).toBeGreaterThan(0);
    for (const key of await redis.keys(`${h.prefix}:oauth:*`)) {
      const type = await redis.type(key);
      const text =
        type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'set' ? (await redis.smembers(key)).join(' ') : String(await redis.get(key));
      for (const secret of [first.access_token, first.refresh_token, code, client.secret]) {
        expect(key).not.toContain(secret);
        expect(text).not.toContain(secret);
      }
    }

    const created = await scimAs(first.access_token, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'oauth.dance@example.com',
      name: { givenName: 'Oauth', familyName: 'Dance' },
      emails: [{ value: 'oauth.dance@example.com', primary: true }],
      active: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.userName).toBe('oauth.dance@example.com');

    // Refresh, this time with the client's credentials in the body (RFC 6749 §2.3.1 allows both).
    const refreshed = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, { basic: false, headers });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await scimAs(second.access_token)).status).toBe(200);

    const again = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: second.refresh_token }, { headers });
    expect(again.status).toBe(200);
    const third = again.body as { access_token: string; refresh_token: string };
    expect((await scimAs(third.access_token)).status).toBe(200);

    // The rotated refresh token is dead, and presenting it ends the whole authorization.
    const reused = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, { headers });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    const afterReuse = await scimAs(third.access_token);
    expect(afterReuse.status).toBe(401);
    expect(afterReuse.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect((await scimAs(first.access_token)).status).toBe(401);
    const newest = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: third.refresh_token }, { headers });
    expect(newest.body.error).toBe('invalid_grant');
  });

  it('when the redirect URI is not the registered one, or the client is unknown, then an error page answers and nothing redirects', async () => {
    const wrong = await consoleGet(
      base,
      authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: 'https://attacker.example/cb', state: 's' }),
      undefined,
      from(),
    );
    expect(wrong.status).toBe(400);
    expect(wrong.location).toBeNull();
    expect(wrong.headers.get('content-type')).toMatch(/^text\/html/);
    expect(wrong.text).toContain('is not registered for client');

    const unknown = await consoleGet(base, authorizeUrl({ response_type: 'code', client_id: 'scbc_nope', redirect_uri: OKTA_REDIRECT_URI }), undefined, from());
    expect(unknown.status).toBe(400);
    expect(unknown.location).toBeNull();
    expect(unknown.text).toContain('No OAuth client');
  });

  it('when the request itself is wrong but the client and redirect URI are right, then the error goes back to the client with the state', async () => {
    const bad = await consoleGet(
      base,
      authorizeUrl({ response_type: 'token', client_id: client.id, redirect_uri: OKTA_REDIRECT_URI, state: 'st' }),
      undefined,
      from(),
    );
    expect(bad.status).toBe(302);
    const location = new URL(bad.location!);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('st');
  });

  it('when the admin denies, then the browser goes back with error=access_denied and the state, and no code', async () => {
    const { location } = await authorizeAsAdmin(
      base,
      { response_type: 'code', client_id: client.id, redirect_uri: OKTA_REDIRECT_URI, state: 'deny-me' },
      { decision: 'deny', headers: from() },
    );
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('deny-me');
    expect(location.searchParams.get('code')).toBeNull();
  });

  it('when a code is presented a second time, then it is refused and the tokens issued from it stop working', async () => {
    const headers = from();
    const { code, verifier, tokens } = await signInAndExchange(headers);
    expect((await scimAs(tokens.access_token)).status).toBe(200);
    const replay = await tokenRequest(
      base,
      client,
      { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI, code_verifier: verifier },
      { headers },
    );
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect((await scimAs(tokens.access_token)).status).toBe(401);
    const refresh = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { headers });
    expect(refresh.body.error).toBe('invalid_grant');
  });

  it('when the PKCE verifier or the redirect URI at the token endpoint is wrong, then no token is issued and the code is spent', async () => {
    const headers = from();
    const { verifier, challenge } = pkcePair();
    const params = {
      response_type: 'code',
      client_id: client.id,
      redirect_uri: OKTA_REDIRECT_URI,
      state: 'p',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const code = (await authorizeAsAdmin(base, params, { headers })).location.searchParams.get('code')!;
    const wrongVerifier = await tokenRequest(
      base,
      client,
      { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI, code_verifier: pkcePair().verifier },
      { headers },
    );
    expect(wrongVerifier.status).toBe(400);
    expect(wrongVerifier.body.error).toBe('invalid_grant');
    const rightAfter = await tokenRequest(
      base,
      client,
      { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI, code_verifier: verifier },
      { headers },
    );
    expect(rightAfter.body.error).toBe('invalid_grant');

    const second = (await authorizeAsAdmin(base, { ...params, code_challenge: pkcePair().challenge }, { headers })).location.searchParams.get('code')!;
    const missingVerifier = await tokenRequest(base, client, { grant_type: 'authorization_code', code: second, redirect_uri: OKTA_REDIRECT_URI }, { headers });
    expect(missingVerifier.body.error).toBe('invalid_grant');
  });

  it('when the client secret is wrong, then invalid_client (401 with WWW-Authenticate over Basic) and no token', async () => {
    const headers = from();
    const { location } = await authorizeAsAdmin(
      base,
      { response_type: 'code', client_id: client.id, redirect_uri: OKTA_REDIRECT_URI, state: 'x' },
      { headers },
    );
    const code = location.searchParams.get('code')!;
    const wrong = { id: client.id, secret: `${client.secret}x` };
    const basic = await tokenRequest(base, wrong, { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI }, { headers });
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe('invalid_client');
    expect(basic.headers.get('www-authenticate')).toMatch(/^Basic/);
    const inBody = await tokenRequest(base, wrong, { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI }, { basic: false, headers });
    expect(inBody.status).toBe(400);
    expect(inBody.body.error).toBe('invalid_client');
    // A PKCE exchange without any secret is refused too: these clients are confidential.
    const noSecret = await fetch(`${base}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: OKTA_REDIRECT_URI,
        client_id: client.id,
        code_verifier: pkcePair().verifier,
      }),
    });
    expect(noSecret.status).toBe(400);
    expect(((await noSecret.json()) as { error: string }).error).toBe('invalid_client');
    // The code was never reached, so the right client still gets its token.
    const right = await tokenRequest(base, client, { grant_type: 'authorization_code', code, redirect_uri: OKTA_REDIRECT_URI }, { headers: from() });
    expect(right.status).toBe(200);
  });

  it('when a client address fails client authentication past the limit, then 429 with Retry-After, while the right credentials still get through', async () => {
    const headers = from();
    const wrong = { id: client.id, secret: 'scbcs_wrong' };
    for (let i = 0; i < FAIL_LIMIT; i++) {
      expect((await tokenRequest(base, wrong, { grant_type: 'refresh_token', refresh_token: 'scbrt_x' }, { headers })).status).toBe(401);
    }
    const throttled = await tokenRequest(base, wrong, { grant_type: 'refresh_token', refresh_token: 'scbrt_x' }, { headers });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.body.error).toBe('invalid_client');
    expect(await redis.get(`${h.prefix}:auth-fail:oauth:${headers['X-Forwarded-For']}`)).toBe(String(FAIL_LIMIT + 1));

    const { tokens } = await signInAndExchange(headers);
    expect(tokens.access_token).toMatch(/^scbat_/);
  });

  it('when a bad bearer token reaches /scim/v2, then it is a 401 with the SCIM error body, counted on the scim surface as before', async () => {
    const headers = from();
    const bad = await h.scim('GET', '/Users', undefined, { Authorization: 'Bearer scbat_not-a-token', ...headers });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    expect(await redis.get(`${h.prefix}:auth-fail:scim:${headers['X-Forwarded-For']}`)).toBe('1');
  });

  it('when the client is revoked, then its access and refresh tokens stop working and it can no longer ask', async () => {
    const other = await h.bridge.container.oauth.clients.create('okta-2', [OKTA_REDIRECT_URI]);
    const saved = client;
    client = { id: other.id, secret: other.clientSecret };
    try {
      const { tokens } = await signInAndExchange();
      expect((await scimAs(tokens.access_token)).status).toBe(200);
      const revoked = await h.bridge.container.oauth.revokeClient(other.id);
      expect(revoked.grantsEnded).toBe(1);
      expect((await scimAs(tokens.access_token)).status).toBe(401);
      const refresh = await tokenRequest(base, client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, { headers: from() });
      expect(refresh.status).toBe(401);
      expect(refresh.body.error).toBe('invalid_client');
      const asked = await consoleGet(base, authorizeUrl({ response_type: 'code', client_id: other.id, redirect_uri: OKTA_REDIRECT_URI }), undefined, from());
      expect(asked.status).toBe(400);
    } finally {
      client = saved;
    }
  });
});
