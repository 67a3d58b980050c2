import axios, { AxiosInstance, AxiosResponse } from 'axios';
import { createSimulator, Simulator, SimulatorOptions, SimulatorServer } from './simulator-app';
import { DUPLICATE_USER_NAME_MESSAGE } from './users-routes';

const GOOD_PASSWORD = 'Str0ng!Passw0rd';
const FORM = { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } };
const ACCESS_DENIED = { errorCode: 'API_AccessDenied', message: 'Access Denied' };

interface Running {
  sim: Simulator;
  server: SimulatorServer;
  /** Talks to server.url: the Secret Server, or the Platform root in the platform profile. */
  http: AxiosInstance;
}

/** Starts a simulator on loopback for one describe block. */
function running(options: SimulatorOptions): Running {
  const r = {} as Running;
  beforeAll(async () => {
    r.sim = createSimulator(options);
    r.server = await r.sim.listen(0, '127.0.0.1');
    r.http = axios.create({ baseURL: r.server.url, validateStatus: () => true });
  });
  beforeEach(() => r.sim.reset());
  afterAll(async () => {
    await r.server.close();
  });
  return r;
}

async function passwordToken(http: AxiosInstance): Promise<string> {
  const res = await http.post(
    '/oauth2/token',
    new URLSearchParams({ grant_type: 'password', username: 'scim-bridge', password: 'simulator-password' }).toString(),
    FORM,
  );
  expect(res.status).toBe(200);
  return (res.data as { access_token: string }).access_token;
}

function platformGrant(http: AxiosInstance, fields: Record<string, string> = {}): Promise<AxiosResponse> {
  const form = { client_id: 'scim-bridge', client_secret: 'simulator-password', grant_type: 'client_credentials', scope: 'xpmheadless', ...fields };
  return http.post('/identity/api/oauth2/token/xpmplatform', new URLSearchParams(form).toString(), FORM);
}

/** One authenticated call against the Secret Server API of a current or legacy simulator. */
async function api(r: Running, method: string, path: string, data?: unknown): Promise<AxiosResponse> {
  return r.http.request({ method, url: path, data, headers: { Authorization: `Bearer ${await passwordToken(r.http)}` } });
}

describe('simulator legacy profile', () => {
  const r = running({ profile: 'legacy' });

  it('when the group PATCH endpoints or the member replace are called, then they answer 405 with the Web API body and Allow', async () => {
    const user = r.sim.state.addUser({ userName: 'm' });
    const group = r.sim.state.addGroup({ name: 'G' });

    const rename = await api(r, 'PATCH', `/api/v1/groups/${group.id}`, { data: { name: { dirty: true, value: 'New' } } });
    const bulk = await api(r, 'PATCH', `/api/v1/groups/${group.id}/users`, { addedUserIds: [user.id], removeUserIds: [] });
    const replace = await api(r, 'PUT', `/api/v1/groups/${group.id}/users`, { userIds: [user.id] });

    expect(rename.status).toBe(405);
    expect(rename.data).toEqual({ message: "The requested resource does not support http method 'PATCH'." });
    expect(rename.headers.allow).toBe('GET, PUT, DELETE');
    expect(bulk.status).toBe(405);
    expect(bulk.data).toEqual({ message: "The requested resource does not support http method 'PATCH'." });
    expect(bulk.headers.allow).toBe('GET, POST');
    expect(replace.status).toBe(405);
    expect(replace.data).toEqual({ message: "The requested resource does not support http method 'PUT'." });
    expect(replace.headers.allow).toBe('GET, POST');
    expect(group.name).toBe('G');
    expect(group.memberIds.size).toBe(0);
  });

  it('when the older endpoints are used instead, then PUT renames and POST/DELETE edit members one at a time', async () => {
    const user = r.sim.state.addUser({ userName: 'm' });
    const group = r.sim.state.addGroup({ name: 'G' });

    const renamed = await api(r, 'PUT', `/api/v1/groups/${group.id}`, { id: group.id, name: 'Renamed', enabled: true });
    const added = await api(r, 'POST', `/api/v1/groups/${group.id}/users`, { userId: user.id });
    const afterAdd = [...group.memberIds];
    const removed = await api(r, 'DELETE', `/api/v1/groups/${group.id}/users/${user.id}`);

    expect(r.sim.profile).toBe('legacy');
    expect(renamed.data).toMatchObject({ id: group.id, name: 'Renamed', enabled: true });
    expect(added.data).toMatchObject({ groupId: group.id, userId: user.id });
    expect(afterAdd).toEqual([user.id]);
    expect(removed.status).toBe(200);
    expect(group.memberIds.size).toBe(0);
  });
});

