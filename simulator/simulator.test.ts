import axios, { AxiosInstance, AxiosResponse } from 'axios';
import { createSimulator, Simulator, SimulatorServer } from './simulator-app';
import { DUPLICATE_USER_NAME_MESSAGE, PASSWORD_POLICY_MESSAGE } from './users-routes';
import { EXPIRED_TOKEN_MESSAGE } from '../src/secret-server/secret-server-errors';

let clock = Date.parse('2025-05-01T12:00:00Z');
let sim: Simulator;
let server: SimulatorServer;
let http: AxiosInstance;

const GOOD_PASSWORD = 'Str0ng!Passw0rd';

async function token(): Promise<string> {
  const res = await http.post(
    '/oauth2/token',
    new URLSearchParams({ grant_type: 'password', username: 'scim-bridge', password: 'simulator-password' }).toString(),
    {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    },
  );
  expect(res.status).toBe(200);
  return (res.data as { access_token: string }).access_token;
}

async function api(method: string, path: string, data?: unknown): Promise<AxiosResponse> {
  return http.request({ method, url: path, data, headers: { Authorization: `Bearer ${await token()}` } });
}

beforeAll(async () => {
  sim = createSimulator({ now: () => clock });
  server = await sim.listen(0);
  http = axios.create({ baseURL: server.url, validateStatus: () => true });
});

beforeEach(() => {
  sim.reset();
});

afterAll(async () => {
  await server.close();
});

describe('simulator authentication', () => {
  it('when the credentials are wrong, then the grant answers 400 invalid_grant', async () => {
    const res = await http.post('/oauth2/token', 'grant_type=password&username=scim-bridge&password=nope', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });

    expect(res.status).toBe(400);
    expect(res.data).toEqual({ error: 'invalid_grant' });
  });

  it('when another enabled user signs in with its own password, then its token acts as that user; disabled, it is refused', async () => {
    const admin = sim.state.addUser({ userName: 'ss-admin', displayName: 'An Admin', password: GOOD_PASSWORD });
    const grant = () =>
      http.post('/oauth2/token', new URLSearchParams({ grant_type: 'password', username: 'SS-Admin', password: GOOD_PASSWORD }).toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    const granted = await grant();
    expect(granted.status).toBe(200);
    const current = await http.get('/api/v1/users/current', {
      headers: { Authorization: `Bearer ${(granted.data as { access_token: string }).access_token}` },
    });
    expect(current.data).toMatchObject({ id: admin.id, userName: 'ss-admin' });

    admin.enabled = false;
    expect((await grant()).data).toEqual({ error: 'invalid_grant' });
    expect(admin.loginFailures).toBe(1);
  });

  it('when a token outlives tokenTtlSeconds, then calls answer 403 with the exact expired-token body', async () => {
    sim.setKnobs({ tokenTtlSeconds: 5 });
    const t = await token();
    const ok = await http.get('/api/v1/users/current', { headers: { Authorization: `Bearer ${t}` } });
    clock += 5000;
    const expired = await http.get('/api/v1/users/current', { headers: { Authorization: `Bearer ${t}` } });

    expect(ok.status).toBe(200);
    expect(ok.data).toMatchObject({ userName: 'scim-bridge' });
    expect(expired.status).toBe(403);
    expect(expired.data).toEqual({ message: EXPIRED_TOKEN_MESSAGE });
  });

  it('when no bearer token is sent, then the answer is the same 403', async () => {
    const res = await http.get('/api/v1/users');

    expect(res.status).toBe(403);
    expect(res.data).toEqual({ message: EXPIRED_TOKEN_MESSAGE });
  });

  it('when expireAllTokens is called, then earlier tokens stop working', async () => {
    const t = await token();
    sim.expireAllTokens();

    const res = await http.get('/api/v1/users', { headers: { Authorization: `Bearer ${t}` } });

    expect(res.status).toBe(403);
  });

  it('when the health check is called without a token, then it answers healthy', async () => {
    const res = await http.get('/api/v1/healthcheck');

    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ healthy: true });
  });
});

