import nock from 'nock';
import { createSimulator, Simulator, SimulatorServer } from '../../simulator/simulator-app';
import { createSilentLogger } from '../../src/logging/logger';
import { CircuitBreaker } from '../../src/secret-server/circuit-breaker';
import { generateLocalUserPassword } from '../../src/secret-server/password-generator';
import { SecretServerClient, SecretServerClientOptions } from '../../src/secret-server/secret-server-client';
import {
  SecretServerAccessDeniedError,
  SecretServerAuthenticationError,
  SecretServerCircuitOpenError,
  SecretServerPermanentError,
  SecretServerError,
} from '../../src/secret-server/secret-server-errors';

// No interceptors here: the client talks to the real simulator on loopback, and any other
// network access fails the test.
beforeAll(() => {
  if (!nock.isActive()) nock.activate();
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.cleanAll();
  nock.enableNetConnect();
  nock.restore();
});

let sim: Simulator;
let server: SimulatorServer;

function client(options: Partial<SecretServerClientOptions> = {}, breaker?: CircuitBreaker): SecretServerClient {
  return new SecretServerClient(
    { baseUrl: server.url, username: 'scim-bridge', password: 'simulator-password', domain: '', timeoutMs: 2000, dryRun: false, ...options },
    { logger: createSilentLogger(), breaker },
  );
}

const newUser = (email: string, displayName = 'Ada Lovelace') => ({
  userName: email,
  displayName,
  emailAddress: email,
  enabled: true,
  password: generateLocalUserPassword(),
});

beforeAll(async () => {
  sim = createSimulator();
  server = await sim.listen(0);
});

beforeEach(() => {
  sim.reset();
});

afterAll(async () => {
  await server.close();
});

