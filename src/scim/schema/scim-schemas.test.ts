import {
  SCHEMA_ENTERPRISE_USER,
  SCHEMA_GROUP,
  SCHEMA_SECRET_SERVER_USER,
  SCHEMA_USER,
  resourceTypeById,
  resourceTypesList,
  schemaById,
  schemasList,
  serviceProviderConfig,
} from './scim-schemas';

const BASE = 'https://bridge.example.com/scim/v2';

type Attr = {
  name: string;
  type: string;
  multiValued: boolean;
  required: boolean;
  caseExact: boolean;
  mutability: string;
  returned: string;
  uniqueness: string;
  subAttributes?: Attr[];
};

describe('discovery bodies (RFC 7643 §5-7, RFC 7644 §4)', () => {
  it('when /ServiceProviderConfig is read, then every field the Okta SPEC suite asserts is there', () => {
    const c = serviceProviderConfig(`${BASE}/`) as Record<string, any>;
    expect(c.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    expect(c.patch).toEqual({ supported: true });
    expect(c.bulk).toEqual({ supported: false, maxOperations: 0, maxPayloadSize: 0 });
    expect(c.filter).toEqual({ supported: true, maxResults: 1000 });
    expect(c.changePassword).toEqual({ supported: false });
    expect(c.sort).toEqual({ supported: false });
    expect(c.etag).toEqual({ supported: true });
    expect(c.authenticationSchemes[0]).toMatchObject({ type: 'oauthbearertoken', primary: true });
    expect(c.authenticationSchemes[0].name).toBeTruthy();
    expect(c.authenticationSchemes[0].description).toBeTruthy();
    expect(c.meta).toEqual({ resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` });
  });

  it('when schemes are enabled, then authenticationSchemes lists exactly those, in order, the first primary (RFC 7643 §5)', () => {
    const schemesOf = (c: Record<string, any>) => c.authenticationSchemes.map((s: Record<string, unknown>) => [s.type, s.specUri, s.primary]);
    expect(schemesOf(serviceProviderConfig(BASE, undefined, ['basic', 'oauth']))).toEqual([
      ['httpbasic', 'https://datatracker.ietf.org/doc/html/rfc7617', true],
      ['oauthbearertoken', 'https://datatracker.ietf.org/doc/html/rfc6750', false],
    ]);
    for (const scheme of serviceProviderConfig(BASE).authenticationSchemes as Record<string, unknown>[]) {
      for (const key of ['type', 'name', 'description', 'specUri']) expect(scheme[key]).toBeTruthy();
    }
  });

  it('when /ResourceTypes is read, then it lists User (with both extensions) and Group', () => {
    const list = resourceTypesList(BASE);
    expect(list.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    expect(list.totalResults).toBe(2);
    const [userType, groupType] = list.Resources as Record<string, any>[];
    expect(userType).toMatchObject({ id: 'User', name: 'User', endpoint: '/Users', schema: SCHEMA_USER });
    expect(userType?.schemaExtensions).toEqual([
      { schema: SCHEMA_ENTERPRISE_USER, required: false },
      { schema: SCHEMA_SECRET_SERVER_USER, required: false },
    ]);
    expect(userType?.meta.location).toBe(`${BASE}/ResourceTypes/User`);
    expect(groupType).toMatchObject({ name: 'Group', endpoint: '/Groups', schema: SCHEMA_GROUP, schemaExtensions: [] });
    expect(resourceTypeById(BASE, 'group')?.name).toBe('Group');
    expect(resourceTypeById(BASE, 'Device')).toBeUndefined();
  });

  it('when /Schemas is read, then each schema has an id and complete attribute definitions', () => {
    const list = schemasList(BASE);
    const ids = (list.Resources as Record<string, any>[]).map((s) => s.id);
    expect(ids).toEqual([SCHEMA_USER, SCHEMA_GROUP, SCHEMA_ENTERPRISE_USER, SCHEMA_SECRET_SERVER_USER]);
    const check = (a: Attr): void => {
      for (const key of ['name', 'type', 'multiValued', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness']) {
        expect(a).toHaveProperty(key);
      }
      a.subAttributes?.forEach(check);
    };
    for (const s of list.Resources as Record<string, any>[]) {
      expect(s.attributes.length).toBeGreaterThan(0);
      s.attributes.forEach(check);
      expect(s.meta.location).toBe(`${BASE}/Schemas/${s.id}`);
    }
  });

  it('when the User schema is read, then userName is required and unique, and emails has sub-attributes', () => {
    const user = schemaById(BASE, SCHEMA_USER.toLowerCase()) as { attributes: Attr[] };
    expect(user.attributes.find((a) => a.name === 'userName')).toMatchObject({ required: true, uniqueness: 'server', caseExact: false });
    expect(user.attributes.find((a) => a.name === 'password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    const emails = user.attributes.find((a) => a.name === 'emails');
    expect(emails?.multiValued).toBe(true);
    expect(emails?.subAttributes?.map((s) => s.name)).toEqual(['value', 'display', 'type', 'primary']);
  });

  it('when our extension is read, then all its attributes are read-only', () => {
    const ext = schemaById(BASE, SCHEMA_SECRET_SERVER_USER) as { attributes: Attr[] };
    expect(ext.attributes.map((a) => a.name)).toEqual(['secretServerUserId', 'syncState', 'lastError', 'lastSyncedAt']);
    expect(ext.attributes.every((a) => a.mutability === 'readOnly')).toBe(true);
    expect(schemaById(BASE, 'urn:nope')).toBeUndefined();
  });
});
