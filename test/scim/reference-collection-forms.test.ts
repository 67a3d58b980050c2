/**
 * The request forms of Microsoft's published SCIM validation collection (the Postman collection
 * of https://github.com/AzureAD/SCIMReferenceCode), written here as our own requests: attribute
 * names in another case, the enterprise extension spelt "Department"/"Manager", dateTime filters
 * with seven fractional digits and an offset; and the answers where the bridge deliberately
 * differs from that collection's expectations, each with its RFC reason. Against the real app
 * and a real Redis (startHarness). Names read "when ..., then ...".
 */
import { startHarness, Harness } from '../support/bridge-harness';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let counter = 0;
function unique(label: string): string {
  counter += 1;
  return `${label}${Date.now().toString(36)}${counter}`;
}

const q = (filter: string) => encodeURIComponent(filter);

function patch(...operations: Array<Record<string, unknown>>) {
  return { schemas: [PATCH_OP], Operations: operations };
}

describe('forms of the Microsoft SCIM validation collection', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  async function created(extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
    const local = unique('person');
    const res = await h.scim('POST', '/Users', {
      schemas: [USER],
      userName: local,
      emails: [{ Primary: true, type: 'work', value: `${local}@mail.example.com` }],
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  describe('enterprise extension attributes in another case (RFC 7643 §2.1, §4.3)', () => {
    it('when Department and Manager.Value are sent capitalised, then they are stored and returned as department and manager.value', async () => {
      const user = await created({
        schemas: [USER, ENTERPRISE],
        [ENTERPRISE]: { Department: 'Research', EmployeeNumber: '0042', Manager: { Value: 'boss-1' } },
      });
      expect(user[ENTERPRISE]).toEqual({ department: 'Research', employeeNumber: '0042', manager: { value: 'boss-1' } });
      const read = await h.scim('GET', `/Users/${user.id}`);
      expect(read.body[ENTERPRISE]).toEqual({ department: 'Research', employeeNumber: '0042', manager: { value: 'boss-1' } });
      const found = await h.scim('GET', `/Users?filter=${q(`${ENTERPRISE}:manager.value eq "boss-1"`)}`);
      expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([user.id]);
    });

    it('when a PATCH replaces department, then the one attribute changes and no second spelling appears', async () => {
      const user = await created({ schemas: [USER, ENTERPRISE], [ENTERPRISE]: { Department: 'Sales' } });
      const res = await h.scim(
        'PATCH',
        `/Users/${user.id}`,
        patch({ op: 'replace', path: `${ENTERPRISE}:department`, value: 'Support' }, { op: 'add', path: `${ENTERPRISE}:Manager.Value`, value: 'boss-2' }),
      );
      expect(res.status).toBe(200);
      expect(res.body[ENTERPRISE]).toEqual({ department: 'Support', manager: { value: 'boss-2' } });
    });

    it('when the same extension attribute comes in two spellings, then 400 invalidValue naming it', async () => {
      const local = unique('twice');
      const res = await h.scim('POST', '/Users', {
        userName: local,
        emails: [{ value: `${local}@mail.example.com` }],
        [ENTERPRISE]: { Department: 'a', department: 'b' },
      });
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      expect(res.body.detail).toContain(`${ENTERPRISE}:department`);
    });

    it('when an extension attribute is null, then it is unassigned (RFC 7644 §3.3), not stored', async () => {
      const user = await created({ [ENTERPRISE]: { department: null, costCenter: 'CC-7' } });
      expect(user[ENTERPRISE]).toEqual({ costCenter: 'CC-7' });
    });
  });

  describe('filters with the values quoted (RFC 7644 §3.4.2.2)', () => {
    it('when names come in another case inside and/or with parentheses, then the users match as they would in schema spelling', async () => {
      const family = unique('Family');
      const a = await created({ name: { familyName: family }, emails: [{ value: `${unique('a')}@first.example.com`, primary: true }] });
      const b = await created({ name: { familyName: family }, emails: [{ value: `${unique('b')}@second.example.org`, primary: true }] });
      await created({ name: { familyName: family }, emails: [{ value: `${unique('c')}@third.example.net`, primary: true }] });
      const filter = `name.FamilyName eq "${family}" and (emails.Value co "example.com" or emails.Value co "example.org")`;
      const res = await h.scim('GET', `/Users?filter=${q(filter)}`);
      expect(res.status).toBe(200);
      expect(res.body.Resources.map((r: { id: string }) => r.id).sort()).toEqual([a.id, b.id].sort());
    });

    it('when meta.Created is compared with a dateTime of seven fractional digits and an offset, then it compares as a time', async () => {
      const user = await created();
      const before = await h.scim('GET', `/Users?filter=${q(`meta.Created gt "2001-02-03T04:05:06.1234567-07:00" and id eq "${user.id}"`)}`);
      expect(before.body.totalResults).toBe(1);
      const after = await h.scim('GET', `/Users?filter=${q(`meta.Created gt "2999-02-03T04:05:06.1234567-07:00" and id eq "${user.id}"`)}`);
      expect(after.body.totalResults).toBe(0);
    });
  });

  describe('where the bridge deliberately answers otherwise', () => {
    it('when a second user has the same primary email, then 409 uniqueness with a detail: Secret Server users are keyed on it', async () => {
      const email = `${unique('shared')}@mail.example.com`;
      const first = await h.scim('POST', '/Users', { userName: unique('one'), emails: [{ value: email, primary: true }] });
      const second = await h.scim('POST', '/Users', { userName: unique('two'), emails: [{ value: email.toUpperCase(), primary: true }] });
      expect(first.status).toBe(201);
      expect(second.status).toBe(409);
      expect(second.body).toEqual(expect.objectContaining({ scimType: 'uniqueness', detail: expect.any(String) }));
    });

    it('when a PATCH succeeds, then 200 with the whole resource (RFC 7644 §3.5.2 allows it instead of 204)', async () => {
      const user = await created();
      const res = await h.scim('PATCH', `/Users/${user.id}`, patch({ op: 'Replace', path: 'active', value: false }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ id: user.id, active: false, userName: user.userName }));
    });

    it.each([
      ['an unquoted string', 'userName sw P', /'P' is not a comparison value/],
      ['an unquoted string inside and/or', 'name.familyName eq Someone and (emails.value co example.com)', /'Someone' is not a comparison value/],
      ['an unquoted dateTime', 'meta.created gt 2001-02-03T04:05:06.1234567-07:00', /'2001-02-03T04:05:06.1234567-07:00' at position 17.*quote/],
    ])('when a filter compares with %s, then 400 invalidFilter saying to quote it (RFC 7644 §3.4.2.2)', async (_what, filter, detail) => {
      const res = await h.scim('GET', `/Users?filter=${q(filter)}`);
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidFilter');
      expect(res.body.detail).toMatch(detail);
    });

    it('when attributes holds a value filter, then 400 invalidValue: it takes attribute names (RFC 7644 §3.9, §3.10)', async () => {
      await created();
      const res = await h.scim('GET', `/Users?attributes=${q('emails[type eq "work"]')}`);
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      const plain = await h.scim('GET', `/Users?attributes=${q('emails')}`);
      expect(plain.status).toBe(200);
    });

    it('when a PATCH adds a bare string to members, then 400 invalidValue: members is complex (RFC 7643 §4.2, RFC 7644 §3.5.2.1)', async () => {
      const group = await h.scim('POST', '/Groups', { schemas: [GROUP], displayName: unique('Group') });
      const res = await h.scim('PATCH', `/Groups/${group.body.id}`, patch({ op: 'add', path: 'members', value: 'not an object' }));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe('invalidValue');
      const read = await h.scim('GET', `/Groups/${group.body.id}`);
      expect(read.body.members).toEqual([]);
    });
  });
});
