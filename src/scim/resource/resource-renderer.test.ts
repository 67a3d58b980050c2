import type { StoredResource } from '../../domain/resource-types';
import { BridgeError } from '../../errors/bridge-error';
import { etagOf, projectAttributes, renderResource } from './resource-renderer';

const BASE = 'https://bridge.example.com/scim/v2';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const SECRET_SERVER = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';

function storedUser(attributes: Record<string, unknown> = {}): StoredResource {
  return {
    id: 'u-1',
    kind: 'User',
    origin: 'okta',
    meta: { created: '2024-01-10T08:00:00.000Z', lastModified: '2024-05-01T12:00:00.000Z', version: 3 },
    attributes: { userName: 'Test.User@okta.local', name: { givenName: 'Test', familyName: 'User' }, ...attributes },
  };
}

function storedGroup(attributes: Record<string, unknown> = { displayName: 'Eng' }): StoredResource {
  return { ...storedUser(), id: 'g-1', kind: 'Group', attributes };
}

describe('renderResource', () => {
  it('when a user is rendered, then it has schemas, id, attributes and meta (RFC 7643 §3.1)', () => {
    expect(renderResource(storedUser({ active: false }), { baseUrl: BASE })).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: 'u-1',
      userName: 'Test.User@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      active: false,
      meta: {
        resourceType: 'User',
        created: '2024-01-10T08:00:00.000Z',
        lastModified: '2024-05-01T12:00:00.000Z',
        location: `${BASE}/Users/u-1`,
        version: 'W/"3"',
      },
    });
  });

  it('when active was never set, then the user renders as active (Okta SPEC step 1 needs it)', () => {
    expect(renderResource(storedUser(), { baseUrl: BASE }).active).toBe(true);
  });

  it('when the user has an enterprise extension, then its URN is listed in schemas', () => {
    const out = renderResource(storedUser({ [ENTERPRISE]: { department: 'R&D' } }), { baseUrl: `${BASE}/` });
    expect(out.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    expect(out[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect((out.meta as { location: string }).location).toBe(`${BASE}/Users/u-1`);
  });

  it('when a Secret Server link is given, then our extension is rendered read-only with the sync state', () => {
    const out = renderResource(storedUser(), {
      baseUrl: BASE,
      link: { state: 'synced', secretServerId: 42, lastSyncedAt: '2024-05-01T12:00:01.000Z' },
    });
    expect(out.schemas).toContain(SECRET_SERVER);
    expect(out[SECRET_SERVER]).toEqual({ syncState: 'synced', secretServerUserId: 42, lastSyncedAt: '2024-05-01T12:00:01.000Z' });
  });

  it('when stored attributes hold id, meta, schemas or password, then the stored ones never leak', () => {
    const out = renderResource(storedUser({ id: 'evil', meta: { x: 1 }, schemas: ['x'], password: 'p', [SECRET_SERVER]: { syncState: 'forged' } }), {
      baseUrl: BASE,
    });
    expect(out.id).toBe('u-1');
    expect(out.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:User']);
    expect(out).not.toHaveProperty('password');
    expect(out).not.toHaveProperty(SECRET_SERVER);
    expect((out.meta as Record<string, unknown>).resourceType).toBe('User');
  });

  it('when a group has no members, then members is an empty array and the location is under /Groups', () => {
    const out = renderResource(storedGroup(), { baseUrl: BASE, link: { state: 'pending' } });
    expect(out.members).toEqual([]);
    expect(out.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group']);
    expect(out).not.toHaveProperty('active');
    expect((out.meta as { location: string }).location).toBe(`${BASE}/Groups/g-1`);
  });

  it('when a group has members, then each gets a $ref to its resource (RFC 7643 §4.2)', () => {
    const out = renderResource(storedGroup({ displayName: 'Eng', members: [{ value: 'u 1', display: 'a' }, { value: 'g-2', type: 'Group' }, 'junk'] }), {
      baseUrl: `${BASE}/`,
    });
    expect(out.members).toEqual([
      { value: 'u 1', display: 'a', $ref: `${BASE}/Users/u%201` },
      { value: 'g-2', type: 'Group', $ref: `${BASE}/Groups/g-2` },
      'junk',
    ]);
  });

  // The rendered body shares nested values with the stored resource (no deep copy per answer), so
  // what matters is that rendering and projecting leave the stored resource as it was.
  it('when a group is rendered and projected, then the stored resource is unchanged', () => {
    const stored = storedGroup({ displayName: 'Eng', members: [{ value: 'u-1', display: 'Test User' }] });
    const before = JSON.stringify(stored);
    projectAttributes(renderResource(stored, { baseUrl: BASE, link: { state: 'pending' } }), { excludedAttributes: 'members.display' });
    projectAttributes(renderResource(storedUser(), { baseUrl: BASE }), { attributes: 'name.givenName' });
    expect(JSON.stringify(stored)).toBe(before);
  });

  it('when etagOf is asked, then it is the weak version tag', () => {
    expect(etagOf(storedUser())).toBe('W/"3"');
  });
});

describe('projectAttributes (RFC 7644 §3.4.2.5)', () => {
  const full = renderResource(
    storedUser({
      emails: [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', type: 'home' },
      ],
      [ENTERPRISE]: { department: 'R&D', costCenter: '7' },
    }),
    { baseUrl: BASE },
  );

  it('when attributes=userName, then only schemas, id and userName are returned', () => {
    expect(projectAttributes(full, { attributes: 'userName' })).toEqual({ schemas: full.schemas, id: 'u-1', userName: 'Test.User@okta.local' });
  });

  it('when attributes name sub-attributes in any case, then only those sub-attributes are returned', () => {
    expect(projectAttributes(full, { attributes: 'NAME.givenName, emails.value' })).toEqual({
      schemas: full.schemas,
      id: 'u-1',
      name: { givenName: 'Test' },
      emails: [{ value: 'a@x' }, { value: 'b@x' }],
    });
  });

  it('when attributes name an extension attribute or a whole extension, then it is returned', () => {
    expect(projectAttributes(full, { attributes: `${ENTERPRISE}:department` })[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect(projectAttributes(full, { attributes: ENTERPRISE })[ENTERPRISE]).toEqual({ department: 'R&D', costCenter: '7' });
    expect(projectAttributes(full, { attributes: 'urn:ietf:params:scim:schemas:core:2.0:User:userName' }).userName).toBe('Test.User@okta.local');
  });

  it('when excludedAttributes names id, schemas and others, then id and schemas stay', () => {
    const out = projectAttributes(full, { excludedAttributes: 'id,schemas,emails,name.familyName,meta' });
    expect(out.id).toBe('u-1');
    expect(out.schemas).toEqual(full.schemas);
    expect(out).not.toHaveProperty('emails');
    expect(out).not.toHaveProperty('meta');
    expect(out.name).toEqual({ givenName: 'Test' });
    expect(out[ENTERPRISE]).toEqual({ department: 'R&D', costCenter: '7' });
  });

  it('when excludedAttributes names an extension attribute, then only it goes', () => {
    expect(projectAttributes(full, { excludedAttributes: `${ENTERPRISE}:costCenter` })[ENTERPRISE]).toEqual({ department: 'R&D' });
  });

  it('when both parameters are empty, then the resource is returned whole', () => {
    expect(projectAttributes(full, { attributes: '', excludedAttributes: ' ' })).toEqual(full);
  });

  it('when an entry is not an attribute path, then 400 invalidValue', () => {
    let caught: unknown;
    try {
      projectAttributes(full, { attributes: 'emails[type eq "work"]' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BridgeError);
    expect((caught as BridgeError).scimType).toBe('invalidValue');
  });
});