describe('SecretServerClient against the simulator', () => {
  it('when a new user is provisioned, then it costs one search and one create after the token grant', async () => {
    const ss = client();

    const missing = await ss.findUserOwningEmail('ada@example.com');
    const created = await ss.createUser(newUser('ada@example.com'));

    expect(missing).toBeNull();
    expect(created).toMatchObject({ userName: 'ada@example.com', displayName: 'Ada Lovelace', enabled: true, domainId: -1 });
    // The health check is asked once per process, to tell a Secret Server from a Platform tenant.
    expect(sim.stats.toJSON().byEndpoint).toEqual({ 'GET /api/v1/healthcheck': 1, 'POST /oauth2/token': 1, 'GET /api/v1/users': 1, 'POST /api/v1/users': 1 });
  });

  it('when a user is created, found, disabled and re-enabled, then every step is reflected in Secret Server', async () => {
    const ss = client();
    const created = await ss.createUser(newUser('grace@example.com', 'Grace Hopper'));

    const disabled = await ss.updateUser(created.id, { enabled: false, displayName: 'Grace B. Hopper' });
    const found = await ss.findUserOwningEmail('GRACE@example.com');
    const enabled = await ss.updateUser(created.id, { enabled: true });
    const read = await ss.getUser(created.id);

    expect(disabled).toMatchObject({ enabled: false, displayName: 'Grace B. Hopper' });
    expect(found).toMatchObject({ id: created.id, enabled: false });
    expect(enabled.enabled).toBe(true);
    expect(read).toMatchObject({ id: created.id, enabled: true, emailAddress: 'grace@example.com' });
  });

  it('when the user name already exists, then createUser fails permanently with a 400 and the userName can be looked up', async () => {
    const ss = client();
    await ss.createUser(newUser('dup@example.com'));

    const err = await ss.createUser(newUser('DUP@example.com')).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerPermanentError);
    expect(err).toMatchObject({ status: 400 });
    await expect(ss.findUserByUserName('dup@EXAMPLE.com')).resolves.toMatchObject({ userName: 'dup@example.com' });
  });

  it('when groups and memberships are managed, then the simulator ends with the intended members', async () => {
    const ss = client();
    const [a, b, c] = await Promise.all(['a@example.com', 'b@example.com', 'c@example.com'].map((e) => ss.createUser(newUser(e))));
    const group = await ss.createGroup('Finance');

    await ss.updateGroupMembers(group.id, [a.id, b.id, c.id], []);
    await ss.updateUser(c.id, { enabled: false });
    await ss.updateGroupMembers(group.id, [], [a.id]);
    const renamed = await ss.updateGroup(group.id, { name: 'Treasury', enabled: true });
    const found = await ss.findGroupByName('treasury');
    const members = await ss.listGroupMembers(group.id);

    expect(renamed.name).toBe('Treasury');
    expect(found).toMatchObject({ id: group.id, name: 'Treasury', enabled: true });
    expect(members.map((m) => [m.userId, m.enabled])).toEqual([
      [b.id, true],
      [c.id, false],
    ]);

    await ss.deleteGroup(group.id);
    await expect(ss.getGroup(group.id)).resolves.toMatchObject({ enabled: false });
    await expect(ss.findGroupByName('Treasury')).resolves.toMatchObject({ id: group.id, enabled: false });
    await expect(ss.updateGroup(group.id, { name: 'Treasury', enabled: true })).resolves.toMatchObject({ enabled: true });
  });

  it('when an id is unknown, then the client throws SecretServerAccessDeniedError', async () => {
    await expect(client().getGroup(4242)).rejects.toBeInstanceOf(SecretServerAccessDeniedError);
  });

  it('when there are more users than one page, then searchUsers and listUsersPage walk every page', async () => {
    sim.seedUsers(25, { disabledRatio: 0.2, seed: 3 });
    const ss = client({ pageSize: 10 });

    const all = await ss.searchUsers('');
    const firstPage = await ss.listUsersPage(0, 10);

    expect(all).toHaveLength(26);
    expect(all.some((u) => !u.enabled)).toBe(true);
    expect(sim.stats.count('GET /api/v1/users')).toBe(4);
    expect(firstPage).toMatchObject({ total: 26, hasNext: true, nextSkip: 10 });
    expect(firstPage.items).toHaveLength(10);
  });

  it('when tokens expire in the middle of a run, then the client re-authenticates transparently, once', async () => {
    const ss = client();
    await ss.createUser(newUser('t@example.com'));
    sim.expireAllTokens();

    await expect(ss.findUserOwningEmail('t@example.com')).resolves.toMatchObject({ userName: 't@example.com' });
    expect(sim.stats.count('POST /oauth2/token')).toBe(2);
  });

  it('when Secret Server is rate limiting, down, or answering HTML, then the errors are retryable', async () => {
    const ss = client();
    await ss.connect();

    sim.setKnobs({ rateLimit: { nextCalls: 1, retryAfterSeconds: 4 } });
    const limited = await ss.getUser(1).catch((e: unknown) => e);
    sim.setKnobs({ rateLimit: null, outage: true });
    const down = await ss.getUser(1).catch((e: unknown) => e);
    sim.setKnobs({ outage: false, htmlOn200: true });
    const html = await ss.getUser(1).catch((e: unknown) => e);

    expect(limited).toMatchObject({ retryable: true, status: 429, retryAfterMs: 4000 });
    expect(down).toMatchObject({ retryable: true, status: 503 });
    expect(html).toMatchObject({ retryable: true, kind: 'html' });
  });

  it('when the simulator is slower than timeoutMs, then the call fails as a retryable timeout', async () => {
    const ss = client({ timeoutMs: 100 });
    await ss.connect();
    sim.setKnobs({ latencyMs: 300 });

    await expect(ss.getUser(1)).rejects.toMatchObject({ retryable: true, kind: 'timeout' });
  });

  it('when an outage persists, then the breaker opens and further calls do not reach the simulator', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 60_000 });
    const ss = client({}, breaker);
    await ss.connect();
    sim.setKnobs({ outage: true });

    for (let i = 0; i < 3; i++) await ss.getUser(1).catch(() => undefined);
    const before = sim.stats.total;
    const err = await ss.getUser(1).catch((e: unknown) => e);

    expect(breaker.state()).toBe('open');
    expect(err).toBeInstanceOf(SecretServerCircuitOpenError);
    expect(sim.stats.total).toBe(before);
  });

  it('when the API account password is wrong, then connect fails permanently', async () => {
    const err = await client({ password: 'wrong' })
      .connect()
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(SecretServerAuthenticationError);
    expect((err as SecretServerError).retryable).toBe(false);
  });

  it('when the simulator is mounted at the site root like Secret Server Cloud, then the client works there too', async () => {
    const cloud = createSimulator({ basePath: '' });
    const cloudServer = await cloud.listen(0);
    try {
      const ss = new SecretServerClient(
        { baseUrl: `${cloudServer.url}/`, username: 'scim-bridge', password: 'simulator-password', domain: '', timeoutMs: 2000, dryRun: false },
        { logger: createSilentLogger() },
      );
      const created = await ss.createUser(newUser('cloud@example.com'));
      expect(cloud.state.users.get(created.id)?.userName).toBe('cloud@example.com');
    } finally {
      await cloudServer.close();
    }
  });
});