describe('simulator users', () => {
  it('when a user name is taken in another case, then creation answers 400 with the duplicate message', async () => {
    const first = await api('POST', '/api/v1/users', { userName: 'ada@example.com', displayName: 'Ada', password: GOOD_PASSWORD, enabled: true });
    const second = await api('POST', '/api/v1/users', { userName: 'ADA@example.com', displayName: 'Ada 2', password: GOOD_PASSWORD, enabled: true });

    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ userName: 'ada@example.com', domainId: -1, enabled: true });
    expect(second.status).toBe(400);
    expect(second.data).toEqual({ message: DUPLICATE_USER_NAME_MESSAGE });
  });

  it('when the password breaks the policy, then creation answers 400', async () => {
    for (const password of ['short1!A', 'alllowercase123!', 'ALLUPPERCASE123!', 'NoDigitsHere!!', 'NoSymbols12345']) {
      const res = await api('POST', '/api/v1/users', { userName: `u-${password}`, displayName: 'U', password, enabled: true });
      expect(res.status).toBe(400);
      expect(res.data.message).toBe(PASSWORD_POLICY_MESSAGE);
    }
  });

  it('when required fields are missing, then creation answers 400 with modelState', async () => {
    const res = await api('POST', '/api/v1/users', { userName: 'x', enabled: true });

    expect(res.status).toBe(400);
    expect(res.data.modelState).toEqual({
      'args.DisplayName': ['The DisplayName field is required.'],
      'args.Password': ['The Password field is required.'],
    });
  });

  it.each([
    ['GET', '/api/v1/users/9999'],
    ['PATCH', '/api/v1/users/9999'],
    ['DELETE', '/api/v1/users/9999'],
    ['GET', '/api/v1/groups/9999'],
    ['GET', '/api/v1/groups/9999/users'],
  ])('when %s %s names an unknown id, then the answer is 400 API_AccessDenied, never 404', async (method, path) => {
    const res = await api(method, path, method === 'PATCH' ? { enabled: { dirty: true, value: false } } : undefined);

    expect(res.status).toBe(400);
    expect(res.data).toEqual({ errorCode: 'API_AccessDenied', message: 'Access denied' });
  });

  it('when users are listed, then the paging envelope is complete and inactive users are left out by default', async () => {
    sim.seedUsers(24, { disabledRatio: 0, seed: 1 });
    sim.state.users.get(5)!.enabled = false;

    const page = await api('GET', '/api/v1/users?skip=10&take=10');
    const all = await api('GET', '/api/v1/users?filter.includeInactive=true&take=100');
    const defaultTake = await api('GET', '/api/v1/users');

    expect(page.data).toMatchObject({
      total: 24,
      skip: 10,
      take: 10,
      hasNext: true,
      hasPrev: true,
      nextSkip: 20,
      prevSkip: 0,
      pageCount: 3,
      currentPage: 2,
      batchCount: 3,
      success: true,
      severity: 'None',
    });
    expect(page.data.records).toHaveLength(10);
    expect(all.data.total).toBe(25);
    expect(defaultTake.data.records).toHaveLength(10);
  });

  it('when searchText is given, then it matches userName, displayName or email, case-insensitively', async () => {
    sim.state.addUser({ userName: 'jdoe', displayName: 'Jane Doe', emailAddress: 'jane@corp.example' });
    sim.state.addUser({ userName: 'other', displayName: 'Someone', emailAddress: 'x@y.example' });

    const byName = await api('GET', '/api/v1/users?filter.searchText=JANE%20d');
    const byEmail = await api('GET', '/api/v1/users?filter.searchText=corp.EXAMPLE');

    expect(byName.data.records.map((u: { userName: string }) => u.userName)).toEqual(['jdoe']);
    expect(byEmail.data.records.map((u: { userName: string }) => u.userName)).toEqual(['jdoe']);
  });

  it('when paths differ only in case, then they reach the same resource', async () => {
    const created = await api('POST', '/api/v1/Users/', { userName: 'case@example.com', displayName: 'Case', password: GOOD_PASSWORD, enabled: true });

    const res = await http.get(`${server.url.replace('/SecretServer', '/secretserver')}/API/V1/USERS/${created.data.id}`, {
      headers: { Authorization: `Bearer ${await token()}` },
    });

    expect(res.status).toBe(200);
    expect(res.data.userName).toBe('case@example.com');
  });

  it('when a user is deleted, then it is disabled, and deleting it again answers 400', async () => {
    const created = await api('POST', '/api/v1/users', { userName: 'del@example.com', displayName: 'Del', password: GOOD_PASSWORD, enabled: true });

    const first = await api('DELETE', `/api/v1/users/${created.data.id}`);
    const second = await api('DELETE', `/api/v1/users/${created.data.id}`);
    const hidden = await api('GET', `/api/v1/users/${created.data.id}`);
    const shown = await api('GET', `/api/v1/users/${created.data.id}?includeInactive=true`);

    expect(first.data).toEqual({ id: created.data.id, objectType: 'User', responseCodes: null });
    expect(second.status).toBe(400);
    expect(hidden.data.errorCode).toBe('API_AccessDenied');
    expect(shown.data.enabled).toBe(false);
  });

  it('when PATCH sends fields, then only dirty ones are applied', async () => {
    const created = await api('POST', '/api/v1/users', {
      userName: 'p@example.com',
      displayName: 'P',
      emailAddress: 'p@example.com',
      password: GOOD_PASSWORD,
      enabled: true,
    });

    const res = await api('PATCH', `/api/v1/users/${created.data.id}`, {
      displayName: { dirty: true, value: 'Patched' },
      emailAddress: { dirty: false, value: 'ignored@example.com' },
    });

    expect(res.data).toMatchObject({ displayName: 'Patched', emailAddress: 'p@example.com' });
  });

  it('when PUT names another id in the body, then it answers 400', async () => {
    const res = await api('PUT', '/api/v1/users/1', { id: 2, displayName: 'X' });

    expect(res.status).toBe(400);
  });
});

