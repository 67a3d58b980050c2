import nock from 'nock';
import type { ParsedUrlQuery } from 'node:querystring';
import { MAX_PAGE_SIZE } from '../../src/secret-server/secret-server-client';
import { API_PASSWORD, BASE_PATH, ORIGIN, capturingLogger, expectGrant, makeClient, paging, setUpNock, userSummary } from './client-fixtures';

setUpNock();

const USER_MODEL = { ...userSummary(7, 'ada@example.com', 'ada@example.com'), displayName: 'Ada Lovelace' };
const GROUP_MODEL = { id: 4, name: 'Finance', enabled: true, domainId: -1, synchronized: false, canEditMembers: true };

describe('SecretServerClient base URL joining', () => {
  it('when the on-prem base URL has a path and a trailing slash, then calls keep the path and tolerate the slash', async () => {
    const scope = nock(ORIGIN)
      .post('/SecretServer/oauth2/token')
      .reply(200, { access_token: 't', token_type: 'bearer', expires_in: 1200 })
      .get('/SecretServer/api/v1/users/7')
      .query(true)
      .reply(200, USER_MODEL);
    const { client } = makeClient({ baseUrl: `${ORIGIN}/SecretServer/` });

    await client.getUser(7);

    scope.done();
  });

  it('when the base URL is a Secret Server Cloud tenant, then calls go to the site root', async () => {
    const cloud = 'https://acme.secretservercloud.com';
    const scope = nock(cloud)
      .post('/oauth2/token')
      .reply(200, { access_token: 't', token_type: 'bearer', expires_in: 1200 })
      .get('/api/v1/users/7')
      .query(true)
      .reply(200, USER_MODEL);
    const { client } = makeClient({ baseUrl: cloud });

    await client.getUser(7);

    expect(client.baseUrl).toBe(cloud);
    scope.done();
  });
});

describe('SecretServerClient paging', () => {
  it('when a search spans several pages, then it follows nextSkip with take = pageSize and includes inactive users', async () => {
    const all = [1, 2, 3, 4, 5].map((id) => userSummary(id, `u${id}`, `u${id}@example.com`, id !== 3));
    const seen: ParsedUrlQuery[] = [];
    const scope = expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query((q) => {
        seen.push(q);
        return true;
      })
      .times(3)
      .reply(200, (uri) => {
        const q = new URL(uri, ORIGIN).searchParams;
        const skip = Number(q.get('skip'));
        const take = Number(q.get('take'));
        return paging(all.slice(skip, skip + take), skip, take, all.length);
      });
    const { client } = makeClient({ pageSize: 2 });

    const users = await client.searchUsers('example.com', { includeInactive: true });

    expect(users.map((u) => u.id)).toEqual([1, 2, 3, 4, 5]);
    expect(users[2].enabled).toBe(false);
    expect(seen.map((q) => q.skip)).toEqual(['0', '2', '4']);
    expect(seen.every((q) => q.take === '2' && q['filter.includeInactive'] === 'true' && q['filter.searchText'] === 'example.com')).toBe(true);
    scope.done();
  });

  it('when pageSize is configured absurdly large, then take is capped and never the connector’s 999999999', async () => {
    let take: ParsedUrlQuery[string];
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query((q) => {
        take = q.take;
        return true;
      })
      .reply(200, paging([], 0, MAX_PAGE_SIZE, 0));
    const { client } = makeClient({ pageSize: 999999999 });

    await client.searchUsers('x');

    expect(take).toBe(String(MAX_PAGE_SIZE));
  });

  it('when a group has members over two pages, then listGroupMembers returns all of them, disabled ones included', async () => {
    const member = (userId: number, enabled = true) => ({
      groupId: 4,
      groupName: 'Finance',
      userId,
      userName: `u${userId}`,
      displayName: null,
      enabled,
      userDomainId: -1,
    });
    const scope = expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/groups/4/users`)
      .query({ 'filter.includeInactiveUsersForGroup': 'true', 'sortBy[0].name': 'userName', 'sortBy[0].direction': 'asc', skip: '0', take: '2' })
      .reply(200, paging([member(1), member(2, false)], 0, 2, 3))
      .get(`${BASE_PATH}/api/v1/groups/4/users`)
      .query({ 'filter.includeInactiveUsersForGroup': 'true', 'sortBy[0].name': 'userName', 'sortBy[0].direction': 'asc', skip: '2', take: '2' })
      .reply(200, paging([member(3)], 2, 2, 3));
    const { client } = makeClient({ pageSize: 2 });

    const members = await client.listGroupMembers(4);

    expect(members).toEqual([
      { userId: 1, userName: 'u1', displayName: '', enabled: true, domainId: -1 },
      { userId: 2, userName: 'u2', displayName: '', enabled: false, domainId: -1 },
      { userId: 3, userName: 'u3', displayName: '', enabled: true, domainId: -1 },
    ]);
    scope.done();
  });

  it('when the import asks for one page of groups, then it gets items and the next skip', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/groups`)
      .query({ 'filter.includeInactive': 'true', 'sortBy[0].name': 'name', 'sortBy[0].direction': 'asc', skip: '0', take: '1' })
      .reply(200, paging([{ id: 4, name: 'Finance', enabled: true, domainId: -1, memberCount: 3 }], 0, 1, 2));
    const { client } = makeClient();

    const page = await client.listGroupsPage(0, 1);

    expect(page).toMatchObject({ total: 2, hasNext: true, nextSkip: 1, items: [{ id: 4, name: 'Finance', memberCount: 3 }] });
  });
});

