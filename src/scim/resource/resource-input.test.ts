import { parseGroupInput, parseUserInput, primaryEmail } from './resource-input';
import { rejection } from '../scim-test-fixtures';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** The create body from Okta's reference (the Okta SCIM 2.0 protocol reference). */
const oktaCreate = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: 'Test.User@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: '1mz050nq',
  active: true,
};

describe('parseUserInput', () => {
  it('when Okta creates a user, then password, groups and schemas are dropped and the rest is kept as sent', () => {
    const { attributes } = parseUserInput(oktaCreate);
    expect(attributes).toEqual({
      userName: 'Test.User@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      active: true,
    });
  });

  it('when Okta PUTs the resource it read (id, meta, groups included), then those are dropped', () => {
    const { attributes } = parseUserInput({ ...oktaCreate, id: 'abc', meta: { version: 'W/"1"' }, groups: [{ value: 'g' }] });
    expect(attributes).not.toHaveProperty('id');
    expect(attributes).not.toHaveProperty('meta');
    expect(attributes).not.toHaveProperty('groups');
  });

  it('when unknown and extension attributes come along, then they are kept', () => {
    const { attributes } = parseUserInput({
      userName: 'u',
      phoneNumbers: [{ value: '555-555-5555', type: 'work' }],
      title: 'Engineer',
      customThing: { a: 1 },
      [ENTERPRISE]: { department: 'R&D' },
    });
    expect(attributes.phoneNumbers).toEqual([{ value: '555-555-5555', type: 'work' }]);
    expect(attributes.title).toBe('Engineer');
    expect(attributes.customThing).toEqual({ a: 1 });
    expect(attributes[ENTERPRISE]).toEqual({ department: 'R&D' });
  });

  it('when names come in another case, then they are stored under the schema spelling', () => {
    const { attributes } = parseUserInput({ USERNAME: 'u', Active: 'false', Emails: [{ Value: 'a@x', Primary: 'True' }], [ENTERPRISE.toUpperCase()]: {} });
    expect(attributes).toEqual({ userName: 'u', active: false, emails: [{ value: 'a@x', primary: true }], [ENTERPRISE]: {} });
  });

  it('when our read-only Secret Server extension is sent, then it is dropped', () => {
    const { attributes } = parseUserInput({ userName: 'u', 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User': { syncState: 'synced' } });
    expect(attributes).toEqual({ userName: 'u' });
  });

  it.each([
    ['"True"', 'True', true],
    ['"False"', 'False', false],
    ['"false"', 'false', false],
    ['false', false, false],
  ])('when active is %s, then it is stored as %s', (_label, value, expected) => {
    expect(parseUserInput({ userName: 'u', active: value }).attributes.active).toBe(expected);
  });

  it('when attributes are null (Okta pushing empty values, OIN QA test plan case C9337), then they are unassigned, not an error', () => {
    const { attributes } = parseUserInput({ userName: 'u', displayName: null, active: null, name: { givenName: null, familyName: 'F' } });
    expect(attributes).toEqual({ userName: 'u', name: { familyName: 'F' } });
  });

  it('when userName is mixed case, then it is kept exactly (Okta SPEC step 6)', () => {
    expect(parseUserInput({ userName: 'RunScope123AbcDefghi@Atko.com' }).attributes.userName).toBe('RunScope123AbcDefghi@Atko.com');
  });

  it.each([
    ['a string body', 'user', 'invalidSyntax'],
    ['an array body', [{ userName: 'u' }], 'invalidSyntax'],
    ['null', null, 'invalidSyntax'],
    ['no userName', { name: { givenName: 'a' } }, 'invalidValue'],
    ['an empty userName', { userName: '  ' }, 'invalidValue'],
    ['a numeric userName', { userName: 5 }, 'invalidValue'],
    ['active "yes"', { userName: 'u', active: 'yes' }, 'invalidValue'],
    ['active 1', { userName: 'u', active: 1 }, 'invalidValue'],
    ['emails as an object', { userName: 'u', emails: { value: 'a' } }, 'invalidValue'],
    ['an email without value', { userName: 'u', emails: [{ type: 'work' }] }, 'invalidValue'],
    ['an email with a numeric value', { userName: 'u', emails: [{ value: 1 }] }, 'invalidValue'],
    ['name as a string', { userName: 'u', name: 'Test User' }, 'invalidValue'],
    ['a numeric name.givenName', { userName: 'u', name: { givenName: 1 } }, 'invalidValue'],
    ['a numeric displayName', { userName: 'u', displayName: 1 }, 'invalidValue'],
    ['an object externalId', { userName: 'u', externalId: {} }, 'invalidValue'],
    ['userName twice in different case', { userName: 'u', USERNAME: 'v' }, 'invalidValue'],
    ['a string of 2049 characters', { userName: 'u', title: 'x'.repeat(2049) }, 'invalidValue'],
    ['an array of 10,001 elements', { userName: 'u', phoneNumbers: Array.from({ length: 10_001 }, () => ({ value: '1' })) }, 'invalidValue'],
    ['nesting deeper than 10', { userName: 'u', deep: JSON.parse(`${'{"a":'.repeat(10)}1${'}'.repeat(10)}`) }, 'invalidValue'],
    ['a __proto__ key', JSON.parse('{"userName":"u","__proto__":{"polluted":1}}'), 'invalidValue'],
  ])('when the body has %s, then 400 %s', (_label, input, scimType) => {
    const error = rejection(() => parseUserInput(input));
    expect(error.statusCode).toBe(400);
    expect(error.scimType).toBe(scimType);
  });

  it('when nesting is exactly 10 levels, then it is accepted', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(9)}1${'}'.repeat(9)}`);
    expect(parseUserInput({ userName: 'u', deep }).attributes.deep).toEqual(deep);
  });
});

describe('parseGroupInput', () => {
  it('when Okta creates a group with no members, then members is an empty array', () => {
    const { attributes } = parseGroupInput({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
    expect(attributes).toEqual({ displayName: 'Test SCIMv2', members: [] });
  });

  it('when members repeat a value, then they are deduplicated, first one kept', () => {
    const { attributes } = parseGroupInput({
      id: 'g',
      meta: {},
      displayName: 'Eng',
      members: [{ value: 'u1', display: 'a', $ref: 'https://x/Users/u1' }, { value: 'u2' }, { value: 'u1', display: 'b' }],
    });
    // $ref is dropped: the renderer derives it from value.
    expect(attributes).toEqual({ displayName: 'Eng', members: [{ value: 'u1', display: 'a' }, { value: 'u2' }] });
  });

  it('when members is absent or null, then it is an empty array (a PUT replaces the whole group)', () => {
    expect(parseGroupInput({ displayName: 'Eng' }).attributes.members).toEqual([]);
    expect(parseGroupInput({ displayName: 'Eng', members: null }).attributes.members).toEqual([]);
  });

  it.each([
    ['no displayName', { members: [] }],
    ['a numeric displayName', { displayName: 3 }],
    ['members as an object', { displayName: 'a', members: { value: 'u' } }],
    ['a member without value', { displayName: 'a', members: [{ display: 'x' }] }],
    ['a member with a numeric display', { displayName: 'a', members: [{ value: 'u', display: 1 }] }],
    ['an array body', []],
  ])('when the group has %s, then 400', (_label, input) => {
    expect(rejection(() => parseGroupInput(input)).statusCode).toBe(400);
  });
});

describe('primaryEmail', () => {
  it('when one email is primary, then it is chosen', () => {
    expect(primaryEmail({ emails: [{ value: 'a@x' }, { value: 'b@x', primary: true }] })).toBe('b@x');
  });

  it('when none is primary, then the first is chosen', () => {
    expect(primaryEmail({ emails: [{ value: 'a@x' }, { value: 'b@x' }] })).toBe('a@x');
  });

  it('when there are no emails and userName is an address, then userName is used', () => {
    expect(primaryEmail({ userName: 'Test.User@okta.local' })).toBe('Test.User@okta.local');
  });

  it('when the address has surrounding spaces, then it is trimmed (one key, one Secret Server email)', () => {
    expect(primaryEmail({ emails: [{ value: '  A@x.example ', primary: true }] })).toBe('A@x.example');
    expect(primaryEmail({ userName: ' Test.User@okta.local ' })).toBe('Test.User@okta.local');
  });

  it('when there are no emails and userName is not an address, then there is none', () => {
    expect(primaryEmail({ userName: 'tuser' })).toBeUndefined();
    expect(primaryEmail({})).toBeUndefined();
  });
});

describe('parseUserInput: only what the schema declares, one string policy', () => {
  it('when an undeclared extension comes along, then 400 invalidSyntax naming it; the enterprise one is kept', () => {
    const error = rejection(() => parseUserInput({ userName: 'u', 'urn:custom:x': { password: 'p' } }));
    expect([error.statusCode, error.scimType]).toEqual([400, 'invalidSyntax']);
    expect(error.message).toContain('urn:custom:x');
    expect(parseUserInput({ userName: 'u', [ENTERPRISE]: { department: 'R&D' } }).attributes[ENTERPRISE]).toEqual({ department: 'R&D' });
  });

  it('when the enterprise extension is sent on a Group, then 400 invalidSyntax: Groups declare no extension', () => {
    expect(rejection(() => parseGroupInput({ displayName: 'g', [ENTERPRISE]: { department: 'x' } })).scimType).toBe('invalidSyntax');
  });

  it('when the stored resource already held an undeclared extension, then the write carrying it forward drops it', () => {
    const previous = { userName: 'u', 'urn:custom:x': { a: 1 } };
    expect(parseUserInput({ userName: 'u', 'urn:custom:x': { a: 1 }, title: 't' }, previous).attributes).toEqual({ userName: 'u', title: 't' });
  });

  it('when credential-named attributes appear at any depth, then they are dropped and the rest kept', () => {
    const { attributes } = parseUserInput({
      userName: 'u',
      [ENTERPRISE]: { department: 'R&D', api_key: 'k' },
      customThing: { a: 1, nested: [{ accessToken: 't', b: 2 }], Client_Secret: 's', passwd: 'p' },
    });
    expect(attributes[ENTERPRISE]).toEqual({ department: 'R&D' });
    expect(attributes.customThing).toEqual({ a: 1, nested: [{ b: 2 }] });
  });

  it.each([
    ['displayName', { displayName: 'a\r\nb' }],
    ['name.givenName', { name: { givenName: 'a\u0000' } }],
    ['name.formatted', { name: { formatted: 'a\u200bb' } }],
    ['externalId', { externalId: 'x\u202e' }],
    ['emails[0].value', { emails: [{ value: 'a\u2029@x.com' }] }],
    ['userName', { userName: 'a\ud800' }],
  ])('when %s holds a control, invisible or unpaired character, then 400 invalidValue naming it', (where, extra) => {
    const error = rejection(() => parseUserInput({ userName: 'u', ...extra }));
    expect(error.scimType).toBe('invalidValue');
    expect(error.message).toContain(where);
  });

  it('when a group displayName holds CR/LF, then 400 invalidValue', () => {
    expect(rejection(() => parseGroupInput({ displayName: 'a\nb' })).scimType).toBe('invalidValue');
  });

  it('when a user holds more than 100 values of one attribute, then 400 invalidValue; a group may hold far more members', () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i}` }));
    expect(parseUserInput({ userName: 'u', phoneNumbers: values(100) }).attributes.phoneNumbers).toHaveLength(100);
    expect(rejection(() => parseUserInput({ userName: 'u', phoneNumbers: values(101) })).message).toContain('phoneNumbers');
    expect(rejection(() => parseUserInput({ userName: 'u', [ENTERPRISE]: { list: values(101) } })).scimType).toBe('invalidValue');
    expect(parseGroupInput({ displayName: 'g', members: values(10_000) }).attributes.members).toHaveLength(10_000);
  });
});