describe('simulator groups', () => {
  it('when membership of a directory-synchronised group is edited, then every edit answers 400', async () => {
    const user = sim.state.addUser({ userName: 'm' });
    const group = sim.state.addGroup({ name: 'AD Admins', domainId: 1, synchronized: true });

    const detail = await api('GET', `/api/v1/groups/${group.id}`);
    const edits = await Promise.all([
      api('POST', `/api/v1/groups/${group.id}/users`, { userId: user.id }),
      api('PUT', `/api/v1/groups/${group.id}/users`, { userIds: [user.id] }),
      api('PATCH', `/api/v1/groups/${group.id}/users`, { addedUserIds: [user.id], removeUserIds: [] }),
    ]);

    expect(detail.data).toMatchObject({ synchronized: true, canEditMembers: false });
    expect(edits.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it('when PATCH of a group lacks the data wrapper, then it answers 400; with it, the group is renamed', async () => {
    const group = sim.state.addGroup({ name: 'Old' });

    const bare = await api('PATCH', `/api/v1/groups/${group.id}`, { name: { dirty: true, value: 'New' } });
    const wrapped = await api('PATCH', `/api/v1/groups/${group.id}`, { data: { name: { dirty: true, value: 'New' } } });

    expect(bare.status).toBe(400);
    expect(wrapped.data).toMatchObject({ id: group.id, name: 'New' });
  });

  it('when memberships are patched and listed, then adds, removes and inactive members behave as documented', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n) => sim.state.addUser({ userName: n }));
    c.enabled = false;
    const group = sim.state.addGroup({ name: 'G', memberIds: [a.id] });

    const patch = await api('PATCH', `/api/v1/groups/${group.id}/users`, { addedUserIds: [b.id, c.id], removeUserIds: [a.id] });
    const active = await api('GET', `/api/v1/groups/${group.id}/users?take=50`);
    const all = await api('GET', `/api/v1/groups/${group.id}/users?take=50&filter.includeInactiveUsersForGroup=true`);
    const unknown = await api('PATCH', `/api/v1/groups/${group.id}/users`, { addedUserIds: [9999], removeUserIds: [] });

    expect(patch.data).toEqual({ success: true });
    expect(active.data.records.map((r: { userId: number }) => r.userId)).toEqual([b.id]);
    expect(all.data.records.map((r: { userId: number }) => r.userId)).toEqual([b.id, c.id]);
    expect(unknown.data.errorCode).toBe('API_AccessDenied');
  });

  it('when a member is added twice with POST, then the second answers 400, and DELETE removes it', async () => {
    const user = sim.state.addUser({ userName: 'm' });
    const group = sim.state.addGroup({ name: 'G' });

    const first = await api('POST', `/api/v1/groups/${group.id}/users`, { userId: user.id });
    const again = await api('POST', `/api/v1/groups/${group.id}/users`, { userId: user.id });
    const removed = await api('DELETE', `/api/v1/groups/${group.id}/users/${user.id}`);

    expect(first.data).toMatchObject({ groupId: group.id, userId: user.id });
    expect(again.status).toBe(400);
    expect(removed.status).toBe(200);
    expect(group.memberIds.size).toBe(0);
  });
});