describe('simulator platform profile', () => {
  const r = running({ profile: 'platform' });

  async function platformToken(): Promise<string> {
    const res = await platformGrant(r.http);
    expect(res.status).toBe(200);
    return (res.data as { access_token: string }).access_token;
  }

  it('when listening, then url is the tenant root and vaultUrl the Secret Server under basePath', () => {
    expect(r.server.url).toBe(`http://127.0.0.1:${r.server.port}`);
    expect(r.server.vaultUrl).toBe(`http://127.0.0.1:${r.server.port}/SecretServer`);
  });

  it('when a client detects the server type, then /health is healthy and the root has no Secret Server health check', async () => {
    const health = await r.http.get('/health');
    const ssHealth = await r.http.get('/api/v1/healthcheck');
    const vaultHealth = await r.http.get(`${r.server.vaultUrl}/api/v1/healthcheck`);

    expect(health.status).toBe(200);
    expect(JSON.stringify(health.data)).toContain('healthy');
    expect(ssHealth.status).toBe(404);
    expect(JSON.stringify(ssHealth.data).toLowerCase()).not.toContain('healthy');
    expect(vaultHealth.status).toBe(200);
  });

  it('when the service user asks for a client_credentials token, then it gets a bearer token', async () => {
    const res = await platformGrant(r.http);

    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ token_type: 'bearer', expires_in: 1200 });
    expect(typeof res.data.access_token).toBe('string');
  });

  it('when the grant is wrong, then the answers are invalid_client, invalid_scope or unsupported_grant_type', async () => {
    const account = r.sim.state.users.get(r.sim.state.apiUserId)!;

    const secret = await platformGrant(r.http, { client_secret: 'nope' });
    const scope = await platformGrant(r.http, { scope: 'openid' });
    const noScope = await platformGrant(r.http, { scope: '' });
    const password = await platformGrant(r.http, { grant_type: 'password' });

    expect(secret.status).toBe(400);
    expect(secret.data).toEqual({ error: 'invalid_client' });
    expect(account.loginFailures).toBe(1);
    expect(scope.status).toBe(400);
    expect(scope.data).toEqual({ error: 'invalid_scope' });
    expect(noScope.data).toEqual({ error: 'invalid_scope' });
    expect(password.data).toEqual({ error: 'unsupported_grant_type' });
  });

  it('when the vault broker is asked without a token, then it answers 401; with one, the default active vault is the vault URL', async () => {
    const anonymous = await r.http.get('/vaultbroker/api/vaults');
    const res = await r.http.get('/vaultbroker/api/vaults', { headers: { Authorization: `Bearer ${await platformToken()}` } });
    const vaults = res.data.vaults as Array<{ isDefault: boolean; isActive: boolean; type: string; connection: { url: string } }>;

    expect(anonymous.status).toBe(401);
    expect(res.status).toBe(200);
    expect(vaults[0]).toMatchObject({ isDefault: false, isActive: false });
    expect(vaults[0].connection.url).not.toBe(r.server.vaultUrl);
    expect(vaults.filter((v) => v.isDefault && v.isActive).map((v) => v.connection.url)).toEqual([r.server.vaultUrl]);
    expect(vaults.every((v) => v.type === 'SecretServer')).toBe(true);
  });

  it('when the vault API is called with the Platform token, then it answers as the API account; the vault has no password grant', async () => {
    const headers = { Authorization: `Bearer ${await platformToken()}` };

    const current = await r.http.get(`${r.server.vaultUrl}/api/v1/users/current`, { headers });
    const created = await r.http.post(
      `${r.server.vaultUrl}/api/v1/users`,
      { userName: 'p@example.com', displayName: 'P', password: GOOD_PASSWORD, enabled: true },
      { headers },
    );
    const vaultGrant = await r.http.post(
      `${r.server.vaultUrl}/oauth2/token`,
      new URLSearchParams({ grant_type: 'password', username: 'scim-bridge', password: 'simulator-password' }).toString(),
      FORM,
    );

    expect(current.status).toBe(200);
    expect(current.data.userName).toBe('scim-bridge');
    expect(created.status).toBe(200);
    expect(vaultGrant.status).toBe(404);
  });

  it('when /_sim is used at the root, then it controls the same simulator, and platform calls are counted and shaped by the knobs', async () => {
    await platformGrant(r.http);
    await r.http.get('/health');
    const rootState = await r.http.get('/_sim/state');
    const vaultState = await r.http.get(`${r.server.vaultUrl}/_sim/state`);
    const stats = (await r.http.get('/_sim/stats')).data;
    await r.http.post('/_sim/knobs', { outage: true });
    const down = await r.http.get('/health');

    expect(rootState.status).toBe(200);
    expect(rootState.data).toMatchObject({ profile: 'platform', users: [{ userName: 'scim-bridge' }] });
    expect(vaultState.data.users).toEqual(rootState.data.users);
    expect(stats.byEndpoint).toEqual({ 'POST /identity/api/oauth2/token/xpmplatform': 1, 'GET /health': 1 });
    expect(down.status).toBe(503);
  });
});

