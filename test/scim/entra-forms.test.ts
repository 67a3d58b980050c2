/**
 * The request forms Microsoft Entra ID's provisioning service sends, as described in Microsoft's
 * public "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
 * (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups)
 * and "Known issues and resolutions with SCIM 2.0 protocol compliance of the Microsoft Entra user
 * provisioning service" (https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility):
 * capitalised ops, string booleans, filtered paths that create array elements, the enterprise
 * extension with a plain-string manager, excludedAttributes=members and membership by value.
 * Against the real app and a real Redis (startHarness). Names read "when ..., then ...".
 */
import { startHarness, Harness } from '../support/bridge-harness';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let counter = 0;
function unique(label: string): string {
  counter += 1;
  return `${label}_${Date.now().toString(36)}${counter}`;
}

/** A user the way Entra creates one: externalId is the object id, userName the UPN. */
function entraUser(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const upn = `${unique('Test_User')}@testuser.example.com`;
  return {
    schemas: [USER, ENTERPRISE],
    externalId: unique('entra-object'),
    userName: upn,
    active: true,
    emails: [{ primary: true, type: 'work', value: upn }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Given Family', familyName: 'Family', givenName: 'Given' },
    roles: [],
    ...extra,
  };
}

function patch(...operations: Array<Record<string, unknown>>) {
  return { schemas: [PATCH_OP], Operations: operations };
}

const q = (filter: string) => encodeURIComponent(filter);

describe('Entra ID request forms', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function created(body: Record<string, unknown> = entraUser()): Promise<Record<string, any>> {
    const res = await h.scim('POST', '/Users', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  it('when Entra checks whether a user exists by externalId, then a match lists it and an unknown value lists nothing', async () => {
    const user = await created();
    const found = await h.scim('GET', `/Users?filter=${q(`externalId eq "${user.externalId}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(user.id);
    const cased = await h.scim('GET', `/Users?filter=${q(`externalId eq "${String(user.externalId).toUpperCase()}"`)}`);
    // RFC 7643 §3.1: externalId is caseExact.
    expect(cased.body.totalResults).toBe(0);
    const none = await h.scim('GET', `/Users?filter=${q('externalId eq "no-such-object"')}`);
    expect(none.status).toBe(200);
    expect(none.body).toEqual(expect.objectContaining({ totalResults: 0, Resources: [] }));
  });

  it('when two users carry the same externalId, then both are created and externalId eq finds both (RFC 7643 §3.1)', async () => {
    const externalId = unique('shared-object');
    const first = await created(entraUser({ externalId }));
    const second = await created(entraUser({ externalId }));
    const found = await h.scim('GET', `/Users?filter=${q(`externalId eq "${externalId}"`)}`);
    expect(found.body.totalResults).toBe(2);
    expect(found.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([first.id, second.id].sort());
    const group = await h.scim('POST', '/Groups', { schemas: [GROUP], displayName: unique('Group'), externalId });
    const other = await h.scim('POST', '/Groups', { schemas: [GROUP], displayName: unique('Group'), externalId });
    expect([group.status, other.status]).toEqual([201, 201]);
  });

  it('when Entra queries users by userName or displayName in another case, then the user is found', async () => {
    const user = await created(entraUser({ displayName: unique('Display Name') }));
    for (const filter of [`userName eq "${String(user.userName).toUpperCase()}"`, `displayName eq "${String(user.displayName).toLowerCase()}"`]) {
      const res = await h.scim('GET', `/Users?filter=${q(filter)}`);
      expect(res.status).toBe(200);
      expect(res.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    }
  });

  it('when Entra replaces with capitalised ops and string booleans, then they apply as their RFC spelling', async () => {
    const user = await created();
    const res = await h.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'name.familyName', value: 'Updated' },
        { op: 'Add', path: 'title', value: 'Engineer' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect(res.body.name.familyName).toBe('Updated');
    expect(res.body.title).toBe('Engineer');
    const again = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', value: { active: 'True' } }));
    expect(again.body.active).toBe(true);
    const removed = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Remove', path: 'title' }));
    expect(removed.body.title).toBeUndefined();
  });

  it('when a user is created with active "True" or "False", then active is stored as a boolean', async () => {
    const user = await created(entraUser({ active: 'False' }));
    expect(user.active).toBe(false);
    expect((await h.scim('GET', `/Users/${user.id}`)).body.active).toBe(false);
  });

  it('when Entra sets filtered paths on arrays that do not exist yet, then the elements are created (RFC 7644 §3.5.2.1)', async () => {
    const { emails: _emails, ...bare } = entraUser();
    const user = await created(bare);
    const res = await h.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'work@example.com' },
        { op: 'Add', path: 'emails[type eq "work"].primary', value: 'True' },
        { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
        { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Springfield' },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ type: 'work', value: 'work@example.com', primary: true }]);
    expect(res.body.addresses).toEqual([{ type: 'work', streetAddress: '1 Main St', locality: 'Springfield' }]);
    expect(res.body.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    const replaced = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }));
    expect(replaced.body.emails).toEqual([{ type: 'work', value: 'new@example.com', primary: true }]);
    const found = await h.scim('GET', `/Users?filter=${q('emails[type eq "work"].value eq "NEW@example.com"')}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
  });

  it('when Entra sets the manager as a plain string, then it is stored as the manager value and can be removed', async () => {
    const manager = await created();
    const user = await created();
    const res = await h.scim(
      'PATCH',
      `/Users/${user.id}`,
      patch(
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager.id },
        { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Tour Operations' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.schemas).toContain(ENTERPRISE);
    expect(res.body[ENTERPRISE]).toEqual({ manager: { value: manager.id }, employeeNumber: '701984', department: 'Tour Operations' });
    const found = await h.scim('GET', `/Users?filter=${q(`${ENTERPRISE}:manager.value eq "${manager.id}"`)}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    const changed = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: user.id } }));
    expect(changed.body[ENTERPRISE].manager).toEqual({ value: user.id });
    const removed = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Remove', path: `${ENTERPRISE}:manager` }));
    expect(removed.body[ENTERPRISE]).toEqual({ employeeNumber: '701984', department: 'Tour Operations' });
  });

  it('when a user is created with the enterprise extension and a plain-string manager, then the manager is stored as its value', async () => {
    const manager = await created();
    const user = await created(entraUser({ [ENTERPRISE]: { employeeNumber: '42', department: 'Ops', manager: manager.id } }));
    expect(user[ENTERPRISE]).toEqual({ employeeNumber: '42', department: 'Ops', manager: { value: manager.id } });
  });

  it('when Entra creates a group with its own schema URN and reads it without members, then members are left out', async () => {
    const members = [await created(), await created()];
    const res = await h.scim('POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: unique('entra-group'),
      displayName: unique('Entra Group'),
      meta: { resourceType: 'Group' },
      members: members.map((m) => ({ value: m.id })),
    });
    expect(res.status).toBe(201);
    const group = res.body;
    const one = await h.scim('GET', `/Groups/${group.id}?excludedAttributes=members`);
    expect(one.status).toBe(200);
    expect(one.body.members).toBeUndefined();
    expect(one.body.displayName).toBe(group.displayName);
    const listed = await h.scim('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${String(group.displayName).toUpperCase()}"`)}`);
    expect(listed.body.totalResults).toBe(1);
    expect(listed.body.Resources[0].id).toBe(group.id);
    expect(listed.body.Resources[0].members).toBeUndefined();
    const byExternalId = await h.scim('GET', `/Groups?excludedAttributes=members&filter=${q(`externalId eq "${group.externalId}"`)}`);
    expect(byExternalId.body.Resources.map((r: { id: string }) => r.id)).toEqual([group.id]);
  });

  it('when Entra adds and removes members by value with capitalised ops, then membership follows', async () => {
    const [a, b] = [await created(), await created()];
    const group = (await h.scim('POST', '/Groups', { schemas: [GROUP], displayName: unique('Members'), externalId: unique('g') })).body;
    const added = await h.scim(
      'PATCH',
      `/Groups/${group.id}`,
      patch({
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: a.id },
          { $ref: null, value: b.id },
        ],
      }),
    );
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a.id, b.id].sort());
    const removed = await h.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }] }));
    expect(removed.status).toBe(200);
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([b.id]);
    const renamed = await h.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Replace', path: 'displayName', value: `${group.displayName} renamed` }));
    expect(renamed.body.displayName).toBe(`${group.displayName} renamed`);
    const filtered = await h.scim('PATCH', `/Groups/${group.id}`, patch({ op: 'Remove', path: `members[value eq "${b.id}"]` }));
    expect(filtered.body.members).toEqual([]);
  });

  it('when Entra sends an op it does not define, then 400 invalidSyntax names the allowed ones', async () => {
    const user = await created();
    const res = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Merge', path: 'title', value: 'x' }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe('invalidSyntax');
    expect(res.body.detail).toMatch(/add, remove or replace/);
  });
});