describe('simulator knobs and stats', () => {
  it('when an outage is on, then every call answers 503 HTML until it is turned off', async () => {
    const t = await token();
    sim.setKnobs({ outage: true });

    const down = await http.get('/api/v1/users', { headers: { Authorization: `Bearer ${t}` } });
    sim.setKnobs({ outage: false });
    const up = await http.get('/api/v1/users', { headers: { Authorization: `Bearer ${t}` } });

    expect(down.status).toBe(503);
    expect(String(down.headers['content-type'])).toContain('text/html');
    expect(up.status).toBe(200);
  });

  it('when an outage is set until a timestamp over HTTP, then it ends by itself', async () => {
    const set = await http.post('/_sim/knobs', { outage: new Date(clock + 10_000).toISOString() });
    const during = await http.get('/api/v1/healthcheck');
    clock += 10_000;
    const after = await http.get('/api/v1/healthcheck');

    expect(set.status).toBe(200);
    expect(during.status).toBe(503);
    expect(after.status).toBe(200);
  });

  it('when rate limiting is set for the next 2 calls, then they answer 429 with Retry-After and the third succeeds', async () => {
    sim.setKnobs({ rateLimit: { nextCalls: 2, retryAfterSeconds: 3 } });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await http.get('/api/v1/healthcheck'));

    expect(statuses.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(statuses[0].headers['retry-after']).toBe('3');
  });

  it('when rate limiting asks for an HTTP date, then Retry-After is a date', async () => {
    sim.setKnobs({ rateLimit: { rate: 1, retryAfterSeconds: 2, httpDate: true } });

    const res = await http.get('/api/v1/healthcheck');

    expect(res.status).toBe(429);
    expect(Date.parse(res.headers['retry-after'] as string)).toBe(Math.floor((clock + 2000) / 1000) * 1000);
  });

  it('when latency is set, then each call takes at least that long', async () => {
    sim.setKnobs({ latencyMs: 150 });
    const started = Date.now();

    await http.get('/api/v1/healthcheck');

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('when htmlOn200 or errorRate is 1, then calls answer 200 HTML or 503', async () => {
    sim.setKnobs({ htmlOn200: true });
    const html = await http.get('/api/v1/healthcheck');
    sim.setKnobs({ htmlOn200: false, errorRate: 1 });
    const error = await http.get('/api/v1/healthcheck');

    expect(html.status).toBe(200);
    expect(String(html.data)).toMatch(/^<!DOCTYPE html>/);
    expect(error.status).toBe(503);
  });

  it('when a knob is unknown or out of range, then POST /_sim/knobs answers 400', async () => {
    const unknown = await http.post('/_sim/knobs', { nonsense: 1 });
    const range = await http.post('/_sim/knobs', { errorRate: 2 });

    expect(unknown.status).toBe(400);
    expect(range.status).toBe(400);
  });

  it('when calls are made, then stats count them by endpoint template and the /_sim API is not counted', async () => {
    const created = await api('POST', '/api/v1/users', { userName: 's@example.com', displayName: 'S', password: GOOD_PASSWORD, enabled: true });
    await api('GET', `/api/v1/Users/${created.data.id}`);
    await http.get('/_sim/state');

    const stats = (await http.get('/_sim/stats')).data;

    expect(stats.byEndpoint).toEqual({ 'POST /oauth2/token': 2, 'POST /api/v1/users': 1, 'GET /api/v1/users/{id}': 1 });
    expect(stats.total).toBe(4);
    expect(sim.stats.count('POST /api/v1/users')).toBe(1);
  });

  it('when seeding over HTTP, then realistic users and groups appear in the state', async () => {
    const seeded = await http.post('/_sim/seed', { users: 40, groups: 5, groupOptions: { synchronizedRatio: 0.5 } });
    const state = (await http.get('/_sim/state')).data as {
      users: Array<{ displayName: string; enabled: boolean; emailAddress: string | null }>;
      groups: Array<{ memberIds: number[] }>;
    };

    expect(seeded.data).toEqual({ users: 40, groups: 5 });
    const seededUsers = state.users.slice(1);
    expect(seededUsers.every((u) => !!u.emailAddress)).toBe(true);
    expect(seededUsers.some((u) => u.displayName === '')).toBe(true);
    expect(seededUsers.some((u) => !u.enabled)).toBe(true);
    expect(state.groups.every((g) => g.memberIds.length > 0)).toBe(true);
  });
});
