import nock from 'nock';
import { SecretServerAuthenticationError, SecretServerRetryableError, SecretServerVaultNotFoundError } from '../../src/secret-server/secret-server-errors';
import { API_PASSWORD, BASE_PATH, BASE_URL, ORIGIN, TOKEN, expectGrant, makeClient, setUpNock, userSummary } from './client-fixtures';

setUpNock();

/** A Delinea Platform tenant at the origin's root; its vault lives on another host. */
const TENANT = ORIGIN;
const VAULT = 'https://vault.example.test/SecretServer';
const USER = userSummary(7, 'ada@example.com', 'ada@example.com');

const vaults = (url: string) => ({
  vaults: [
    { vaultId: 'old', name: 'Retired', isDefault: false, isActive: false, connection: { url: 'https://retired.example.test' } },
    { vaultId: 'main', name: 'Main', type: 'SecretServer', isDefault: true, isActive: true, connection: { url, oAuthProfileId: 'p' } },
  ],
});

describe('SecretServerClient kind detection and Delinea Platform tenants', () => {
  it('when the healthcheck says healthy, then it is a Secret Server and the password grant is used at the base URL', async () => {
    const scope = nock(ORIGIN)
      .get(`${BASE_PATH}/api/v1/healthcheck`)
      .reply(200, { healthy: true, databaseHealthy: true })
      .post(`${BASE_PATH}/oauth2/token`, (f: Record<string, string>) => f.grant_type === 'password')
      .reply(200, { access_token: TOKEN, token_type: 'bearer', expires_in: 1200 })
      .get(`${BASE_PATH}/api/v1/users/7`)
      .query(true)
      .reply(200, USER);
    const { client } = makeClient({ platform: 'auto' });

    await client.getUser(7);

    expect(client.connection).toEqual({ kind: 'secret-server', apiBaseUrl: BASE_URL });
    scope.done();
  });

  it('when only {base}/health is healthy, then a client_credentials token is asked with scope xpmheadless and the API is called under the default active vault', async () => {
    let form: Record<string, string> = {};
    const tenant = nock(TENANT)
      .get('/api/v1/healthcheck')
      .reply(404, 'Not Found', { 'Content-Type': 'text/plain' })
      .get('/health')
      .reply(200, { healthy: true })
      .post('/identity/api/oauth2/token/xpmplatform', (body: Record<string, string>) => {
        form = { ...body };
        return true;
      })
      .reply(200, { access_token: 'platform-token', token_type: 'bearer', expires_in: 3600 })
      .get('/vaultbroker/api/vaults')
      .matchHeader('authorization', 'Bearer platform-token')
      .reply(200, vaults(`${VAULT}/`));
    const vault = nock('https://vault.example.test')
      .get('/SecretServer/api/v1/users/7')
      .query(true)
      .matchHeader('authorization', 'Bearer platform-token')
      .reply(200, USER);
    const { client, calls } = makeClient({ baseUrl: TENANT, platform: 'auto' });

    await expect(client.getUser(7)).resolves.toMatchObject({ id: 7 });

    expect(form).toEqual({ client_id: 'scim-bridge', client_secret: API_PASSWORD, grant_type: 'client_credentials', scope: 'xpmheadless' });
    expect(client.connection).toEqual({ kind: 'platform', apiBaseUrl: VAULT });
    expect(calls.map((c) => c.endpoint)).toEqual([
      'GET /api/v1/healthcheck',
      'GET /health',
      'POST /identity/api/oauth2/token/xpmplatform',
      'GET /vaultbroker/api/vaults',
      'GET /api/v1/users/{id}',
    ]);
    tenant.done();
    vault.done();
  });

  it('when SS_PLATFORM is true, then nothing is probed; when false, the password grant goes out at once', async () => {
    const tenant = nock(TENANT)
      .post('/identity/api/oauth2/token/xpmplatform')
      .reply(200, { access_token: 'platform-token', token_type: 'bearer', expires_in: 3600 })
      .get('/vaultbroker/api/vaults')
      .reply(200, vaults(VAULT));
    const { client: platform } = makeClient({ baseUrl: TENANT, platform: 'true' });
    await expect(platform.connect()).resolves.toEqual({ kind: 'platform', apiBaseUrl: VAULT });
    tenant.done();

    const server = expectGrant(nock(ORIGIN));
    const { client: secretServer, calls } = makeClient({ platform: 'false' });
    await expect(secretServer.connect()).resolves.toEqual({ kind: 'secret-server', apiBaseUrl: BASE_URL });
    expect(calls.map((c) => c.endpoint)).toEqual(['POST /oauth2/token']);
    server.done();
  });

  it('when the probes get no answer, then the error is retryable and the kind is asked again next time', async () => {
    const scope = nock(ORIGIN)
      .get(`${BASE_PATH}/api/v1/healthcheck`)
      .reply(503, 'busy')
      .get(`${BASE_PATH}/api/v1/healthcheck`)
      .reply(200, 'Healthy', { 'Content-Type': 'text/plain' });
    expectGrant(scope);
    const { client } = makeClient({ platform: 'auto' });

    await expect(client.connect()).rejects.toBeInstanceOf(SecretServerRetryableError);
    await expect(client.connect()).resolves.toMatchObject({ kind: 'secret-server' });
    scope.done();
  });

  it('when the Platform refuses the service user, or lists no default active vault, then the errors are permanent and say which', async () => {
    nock(TENANT).post('/identity/api/oauth2/token/xpmplatform').reply(400, { error: 'invalid_client' });
    const refused = await makeClient({ baseUrl: TENANT, platform: 'true' })
      .client.connect()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SecretServerAuthenticationError);
    expect((refused as Error).message).toContain('the Platform service user: invalid_client');

    nock(TENANT)
      .post('/identity/api/oauth2/token/xpmplatform')
      .reply(200, { access_token: 'platform-token', token_type: 'bearer', expires_in: 3600 })
      .get('/vaultbroker/api/vaults')
      .reply(200, { vaults: [{ isDefault: true, isActive: false, connection: { url: VAULT } }] });
    await expect(makeClient({ baseUrl: TENANT, platform: 'true' }).client.connect()).rejects.toBeInstanceOf(SecretServerVaultNotFoundError);
  });
});
