import nock from 'nock';
import {
  EXPIRED_TOKEN_MESSAGE,
  SecretServerAuthenticationError,
  SecretServerPermissionError,
  SecretServerRetryableError,
} from '../../src/secret-server/secret-server-errors';
import { API_PASSWORD, BASE_PATH, ORIGIN, TOKEN, capturingLogger, connectionError, expectGrant, makeClient, setUpNock, userSummary } from './client-fixtures';

setUpNock();

const USER = userSummary(7, 'ada@example.com', 'ada@example.com');
const grants = (calls: { endpoint: string }[]) => calls.filter((c) => c.endpoint === 'POST /oauth2/token').length;

describe('SecretServerClient authentication', () => {
  it('when the first call is made, then it sends one form-encoded password grant without a domain and uses the bearer token', async () => {
    let form: Record<string, string> = {};
    const scope = nock(ORIGIN)
      .post(`${BASE_PATH}/oauth2/token`, (body: Record<string, string>) => {
        form = { ...body };
        return true;
      })
      .matchHeader('content-type', (v: string | null) => (v ?? '').startsWith('application/x-www-form-urlencoded'))
      .reply(200, { access_token: TOKEN, token_type: 'bearer', expires_in: 1200 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query({ includeInactive: 'true' })
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .reply(200, USER);
    const { client } = makeClient();

    const user = await client.getUser(7);

    expect(user).toMatchObject({ id: 7, userName: 'ada@example.com', enabled: true, domainId: -1 });
    expect(form).toEqual({ grant_type: 'password', username: 'scim-bridge', password: API_PASSWORD });
    expect('domain' in form).toBe(false);
    scope.done();
  });

  it('when a domain is configured, then the grant carries it', async () => {
    const scope = expectGrant(nock(ORIGIN), { match: (f) => f.domain === 'CORP' && f.grant_type === 'password' })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .reply(200, USER);
    const { client } = makeClient({ domain: 'CORP' });

    await client.getUser(7);

    scope.done();
  });

  it('when concurrent calls start without a token, then they share one grant', async () => {
    const scope = nock(ORIGIN)
      .post(`${BASE_PATH}/oauth2/token`)
      .delay(50)
      .reply(200, { access_token: TOKEN, token_type: 'bearer', expires_in: 1200 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .times(5)
      .reply(200, USER);
    const { client, calls } = makeClient();

    await Promise.all([1, 2, 3, 4, 5].map(() => client.getUser(7)));

    expect(grants(calls)).toBe(1);
    scope.done();
  });

  it('when 90% of expires_in has passed, then the token is renewed before the next call', async () => {
    let clock = 1_000_000;
    const scope = expectGrant(nock(ORIGIN), { token: 'first', expiresIn: 100 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .matchHeader('authorization', 'Bearer first')
      .times(2)
      .reply(200, USER);
    expectGrant(scope, { token: 'second', expiresIn: 100 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .matchHeader('authorization', 'Bearer second')
      .reply(200, USER);
    const { client, calls } = makeClient({}, { now: () => clock });

    await client.getUser(7);
    clock += 89_000; // still inside 90 s of 100 s
    await client.getUser(7);
    clock += 2_000; // past 90 s, before the token actually expires
    await client.getUser(7);

    expect(grants(calls)).toBe(2);
    scope.done();
  });

  it('when a call gets the expired-token 403, then the client re-grants exactly once and replays the call', async () => {
    const scope = expectGrant(nock(ORIGIN), { token: 'old' })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .matchHeader('authorization', 'Bearer old')
      .reply(403, { message: EXPIRED_TOKEN_MESSAGE });
    expectGrant(scope, { token: 'new' }).get(`${BASE_PATH}/api/v1/users/7`).query(true).matchHeader('authorization', 'Bearer new').reply(200, USER);
    const { client, calls } = makeClient();

    await expect(client.getUser(7)).resolves.toMatchObject({ id: 7 });

    expect(grants(calls)).toBe(2);
    expect(calls.map((c) => `${c.endpoint} ${c.status}`)).toEqual([
      'POST /oauth2/token 200',
      'GET /api/v1/users/{id} 403',
      'POST /oauth2/token 200',
      'GET /api/v1/users/{id} 200',
    ]);
    scope.done();
  });

  it('when a POST gets 401, then the client re-grants once and replays it', async () => {
    const scope = expectGrant(nock(ORIGIN), { token: 'old' }).post(`${BASE_PATH}/api/v1/groups`).reply(401, { message: 'Unauthorized' });
    expectGrant(scope, { token: 'new' })
      .post(`${BASE_PATH}/api/v1/groups`, { name: 'Finance', enabled: true })
      .matchHeader('authorization', 'Bearer new')
      .reply(200, { id: 3, name: 'Finance', enabled: true, domainId: -1, synchronized: false, canEditMembers: true });
    const { client } = makeClient();

    await expect(client.createGroup('Finance')).resolves.toMatchObject({ id: 3, name: 'Finance', canEditMembers: true });
    scope.done();
  });

  it('when the freshly granted token is refused too, then the call fails retryable after exactly one re-grant', async () => {
    const scope = expectGrant(nock(ORIGIN), { times: 2 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .times(2)
      .reply(403, { message: EXPIRED_TOKEN_MESSAGE });
    const { client, calls } = makeClient();

    const err = await client.getUser(7).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerRetryableError);
    expect(grants(calls)).toBe(2);
    scope.done();
  });

  it('when a 403 carries another message, then it is a permanent permission error and no re-grant happens', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .reply(403, { message: 'You do not have permission to perform this action.' });
    const { client, calls } = makeClient();

    const err = await client.getUser(7).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerPermissionError);
    expect(err).toMatchObject({ retryable: false, status: 403, endpoint: 'GET /api/v1/users/{id}' });
    expect(grants(calls)).toBe(1);
    scope.done();
  });

  it('when the grant answers 400 invalid_grant, then the error is a permanent authentication error', async () => {
    const scope = nock(ORIGIN).post(`${BASE_PATH}/oauth2/token`).reply(400, { error: 'invalid_grant' });
    const { client } = makeClient();

    const err = await client.connect().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerAuthenticationError);
    expect(err).toMatchObject({ retryable: false, status: 400, vendorMessage: 'invalid_grant' });
    scope.done();
  });

  it('when connect is called twice within the token lifetime, then only one grant is made', async () => {
    const scope = expectGrant(nock(ORIGIN));
    const { client, calls } = makeClient();

    await client.connect();
    await client.connect();

    expect(grants(calls)).toBe(1);
    scope.done();
  });

  it('when calls and failures are logged at debug, then neither the password nor any token appears', async () => {
    const { logger, text } = capturingLogger();
    const scope = expectGrant(nock(ORIGIN), { token: 'tok-old-5f1e' })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .reply(403, { message: EXPIRED_TOKEN_MESSAGE });
    expectGrant(scope, { token: 'tok-new-9a2c' })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .replyWithError(connectionError('ECONNRESET', 'socket hang up'));
    const { client } = makeClient({}, { logger });

    await client.getUser(7).catch(() => undefined);

    const logged = text();
    expect(logged).toContain('GET /api/v1/users/{id}');
    expect(logged).not.toContain(API_PASSWORD);
    expect(logged).not.toContain('tok-old-5f1e');
    expect(logged).not.toContain('tok-new-9a2c');
    scope.done();
  });
});
