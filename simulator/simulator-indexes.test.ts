import axios, { AxiosInstance } from 'axios';
import { createSimulator, Simulator, SimulatorServer } from './simulator-app';

/**
 * The simulator answers searchText, userName uniqueness and group names from indexes; these
 * check that every way a user or group can change keeps the answers those of a full scan.
 */
let sim: Simulator;
let server: SimulatorServer;
let http: AxiosInstance;
let token: string;

const GOOD_PASSWORD = 'Str0ng!Passw0rd';

async function api(method: string, path: string, data?: unknown) {
  return http.request({ method, url: path, data, headers: { Authorization: `Bearer ${token}` } });
}

async function search(text: string): Promise<string[]> {
  const res = await api('GET', `/api/v1/users?filter.searchText=${encodeURIComponent(text)}&filter.includeInactive=true&take=100`);
  expect(res.status).toBe(200);
  return (res.data.records as Array<{ userName: string }>).map((u) => u.userName);
}

beforeAll(async () => {
  sim = createSimulator();
  server = await sim.listen(0);
  http = axios.create({ baseURL: server.url, validateStatus: () => true });
  const grant = await http.post('/oauth2/token', 'grant_type=password&username=scim-bridge&password=simulator-password', {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  token = grant.data.access_token;
});

beforeEach(() => {
  sim.reset();
});

afterAll(async () => {
  await server.close();
});

describe('simulator indexes', () => {
  it('when searchText is part of longer emails, then every user containing it comes back, in creation order', async () => {
    sim.state.addUser({ userName: 'xjane', emailAddress: 'xjane@corp.example' });
    sim.state.addUser({ userName: 'jane', emailAddress: 'jane@corp.example' });
    sim.state.addUser({ userName: 'other', displayName: 'JANE@CORP.EXAMPLE.ORG fan' });
    await search('nobody'); // builds the index, so the next user goes through its upkeep

    sim.state.addUser({ userName: 'late', emailAddress: 'Jane@Corp.Example' });

    expect(await search('jane@corp.EXAMPLE')).toEqual(['xjane', 'jane', 'other', 'late']);
  });

  it('when PATCH changes an email, then the new one is found and the old one no longer is', async () => {
    const created = await api('POST', '/api/v1/users', {
      userName: 'mover',
      displayName: 'Mover',
      password: GOOD_PASSWORD,
      emailAddress: 'old.address@corp.example',
      enabled: true,
    });
    expect(await search('old.address')).toEqual(['mover']);

    await api('PATCH', `/api/v1/users/${created.data.id}`, { id: created.data.id, emailAddress: { dirty: true, value: 'new.address@corp.example' } });

    expect(await search('old.address')).toEqual([]);
    expect(await search('new.address')).toEqual(['mover']);
  });

  it('when a test assigns displayName or emailAddress directly, then searches see the new values', async () => {
    const user = sim.state.addUser({ userName: 'direct', displayName: 'Before Name', emailAddress: 'before@corp.example' });
    expect(await search('before')).toEqual(['direct']);

    user.displayName = 'After Name';
    user.emailAddress = 'after@corp.example';

    expect(await search('before')).toEqual([]);
    expect(await search('after name')).toEqual(['direct']);
    expect(await search('after@corp')).toEqual(['direct']);
  });

  it('when a user object from before a reset is changed, then searches of the new state are not disturbed', async () => {
    const stale = sim.state.addUser({ userName: 'stale', emailAddress: 'kept@corp.example' });
    sim.reset();
    const fresh = sim.state.addUser({ userName: 'fresh', emailAddress: 'kept@corp.example' });
    expect(fresh.id).toBe(stale.id);
    expect(await search('kept@corp')).toEqual(['fresh']);

    stale.emailAddress = 'moved@corp.example';

    expect(await search('kept@corp')).toEqual(['fresh']);
  });

  it('when searchText is shorter than three characters, then it still matches anywhere in the fields', async () => {
    sim.state.addUser({ userName: 'qz-user', displayName: 'Q Z' });

    expect(await search('qz')).toEqual(['qz-user']);
    expect(await search('Z')).toEqual(['qz-user']);
  });

  it('when a userName is taken in another case, then a create is refused even after thousands of seeded users', async () => {
    sim.seedUsers(2000);
    const taken = [...sim.state.users.values()][1500].userName;

    const res = await api('POST', '/api/v1/users', { userName: taken.toUpperCase(), displayName: 'Dup', password: GOOD_PASSWORD, enabled: true });

    expect(res.status).toBe(400);
    const lower = [...sim.state.users.values()].map((u) => u.userName.toLowerCase());
    expect(new Set(lower).size).toBe(lower.length);
  });

  it('when a group is renamed, then its old name is free and its new name is taken, in any case', async () => {
    const group = await api('POST', '/api/v1/groups', { name: 'Old Name', enabled: true });

    await api('PATCH', `/api/v1/groups/${group.data.id}`, { data: { name: { dirty: true, value: 'New Name' } } });

    expect((await api('POST', '/api/v1/groups', { name: 'new name', enabled: true })).status).toBe(400);
    expect((await api('POST', '/api/v1/groups', { name: 'OLD NAME', enabled: true })).status).toBe(200);
  });
});
