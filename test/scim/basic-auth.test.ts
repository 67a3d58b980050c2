/**
 * HTTP Basic authentication (RFC 7617) on /scim/v2, as Okta's SCIM 2.0 Test App (Basic Auth)
 * sends it, against the real bridge, Redis and the Secret Server simulator; and SCIM_AUTH_SCHEMES
 * turning each scheme on or off.
 */
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const BOTH_CHALLENGES = 'Bearer realm="scim-bridge", Basic realm="scim-bridge", charset="UTF-8"';
const oktaUser = oktaUserBuilder({ givenName: 'Basic', familyName: 'Auth', password: 'okta-placeholder-1' });

const basic = (userPass: string) => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('Basic authentication on /scim/v2', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when Okta sends the username and password of "token create --basic", then a user is provisioned into Secret Server', async () => {
    const issued = await h.bridge.container.tokens.create('okta', 'basic');
    const auth = { Authorization: basic(issued.token) };
    expect((await h.scim('GET', '/Users?startIndex=1&count=2', undefined, auth)).status).toBe(200);

    const created = await h.scim('POST', '/Users', oktaUser('basic.user@example.com'), auth);
    expect(created.status).toBe(201);
    await h.waitForSync();
    const read = await h.scim('GET', `/Users/${created.body.id}`, undefined, { Authorization: basic(issued.token) });
    expect(read.body['urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User']).toMatchObject({ syncState: 'synced' });
    const state = (await (await fetch(`${h.simulatorUrl}/_sim/state`)).json()) as { users: Array<{ emailAddress: string }> };
    expect(state.users.map((u) => u.emailAddress)).toContain('basic.user@example.com');

    // Neither the password nor the header that carries it reaches a log line.
    const [, password] = issued.token.split(':');
    await h.scim('GET', '/Users', undefined, { Authorization: basic(`${issued.username}:${password}x`) });
    const logs = h.logs.join('\n');
    expect(logs).toContain('authentication failed');
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(Buffer.from(issued.token).toString('base64'));
  });

  it('when the scheme name is in another case, then it is still Basic (RFC 9110 §11.1)', async () => {
    const issued = await h.bridge.container.tokens.create('okta', 'basic');
    const encoded = Buffer.from(issued.token).toString('base64');
    expect((await h.scim('GET', '/Users?count=0', undefined, { Authorization: `bAsIc ${encoded}` })).status).toBe(200);
  });

  it('when the password is wrong or the username unknown, then both get the same 401 SCIM error', async () => {
    const issued = await h.bridge.container.tokens.create('okta', 'basic');
    const [username] = issued.token.split(':');
    const wrongPassword = await h.scim('GET', '/Users', undefined, { Authorization: basic(`${username}:not-the-password`) });
    const unknownUser = await h.scim('GET', '/Users', undefined, { Authorization: basic(`scb-0000000000:${issued.token.split(':')[1]}`) });
    const notOurs = await h.scim('GET', '/Users', undefined, { Authorization: basic('admin:admin') });
    for (const res of [wrongPassword, unknownUser, notOurs]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(BOTH_CHALLENGES);
      expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail: 'The username or password is not valid' });
    }
  });

  it.each([
    ['malformed base64', 'Basic not*base64!'],
    ['base64 without a colon inside', basic('scb-0123456789')],
    ['an empty username', basic(':password')],
    ['an empty password', basic('scb-0123456789:')],
    ['no credentials after the scheme', 'Basic'],
    ['two words after the scheme', 'Basic abcd efgh'],
    ['bytes that are not UTF-8', `Basic ${Buffer.from([0x73, 0x3a, 0xff, 0xfe]).toString('base64')}`],
  ])('when the Basic header has %s, then 401 with a SCIM error body', async (_case, header) => {
    const res = await h.scim('GET', '/Users', undefined, { Authorization: header });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(BOTH_CHALLENGES);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: '401' });
    expect(res.body.detail).toMatch(/^The Basic credentials are malformed/);
  });

  it('when a bearer token is sent as a Basic password, or a Basic password as a bearer token, then both are refused', async () => {
    const bearer = await h.bridge.container.tokens.create('okta');
    const basicCredential = await h.bridge.container.tokens.create('okta', 'basic');
    const [, password] = basicCredential.token.split(':');
    const asBasic = await h.scim('GET', '/Users', undefined, { Authorization: basic(`scb-${bearer.id}:${bearer.token}`) });
    const asBearer = await h.scim('GET', '/Users', undefined, { Authorization: `Bearer ${password}` });
    const asBareToken = await h.scim('GET', '/Users', undefined, { Authorization: password });
    const staticAsBasic = await h.scim('GET', '/Users', undefined, { Authorization: basic(`static:${TEST_SCIM_TOKEN}`) });
    for (const res of [asBasic, asBearer, asBareToken, staticAsBasic]) expect(res.status).toBe(401);
    expect((await h.scim('GET', '/Users', undefined, { Authorization: `Bearer ${bearer.token}` })).status).toBe(200);
  });

  it('when a Basic credential is rotated with a grace, then old and new work until the grace ends; revoked, it stops at once', async () => {
    const tokens = h.bridge.container.tokens;
    const old = await tokens.create('okta', 'basic');
    const rotated = await tokens.rotate(old.id, 800);
    expect(rotated.type).toBe('basic');
    expect(rotated.username).toBe(`scb-${rotated.id}`);
    expect((await h.scim('GET', '/Users?count=0', undefined, { Authorization: basic(old.token) })).status).toBe(200);
    expect((await h.scim('GET', '/Users?count=0', undefined, { Authorization: basic(rotated.token) })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await h.scim('GET', '/Users?count=0', undefined, { Authorization: basic(old.token) })).status).toBe(401);

    await tokens.revoke(rotated.id);
    expect((await h.scim('GET', '/Users?count=0', undefined, { Authorization: basic(rotated.token) })).status).toBe(401);
  });

  it('when /ServiceProviderConfig is read with the default SCIM_AUTH_SCHEMES, then it lists bearer, Basic and OAuth, bearer primary', async () => {
    const res = await h.scim('GET', '/ServiceProviderConfig');
    expect(res.body.authenticationSchemes.map((s: Record<string, unknown>) => [s.type, s.primary])).toEqual([
      ['oauthbearertoken', true],
      ['httpbasic', false],
      ['oauthbearertoken', false],
    ]);
    expect(res.body.authenticationSchemes[1]).toMatchObject({ name: 'HTTP Basic', specUri: 'https://datatracker.ietf.org/doc/html/rfc7617' });
  });
});