describe('SecretServerClient lookups and writes', () => {
  const searchReply = (records: unknown[]) => paging(records, 0, 500, records.length);

  it('when several users contain the email text, then findUserOwningEmail picks the exact case-insensitive email match', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(true)
      .reply(200, searchReply([userSummary(1, 'xada', 'xada@example.com'), userSummary(2, 'ada', 'ADA@Example.com', false)]));
    const { client } = makeClient();

    await expect(client.findUserOwningEmail('ada@example.com')).resolves.toMatchObject({ id: 2, enabled: false });
  });

  it('when no email matches but a userName equals the email, then findUserOwningEmail falls back to it', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(true)
      .reply(200, searchReply([userSummary(9, 'Ada@example.com', null)]));
    const { client } = makeClient();

    await expect(client.findUserOwningEmail('ada@example.com')).resolves.toMatchObject({ id: 9 });
  });

  it('when a userName equals the email but that account holds another email, then findUserOwningEmail does not take it', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(true)
      .reply(200, searchReply([userSummary(9, 'ada@example.com', 'someone.else@example.com')]));
    const { client } = makeClient();

    await expect(client.findUserOwningEmail('ada@example.com')).resolves.toBeNull();
  });

  it('when only partial matches exist, then findUserOwningEmail returns null', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(true)
      .reply(200, searchReply([userSummary(1, 'ada.l', 'ada.l@example.com')]));
    const { client } = makeClient();

    await expect(client.findUserOwningEmail('ada@example.com')).resolves.toBeNull();
  });

  it('when a user is created, then the body is a local enabled user with domainId -1', async () => {
    let body: Record<string, unknown> = {};
    expectGrant(nock(ORIGIN))
      .post(`${BASE_PATH}/api/v1/users`, (b: Record<string, unknown>) => {
        body = b;
        return true;
      })
      .reply(200, USER_MODEL);
    const { client, calls } = makeClient();

    const user = await client.createUser({
      userName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      emailAddress: 'ada@example.com',
      enabled: true,
      password: 'Pw-1234567890abc',
    });

    expect(body).toMatchObject({
      userName: 'ada@example.com',
      displayName: 'Ada Lovelace',
      emailAddress: 'ada@example.com',
      enabled: true,
      password: 'Pw-1234567890abc',
      domainId: -1,
    });
    expect(user).toMatchObject({ id: 7, displayName: 'Ada Lovelace' });
    expect(calls.map((c) => c.endpoint)).toEqual(['POST /oauth2/token', 'POST /api/v1/users']);
  });

  it('when a user is updated, then only the given fields are sent as {dirty:true,value}', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .patch(`${BASE_PATH}/api/v1/users/7`, { id: 7, enabled: { dirty: true, value: false }, emailAddress: { dirty: true, value: 'a@b.example' } })
      .reply(200, { ...USER_MODEL, enabled: false });
    const { client } = makeClient();

    await expect(client.updateUser(7, { enabled: false, emailAddress: 'a@b.example' })).resolves.toMatchObject({ enabled: false });
    scope.done();
  });

  it('when a group is renamed, then PUT carries id, name and enabled (every Web API version has it)', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .put(`${BASE_PATH}/api/v1/groups/4`, { id: 4, name: 'Treasury', enabled: true })
      .reply(200, { ...GROUP_MODEL, name: 'Treasury' });
    const { client } = makeClient();

    await expect(client.updateGroup(4, { name: 'Treasury', enabled: true })).resolves.toMatchObject({ id: 4, name: 'Treasury' });
    scope.done();
  });

  it('when the server answers the membership PATCH with 405, then each member is added or removed by one call, and the PATCH is not tried again', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .patch(`${BASE_PATH}/api/v1/groups/4/users`)
      .reply(405, { message: "The requested resource does not support http method 'PATCH'." }, { Allow: 'GET, POST' })
      .post(`${BASE_PATH}/api/v1/groups/4/users`, { userId: 1 })
      .reply(200, { groupId: 4, userId: 1 })
      .post(`${BASE_PATH}/api/v1/groups/4/users`, { userId: 2 })
      .reply(200, { groupId: 4, userId: 2 })
      .delete(`${BASE_PATH}/api/v1/groups/4/users/3`)
      .reply(200, { id: 3, objectType: 'GroupUser' })
      .post(`${BASE_PATH}/api/v1/groups/5/users`, { userId: 9 })
      .reply(200, { groupId: 5, userId: 9 });
    const { client, calls } = makeClient();

    await client.updateGroupMembers(4, [1, 2], [3]);
    await client.updateGroupMembers(5, [9], []);

    expect(calls.filter((c) => c.endpoint === 'PATCH /api/v1/groups/{id}/users')).toHaveLength(1);
    scope.done();
  });

  it('when the membership route answers 404 before the PATCH is known to work, then the one-by-one calls are tried; a 404 they share is rethrown', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .patch(`${BASE_PATH}/api/v1/groups/4/users`)
      .reply(404, 'Not Found', { 'Content-Type': 'text/plain' })
      .post(`${BASE_PATH}/api/v1/groups/4/users`, { userId: 1 })
      .reply(404, 'Not Found', { 'Content-Type': 'text/plain' })
      .patch(`${BASE_PATH}/api/v1/groups/4/users`)
      .reply(200, { success: true });
    const { client } = makeClient();

    await expect(client.updateGroupMembers(4, [1], [])).rejects.toMatchObject({ status: 404 });
    await client.updateGroupMembers(4, [1], []);
    scope.done();
  });

  it('when any list is paged, then it sends an explicit sort (sortBy[0].name, direction asc)', async () => {
    const sorted = (name: string) => (q: Record<string, unknown>) => q['sortBy[0].name'] === name && q['sortBy[0].direction'] === 'asc';
    const scope = expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(sorted('userName'))
      .reply(200, paging([], 0, 500, 0))
      .get(`${BASE_PATH}/api/v1/users`)
      .query(sorted('userName'))
      .reply(200, paging([], 0, 500, 0))
      .get(`${BASE_PATH}/api/v1/groups`)
      .query(sorted('name'))
      .reply(200, paging([], 0, 500, 0))
      .get(`${BASE_PATH}/api/v1/groups`)
      .query(sorted('name'))
      .reply(200, paging([], 0, 500, 0));
    const { client } = makeClient();

    await client.findUserOwningEmail('ada@example.com');
    await client.listUsersPage(0);
    await client.findGroupByName('Finance');
    await client.listGroupsPage(0);
    scope.done();
  });

  it('when memberships change, then one PATCH carries addedUserIds and removeUserIds, and no change makes no call', async () => {
    const scope = expectGrant(nock(ORIGIN))
      .patch(`${BASE_PATH}/api/v1/groups/4/users`, { addedUserIds: [1, 2], removeUserIds: [3] })
      .reply(200, { success: true });
    const { client, calls } = makeClient();

    await client.updateGroupMembers(4, [1, 2], [3]);
    await client.updateGroupMembers(4, [], []);

    expect(calls.filter((c) => c.endpoint === 'PATCH /api/v1/groups/{id}/users')).toHaveLength(1);
    scope.done();
  });

  it('when several groups contain the name, then findGroupByName returns the exact case-insensitive match', async () => {
    expectGrant(nock(ORIGIN))
      .get(`${BASE_PATH}/api/v1/groups`)
      .query({
        'filter.searchText': 'finance',
        'filter.includeInactive': 'true',
        'sortBy[0].name': 'name',
        'sortBy[0].direction': 'asc',
        skip: '0',
        take: '500',
      })
      .reply(
        200,
        searchReply([
          { id: 3, name: 'Finance Admins', enabled: true, domainId: -1 },
          { id: 4, name: 'Finance', enabled: true, domainId: -1 },
        ]),
      );
    const { client } = makeClient();

    await expect(client.findGroupByName('finance')).resolves.toMatchObject({ id: 4, name: 'Finance' });
  });

  it('when a group is deleted, then DELETE is sent and its endpoint label is a template', async () => {
    expectGrant(nock(ORIGIN)).delete(`${BASE_PATH}/api/v1/groups/4`).reply(200, { id: 4, objectType: 'Group', responseCodes: null });
    const { client, calls } = makeClient();

    await client.deleteGroup(4);

    expect(calls.at(-1)).toMatchObject({ endpoint: 'DELETE /api/v1/groups/{id}', status: 200 });
  });
});

