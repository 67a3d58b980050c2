/**
 * The requests of Okta's SCIM 2.0 SPEC and CRUD tests and its provisioning flows, in order: every request Okta (and its SPEC test) sends, against the real app
 * over HTTP with a real Redis. Names read "when ..., then ...".
 */
import { startHarness, Harness, TEST_SCIM_TOKEN } from '../support/bridge-harness';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Runscope123', familyName: 'Abcdefghi123' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: 'Runscope123 Abcdefghi123',
    locale: 'en-US',
    externalId: `00u${Math.random().toString(36).slice(2, 12)}`,
    groups: [],
    password: '1mz050nq',
    active: true,
    ...extra,
  };
}

const q = (filter: string) => encodeURIComponent(filter);

describe('Okta acceptance list (the Okta SPEC and CRUD tests, in order)', () => {
  let h: Harness;
  let seededId: string;

  beforeAll(async () => {
    h = await startHarness();
    const seeded = await h.scim('POST', '/Users', oktaUser('seed.user@example.com', { name: { givenName: 'Seed', familyName: 'User' } }));
    seededId = seeded.body.id;
  });
  afterAll(async () => {
    await h.stop();
  });

  describe('connection and auth', () => {
    it('1. when Okta probes Users with startIndex=1&count=2, then a ListResponse with integer counters', async () => {
      const res = await h.scim('GET', '/Users?startIndex=1&count=2');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/scim\+json/);
      expect(res.body.schemas).toContain(LIST_SCHEMA);
      expect(Number.isInteger(res.body.totalResults)).toBe(true);
      expect(res.body.startIndex).toBe(1);
      expect(Number.isInteger(res.body.itemsPerPage)).toBe(true);
      expect(res.body.Resources.length).toBeLessThanOrEqual(2);
    });

    it('2. when the Authorization header is "non-token", then 401 with a SCIM error body', async () => {
      const res = await h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: 'non-token' });
      expect(res.status).toBe(401);
      expect(res.body.schemas).toContain(ERROR_SCHEMA);
      expect(res.body.status).toBe('401');
      expect(res.body.detail).toBeTruthy();
    });

    it('3. when there is no Authorization header, then 401 with a SCIM error body', async () => {
      const res = await fetch(`${h.scimUrl}/Users?startIndex=1&count=2`);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { status: string };
      expect(body.status).toBe('401');
    });

    it('4. when the token is sent bare or with a lower-case scheme, then 200', async () => {
      for (const value of [TEST_SCIM_TOKEN, `bearer ${TEST_SCIM_TOKEN}`, `BEARER  ${TEST_SCIM_TOKEN}`]) {
        const res = await h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: value });
        expect(res.status).toBe(200);
      }
    });

    it('5. when a token is rotated with no grace, then the old one gets 401 and the new one 200', async () => {
      const issued = await h.bridge.container.tokens.create('okta');
      const old = await h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: `Bearer ${issued.token}` });
      expect(old.status).toBe(200);
      const rotated = await h.bridge.container.tokens.rotate(issued.id, 0);
      expect((await h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: `Bearer ${issued.token}` })).status).toBe(401);
      expect((await h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: `Bearer ${rotated.token}` })).status).toBe(200);
    });

    it('6. when Okta probes Groups with startIndex=1&count=100, then a ListResponse', async () => {
      const res = await h.scim('GET', '/Groups?startIndex=1&count=100');
      expect(res.status).toBe(200);
      expect(res.body.schemas).toContain(LIST_SCHEMA);
      expect(Array.isArray(res.body.Resources)).toBe(true);
    });
  });

  describe('SPEC suite, in Runscope order', () => {
    const userName = `Runscope123Abcdefghi${Date.now()}@atko.com`;
    let createdId: string;

    it('7-8. when the first user is listed and read by id, then it has every required attribute', async () => {
      const list = await h.scim('GET', '/Users?count=1&startIndex=1');
      expect(list.status).toBe(200);
      const first = list.body.Resources[0];
      for (const value of [first.id, first.userName, first.name.givenName, first.name.familyName, first.emails[0].value]) expect(value).toBeTruthy();
      expect(typeof first.active).toBe('boolean');
      const one = await h.scim('GET', `/Users/${first.id}`);
      expect(one.status).toBe(200);
      expect(one.body.id).toBe(first.id);
      expect(one.body.name.familyName).toBe(first.name.familyName);
    });

    it('9 and 11. when filtering on an unknown userName, then 200 with totalResults 0', async () => {
      for (const path of [`/Users?filter=${q('userName eq "abcdefgh@atko.com"')}`, `/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`]) {
        const res = await h.scim('GET', path);
        expect(res.status).toBe(200);
        expect(res.body.totalResults).toBe(0);
        expect(res.body.Resources).toEqual([]);
      }
    });

    it('10. when reading a non-UUID unknown id, then 404 with a SCIM error (never 400)', async () => {
      for (const id of ['010101001010101011001010101011', '00919288221112222']) {
        const res = await h.scim('GET', `/Users/${id}`);
        expect(res.status).toBe(404);
        expect(res.body.schemas).toContain(ERROR_SCHEMA);
        expect(res.body.status).toBe('404');
        expect(res.body.detail).toBeTruthy();
      }
    });

    it('12. when Okta creates a user, then 201 with the exact userName and no password', async () => {
      const res = await h.scim('POST', '/Users', oktaUser(userName));
      expect(res.status).toBe(201);
      expect(res.body.id).toBeTruthy();
      expect(res.body.active).toBe(true);
      expect(res.body.userName).toBe(userName);
      expect(res.body.name).toEqual({ givenName: 'Runscope123', familyName: 'Abcdefghi123' });
      expect(res.body.schemas).toContain(USER_SCHEMA);
      expect(res.body.password).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain('1mz050nq');
      expect(res.body.meta.resourceType).toBe('User');
      expect(res.headers.get('location')).toContain(`/scim/v2/Users/${res.body.id}`);
      createdId = res.body.id;
    });

    it('12b. when the SPEC test creates with Content-Type application/json, then 201', async () => {
      const other = `json.${Date.now()}@atko.com`;
      const res = await fetch(`${h.scimUrl}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'Content-Type': 'application/json', Accept: 'application/scim+json; charset=utf-8' },
        body: JSON.stringify(oktaUser(other)),
      });
      expect(res.status).toBe(201);
    });

    it('13. when the created user is read back, then the same userName and names', async () => {
      const res = await h.scim('GET', `/Users/${createdId}`);
      expect(res.status).toBe(200);
      expect(res.body.userName).toBe(userName);
      expect(res.body.name.givenName).toBe('Runscope123');
      expect(res.headers.get('etag')).toMatch(/^W\/"\d+"$/);
    });

    it('14-15. when the same user is posted again, in any case, then 409 uniqueness', async () => {
      for (const name of [userName, userName.toUpperCase()]) {
        const res = await h.scim('POST', '/Users', oktaUser(name));
        expect(res.status).toBe(409);
        expect(res.body.schemas).toContain(ERROR_SCHEMA);
        expect(res.body.scimType).toBe('uniqueness');
      }
    });

    it('16. when filtering on the UPPER-CASE userName, then the user is found', async () => {
      const res = await h.scim('GET', `/Users?filter=${q(`userName eq "${userName.toUpperCase()}"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].userName).toBe(userName);
    });

    it('17. when GET /Groups has no paging params, then 200 within 600 ms with a Resources array', async () => {
      const started = Date.now();
      const res = await h.scim('GET', '/Groups');
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(600);
      expect(Array.isArray(res.body.Resources)).toBe(true);
    });

    describe('user lifecycle', () => {
      it('18. when Okta PUTs the full resource with a new givenName, then 200 with the new value', async () => {
        const current = (await h.scim('GET', `/Users/${createdId}`)).body;
        const res = await h.scim('PUT', `/Users/${createdId}`, { ...current, name: { ...current.name, givenName: 'Changed' }, password: 'x' });
        expect(res.status).toBe(200);
        expect(res.body.name.givenName).toBe('Changed');
        expect(res.body.id).toBe(createdId);
      });

      it('19. when an AIW app PUTs active=false, then the user reads inactive', async () => {
        const current = (await h.scim('GET', `/Users/${createdId}`)).body;
        expect((await h.scim('PUT', `/Users/${createdId}`, { ...current, active: false })).body.active).toBe(false);
        expect((await h.scim('GET', `/Users/${createdId}`)).body.active).toBe(false);
        await h.scim('PUT', `/Users/${createdId}`, { ...current, active: true });
      });

      it('20-21. when Okta PATCHes active false then true without a path, then same id, inactive then active', async () => {
        const off = await h.scim('PATCH', `/Users/${createdId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] });
        expect(off.status).toBe(200);
        expect(off.body.active).toBe(false);
        expect((await h.scim('GET', `/Users/${createdId}`)).body.active).toBe(false);
        const on = await h.scim('PATCH', `/Users/${createdId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', value: { active: true } }] });
        expect(on.body.active).toBe(true);
        expect(on.body.id).toBe(createdId);
      });

      it('22. when the Entra forms are sent (path, "Replace", "False"), then the same result', async () => {
        const res = await h.scim('PATCH', `/Users/${createdId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
        expect(res.status).toBe(200);
        expect(res.body.active).toBe(false);
        const back = await h.scim('PATCH', `/Users/${createdId}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: true }] });
        expect(back.body.active).toBe(true);
      });

      it('23. when PUT targets an unknown id, then 404 and nothing is created', async () => {
        const before = (await h.scim('GET', '/Users?count=0')).body.totalResults;
        const res = await h.scim('PUT', '/Users/does-not-exist', oktaUser(`ghost.${Date.now()}@atko.com`));
        expect(res.status).toBe(404);
        expect((await h.scim('GET', '/Users?count=0')).body.totalResults).toBe(before);
      });
    });
  });

  describe('groups', () => {
    const groupName = `Eng ${Date.now()}`;
    let gid: string;
    let uid: string;

    beforeAll(async () => {
      uid = (await h.scim('POST', '/Users', oktaUser(`member.${Date.now()}@example.com`))).body.id;
    });

    it('25-27. when a group is looked up, created, looked up again, then 0 then 201 then 1', async () => {
      const path = `/Groups?filter=${q(`displayName eq "${groupName}"`)}&startIndex=1&count=100`;
      expect((await h.scim('GET', path)).body.totalResults).toBe(0);
      const created = await h.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: groupName, members: [] });
      expect(created.status).toBe(201);
      expect(created.body.meta.resourceType).toBe('Group');
      gid = created.body.id;
      expect((await h.scim('GET', path)).body.totalResults).toBe(1);
    });

    it('28. when the group is read, then members is an array', async () => {
      const res = await h.scim('GET', `/Groups/${gid}`);
      expect(res.status).toBe(200);
      expect(res.body.members).toEqual([]);
    });

    it('29. when a member is added, then GET shows it with value, display and $ref', async () => {
      const res = await h.scim('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'add', path: 'members', value: [{ value: uid, display: 'member' }] }],
      });
      expect(res.status).toBe(200);
      const group = (await h.scim('GET', `/Groups/${gid}`)).body;
      expect(group.members).toHaveLength(1);
      expect(group.members[0]).toMatchObject({ value: uid, display: 'member' });
      expect(group.members[0].$ref).toContain(`/Users/${uid}`);
    });

    it('30. when the member is removed by filter, twice, then both succeed and it is gone', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await h.scim('PATCH', `/Groups/${gid}`, { schemas: [PATCH_SCHEMA], Operations: [{ op: 'remove', path: `members[value eq "${uid}"]` }] });
        expect(res.status).toBe(200);
        expect(res.body.members).toEqual([]);
      }
    });

    it('31. when members are replaced, then exactly those members', async () => {
      const res = await h.scim('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', path: 'members', value: [{ value: uid }, { value: seededId }] }],
      });
      expect(res.body.members.map((m: { value: string }) => m.value).sort()).toEqual([uid, seededId].sort());
    });

    it('32. when Okta renames with a path-less replace carrying id, then renamed and members kept', async () => {
      const res = await h.scim('PATCH', `/Groups/${gid}`, {
        schemas: [PATCH_SCHEMA],
        Operations: [{ op: 'replace', value: { id: gid, displayName: `${groupName} 2` } }],
      });
      expect(res.status).toBe(200);
      expect(res.body.displayName).toBe(`${groupName} 2`);
      expect(res.body.id).toBe(gid);
      expect(res.body.members).toHaveLength(2);
    });

    it('33. when the group is PUT with members, then members are replaced', async () => {
      const res = await h.scim('PUT', `/Groups/${gid}`, { schemas: [GROUP_SCHEMA], displayName: `${groupName} 2`, members: [{ value: uid }] });
      expect(res.status).toBe(200);
      expect(res.body.members.map((m: { value: string }) => m.value)).toEqual([uid]);
    });

    it('34. when the group is deleted, then 204, GET 404, and the users remain', async () => {
      expect((await h.scim('DELETE', `/Groups/${gid}`)).status).toBe(204);
      expect((await h.scim('GET', `/Groups/${gid}`)).status).toBe(404);
      expect((await h.scim('GET', `/Users/${uid}`)).status).toBe(200);
    });
  });

  describe('import paging', () => {
    it('35-36. when paging 100 at a time over more than 100 users, then every user once, stable totals, names filled', async () => {
      const created: string[] = [];
      for (let i = 0; i < 120; i++) {
        const res = await h.scim('POST', '/Users', oktaUser(`page.${i}.${Date.now()}@example.com`));
        created.push(res.body.id);
      }
      const seen: string[] = [];
      let total = -1;
      for (let start = 1; ; start += 100) {
        const res = await h.scim('GET', `/Users?startIndex=${start}&count=100`);
        if (total === -1) total = res.body.totalResults;
        expect(res.body.totalResults).toBe(total);
        expect(res.body.startIndex).toBe(start);
        for (const r of res.body.Resources) {
          seen.push(r.id);
          if (r.active) for (const v of [r.userName, r.name?.givenName, r.name?.familyName, r.emails?.[0]?.value]) expect(v).toBeTruthy();
        }
        if (start + 100 > total) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(total);
      for (const id of created) expect(seen).toContain(id);
    });
  });

  describe('discovery', () => {
    it('when ServiceProviderConfig, ResourceTypes and Schemas are read, then 200; other methods 405', async () => {
      const spc = await h.scim('GET', '/ServiceProviderConfig');
      expect(spc.status).toBe(200);
      expect(spc.body.patch.supported).toBe(true);
      expect(spc.body.filter.supported).toBe(true);
      expect(spc.body.authenticationSchemes[0].type).toBeTruthy();
      const types = await h.scim('GET', '/ResourceTypes');
      expect(types.body.Resources[0]).toHaveProperty('endpoint');
      const schemas = await h.scim('GET', '/Schemas');
      expect(schemas.body.Resources[0]).toHaveProperty('attributes');
      for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
        const res = await h.scim('POST', path, 'test');
        expect(res.status).toBe(405);
        expect(res.body.schemas).toContain(ERROR_SCHEMA);
      }
    });
  });
});