describe('simulator refusals to disable', () => {
  const r = running({});

  it('when the calling user disables itself by PATCH, PUT or DELETE, then each answers 400 Access Denied and nothing changes', async () => {
    const self = r.sim.state.users.get(r.sim.state.apiUserId)!;
    const before = { ...self };

    const patch = await api(r, 'PATCH', `/api/v1/users/${self.id}`, { displayName: { dirty: true, value: 'Gone' }, enabled: { dirty: true, value: false } });
    const put = await api(r, 'PUT', `/api/v1/users/${self.id}`, { id: self.id, displayName: 'Gone', enabled: false });
    const del = await api(r, 'DELETE', `/api/v1/users/${self.id}`);

    for (const res of [patch, put, del]) {
      expect(res.status).toBe(400);
      expect(res.data).toEqual(ACCESS_DENIED);
    }
    expect(self).toMatchObject({ enabled: true, displayName: before.displayName, isApplicationAccount: true });
  });

  it('when the calling user edits itself without disabling, then the change is applied', async () => {
    const res = await api(r, 'PATCH', `/api/v1/users/${r.sim.state.apiUserId}`, { displayName: { dirty: true, value: 'Renamed account' } });

    expect(res.status).toBe(200);
    expect(res.data.displayName).toBe('Renamed account');
  });

  it('when refuseDisable names a user in another case, then disabling or deleting it is refused and other users still disable', async () => {
    const svc = r.sim.state.addUser({ userName: 'Platform-Service', displayName: 'Service' });
    const other = r.sim.state.addUser({ userName: 'ordinary', displayName: 'Ordinary' });

    const set = await r.http.post('/_sim/knobs', { refuseDisable: ['platform-service'] });
    const patch = await api(r, 'PATCH', `/api/v1/users/${svc.id}`, { enabled: { dirty: true, value: false } });
    const put = await api(r, 'PUT', `/api/v1/users/${svc.id}`, { id: svc.id, displayName: 'Service', enabled: false });
    const del = await api(r, 'DELETE', `/api/v1/users/${svc.id}`);
    const ordinary = await api(r, 'DELETE', `/api/v1/users/${other.id}`);

    expect(set.data.refuseDisable).toEqual(['platform-service']);
    for (const res of [patch, put, del]) expect(res.data).toEqual(ACCESS_DENIED);
    expect(svc.enabled).toBe(true);
    expect(ordinary.status).toBe(200);
    expect(other.enabled).toBe(false);
  });

  it('when refuseDisable is not a list of userNames, then POST /_sim/knobs answers 400', async () => {
    const bad = await r.http.post('/_sim/knobs', { refuseDisable: 'svc' });
    const mixed = await r.http.post('/_sim/knobs', { refuseDisable: ['svc', 3] });

    expect(bad.status).toBe(400);
    expect(mixed.status).toBe(400);
    expect(r.sim.knobs.refuseDisable).toEqual([]);
  });
});

describe('simulator restored backup', () => {
  const r = running({});

  it('when restored from a backup, then an id handed out before belongs to stranger0 and tokens, knobs and stats stay', async () => {
    const token = await passwordToken(r.http);
    const headers = { Authorization: `Bearer ${token}` };
    const created = await r.http.post(
      '/api/v1/users',
      { userName: 'ours@example.com', displayName: 'Ours', password: GOOD_PASSWORD, enabled: true },
      { headers },
    );
    r.sim.setKnobs({ refuseDisable: ['someone'] });
    const callsBefore = r.sim.stats.total;

    const strangers = r.sim.restoreBackup();
    const there = await r.http.get(`/api/v1/users/${created.data.id}`, { headers });

    expect(strangers).toHaveLength(10);
    expect(strangers[0].id).toBe(created.data.id);
    expect(there.status).toBe(200);
    expect(there.data).toMatchObject({ userName: 'stranger0', emailAddress: 'stranger0@restored.example', displayName: 'Stranger 0', enabled: true });
    expect(r.sim.state.findUserByUserName('ours@example.com')).toBeUndefined();
    expect(r.sim.knobs.refuseDisable).toEqual(['someone']);
    expect(r.sim.stats.total).toBe(callsBefore + 1);
  });

  it('when restore-backup is posted, then it answers the strangers; a bad count answers 400', async () => {
    r.sim.state.addGroup({ name: 'Gone' });

    const res = await r.http.post('/_sim/restore-backup', { strangers: 2 });
    const bad = await r.http.post('/_sim/restore-backup', { strangers: -1 });

    expect(res.data).toEqual({
      ok: true,
      users: [
        { id: 2, userName: 'stranger0' },
        { id: 3, userName: 'stranger1' },
      ],
    });
    expect(r.sim.state.groups.size).toBe(0);
    expect(bad.status).toBe(400);
  });
});