describe('SecretServerClient dry run', () => {
  it('when dryRun is on, then writes are logged without passwords and not sent, while reads still go out', async () => {
    const { logger, text } = capturingLogger();
    const scope = expectGrant(nock(ORIGIN)).get(`${BASE_PATH}/api/v1/users/7`).query(true).times(2).reply(200, USER_MODEL);
    const { client, calls } = makeClient({ dryRun: true }, { logger });

    const created = await client.createUser({
      userName: 'bob@example.com',
      displayName: 'Bob',
      emailAddress: 'bob@example.com',
      enabled: true,
      password: 'Secret-Pw-123456',
    });
    const updated = await client.updateUser(7, { enabled: false });
    const group = await client.createGroup('Finance');
    await client.updateGroupMembers(group.id, [created.id], []);
    await client.deleteGroup(4);
    const read = await client.getUser(7);

    expect(created.id).toBeLessThan(0);
    expect(created).toMatchObject({ userName: 'bob@example.com', enabled: true });
    expect(created).not.toHaveProperty('password');
    expect(updated).toMatchObject({ id: 7, enabled: false });
    expect(group).toMatchObject({ name: 'Finance', enabled: true });
    expect(read.id).toBe(7);
    expect(calls.map((c) => c.endpoint)).toEqual(['POST /oauth2/token', 'GET /api/v1/users/{id}', 'GET /api/v1/users/{id}']);
    const logged = text();
    expect(logged).toContain('dry run');
    expect(logged).toContain('/api/v1/users');
    expect(logged).toContain('"method":"POST"');
    expect(logged).not.toContain('Secret-Pw-123456');
    expect(logged).not.toContain(API_PASSWORD);
    scope.done();
  });
});