describe('Basic authentication failures are throttled like bearer ones', () => {
  it('when one client keeps sending wrong Basic credentials, then 429 with Retry-After, and the right one still passes', async () => {
    const strict = await startHarness({ auth: { failLimit: 3 } });
    try {
      const issued = await strict.bridge.container.tokens.create('okta', 'basic');
      const [username] = issued.token.split(':');
      const failures = [basic(`${username}:wrong`), basic('scb-0000000000:wrong'), 'Basic %%%'];
      for (const header of failures) expect((await strict.scim('GET', '/Users', undefined, { Authorization: header })).status).toBe(401);
      for (const header of [basic(`${username}:wrong`), 'Bearer wrong']) {
        const limited = await strict.scim('GET', '/Users', undefined, { Authorization: header });
        expect(limited.status).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(limited.body.schemas).toContain(ERROR_SCHEMA);
      }
      expect((await strict.scim('GET', '/Users?count=0', undefined, { Authorization: basic(issued.token) })).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});

describe('SCIM_AUTH_SCHEMES', () => {
  it('when only basic is enabled, then valid bearer tokens (stored and SCIM_TOKEN) are refused and the discovery lists Basic alone', async () => {
    const h = await startHarness({ auth: { schemes: 'basic' } });
    try {
      const bearer = await h.bridge.container.tokens.create('okta');
      const credential = await h.bridge.container.tokens.create('okta', 'basic');
      for (const header of [`Bearer ${bearer.token}`, `Bearer ${TEST_SCIM_TOKEN}`, TEST_SCIM_TOKEN]) {
        const refused = await h.scim('GET', '/Users', undefined, { Authorization: header });
        expect(refused.status).toBe(401);
        expect(refused.headers.get('www-authenticate')).toBe('Basic realm="scim-bridge", charset="UTF-8"');
        expect(refused.body).toEqual({ schemas: [ERROR_SCHEMA], status: '401', detail: 'Bearer authentication is not accepted here; send Basic credentials' });
      }
      const config = await h.scim('GET', '/ServiceProviderConfig', undefined, { Authorization: basic(credential.token) });
      expect(config.status).toBe(200);
      expect(config.body.authenticationSchemes).toEqual([
        {
          type: 'httpbasic',
          name: 'HTTP Basic',
          description: 'Authentication with a username and password issued by the scim-bridge operator.',
          specUri: 'https://datatracker.ietf.org/doc/html/rfc7617',
          primary: true,
        },
      ]);
    } finally {
      await h.stop();
    }
  });

  it('when only bearer is enabled, then a valid Basic credential is refused and the discovery lists the bearer token alone', async () => {
    const h = await startHarness({ auth: { schemes: 'bearer' } });
    try {
      const credential = await h.bridge.container.tokens.create('okta', 'basic');
      const refused = await h.scim('GET', '/Users', undefined, { Authorization: basic(credential.token) });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="scim-bridge"');
      expect(refused.body.detail).toBe('Basic authentication is not accepted here; send a bearer token');
      const missing = await h.scim('GET', '/Users', undefined, { Authorization: '' });
      expect(missing.body.detail).toBe('Missing bearer token in the Authorization header');
      const config = await h.scim('GET', '/ServiceProviderConfig');
      expect(config.body.authenticationSchemes.map((s: Record<string, unknown>) => [s.type, s.name, s.primary])).toEqual([
        ['oauthbearertoken', 'OAuth Bearer Token', true],
      ]);
    } finally {
      await h.stop();
    }
  });
  it('when oauth is left out, then /oauth2 is not there and an OAuth access token is refused like a bad token', async () => {
    const h = await startHarness({ auth: { schemes: 'bearer,basic' } });
    try {
      const token = await fetch(`${h.bridge.url}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) });
      expect(token.status).toBe(404);
      const authorize = await fetch(`${h.bridge.url}/oauth2/authorize?response_type=code&client_id=x`, { redirect: 'manual' });
      expect(authorize.status).toBe(404);
      const accessTokens = h.bridge.container.oauth.accessTokens;
      const verify = jest.spyOn(accessTokens, 'verify');
      const refused = await h.scim('GET', '/Users', undefined, { Authorization: 'Bearer scbat_not-checked-by-oauth' });
      expect(refused.status).toBe(401);
      expect(verify).not.toHaveBeenCalled();
    } finally {
      await h.stop();
    }
  });
});