describe('simulator users and groups as real servers answer them', () => {
  const r = running({});

  it('when a create names the userName of an inactive user, then it answers 400 with a message and no errorCode', async () => {
    r.sim.state.addUser({ userName: 'gone@example.com', enabled: false });

    const res = await api(r, 'POST', '/api/v1/users', { userName: 'Gone@Example.com', displayName: 'Back', password: GOOD_PASSWORD, enabled: true });

    expect(res.status).toBe(400);
    expect(res.data).toEqual({ message: DUPLICATE_USER_NAME_MESSAGE });
  });

  it('when members are listed with sortBy, then they come in that order and paging visits each once', async () => {
    const [c, a, b] = [
      ['carol', 'Carol'],
      ['alice', 'Alice'],
      ['bob', 'Bob'],
    ].map(([userName, displayName]) => r.sim.state.addUser({ userName, displayName }));
    const group = r.sim.state.addGroup({ name: 'G', memberIds: [c.id, a.id, b.id] });
    const names = (res: AxiosResponse) => (res.data.records as Array<{ userName: string }>).map((m) => m.userName);
    const url = `/api/v1/groups/${group.id}/users`;

    const asc = await api(r, 'GET', `${url}?sortBy[0].name=DisplayName&sortBy[0].direction=asc&take=10`);
    const desc = await api(r, 'GET', `${url}?sortBy[0].name=userName&sortBy[0].direction=desc&take=10`);
    const byId = await api(r, 'GET', `${url}?sortBy[0].name=userId&sortBy[0].direction=asc&take=10`);
    const pages = [];
    for (let skip = 0; skip < 3; skip += 2)
      pages.push(...names(await api(r, 'GET', `${url}?sortBy[0].name=displayName&sortBy[0].direction=asc&skip=${skip}&take=2`)));

    expect(names(asc)).toEqual(['alice', 'bob', 'carol']);
    expect(names(desc)).toEqual(['carol', 'bob', 'alice']);
    expect(names(byId)).toEqual(['carol', 'alice', 'bob']);
    expect(pages).toEqual(['alice', 'bob', 'carol']);
  });

  it('when users and groups are listed with sortBy, then displayName, userName and name order them', async () => {
    r.sim.state.addUser({ userName: 'zed', displayName: 'Adam' });
    r.sim.state.addUser({ userName: 'amy', displayName: 'Zoe' });
    r.sim.state.addGroup({ name: 'Beta' });
    r.sim.state.addGroup({ name: 'alpha' });

    const byDisplay = await api(r, 'GET', '/api/v1/users?sortBy[0].name=displayName&sortBy[0].direction=asc&take=10');
    const byUserName = await api(r, 'GET', '/api/v1/users?sortBy[0].name=userName&sortBy[0].direction=asc&take=10');
    const groups = await api(r, 'GET', '/api/v1/groups?sortBy[0].name=name&sortBy[0].direction=asc&take=10');

    expect(byDisplay.data.records.map((u: { userName: string }) => u.userName)).toEqual(['zed', 'scim-bridge', 'amy']);
    expect(byUserName.data.records.map((u: { userName: string }) => u.userName)).toEqual(['amy', 'scim-bridge', 'zed']);
    expect(groups.data.records.map((g: { name: string }) => g.name)).toEqual(['alpha', 'Beta']);
  });

  it('when a group is disabled, then includeInactive finds it and PUT enabled:true enables it again', async () => {
    const group = r.sim.state.addGroup({ name: 'Dormant', enabled: false });

    const hidden = await api(r, 'GET', '/api/v1/groups?filter.searchText=dormant');
    const found = await api(r, 'GET', '/api/v1/groups?filter.searchText=dormant&filter.includeInactive=true');
    const enabled = await api(r, 'PUT', `/api/v1/groups/${group.id}`, { id: group.id, name: 'Dormant', enabled: true });
    const visible = await api(r, 'GET', '/api/v1/groups?filter.searchText=dormant');

    expect(hidden.data.total).toBe(0);
    expect(found.data.records).toEqual([expect.objectContaining({ id: group.id, enabled: false })]);
    expect(enabled.data).toMatchObject({ id: group.id, enabled: true });
    expect(visible.data.total).toBe(1);
  });
});
