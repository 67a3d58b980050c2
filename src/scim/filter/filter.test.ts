import { BridgeError, InvalidFilterError } from '../../errors/bridge-error';
import { FILTER_SCAN_LIMIT, assertScanAffordable, indexedLookup, matchesFilter, parseFilter } from './filter';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** A user as resource-service.ts hands it to filters: attributes plus id and meta. */
const user: Record<string, unknown> = {
  id: 'a1B2-c3',
  externalId: '00ujl29u0le5T6Aj10h7',
  userName: 'Test.User@Okta.local',
  displayName: 'Test User',
  active: true,
  name: { givenName: 'Test', familyName: 'User' },
  emails: [
    { value: 'home@example.com', type: 'home' },
    { value: 'test.user@okta.local', type: 'work', primary: true },
  ],
  title: 'Engineer',
  [ENTERPRISE]: { department: 'R&D', manager: { value: 'm-1' } },
  meta: { resourceType: 'User', created: '2024-01-10T08:00:00.000Z', lastModified: '2024-05-01T12:00:00.000Z', version: 'W/"3"' },
};

const group: Record<string, unknown> = {
  id: 'g-1',
  displayName: 'Test SCIMv2',
  members: [{ value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'test.user@okta.local' }],
};

function matches(text: string, resource: Record<string, unknown> = user): boolean {
  return matchesFilter(parseFilter(text), resource);
}

function expectInvalid(text: string, detail?: RegExp): void {
  let caught: unknown;
  try {
    parseFilter(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(InvalidFilterError);
  expect((caught as BridgeError).statusCode).toBe(400);
  expect((caught as BridgeError).scimType).toBe('invalidFilter');
  if (detail) expect((caught as Error).message).toMatch(detail);
}

describe('parseFilter and matchesFilter: what Okta sends (the Okta SCIM 2.0 protocol reference, the Okta SPEC test)', () => {
  it('when Okta checks a userName in another case, then the user still matches (SPEC step 9)', () => {
    expect(matches('userName eq "test.user@okta.local"')).toBe(true);
    expect(matches('userName eq "TEST.USER@OKTA.LOCAL"')).toBe(true);
    expect(matches('userName eq "abcdefgh@atko.com"')).toBe(false);
  });

  it('when Okta looks a group up by displayName, then it matches case-insensitively', () => {
    expect(matches('displayName eq "Test SCIMv2"', group)).toBe(true);
    expect(matches('displayName eq "test scimv2"', group)).toBe(true);
    expect(matches('displayName eq "Eng"', group)).toBe(false);
  });

  it('when the filter is on email (unique identifier = email), then email, emails and emails.value all work', () => {
    for (const f of ['email eq "test.user@okta.local"', 'emails eq "TEST.user@okta.local"', 'emails.value eq "test.user@okta.local"']) {
      expect(matches(f)).toBe(true);
    }
    expect(matches('email eq "nobody@okta.local"')).toBe(false);
  });

  it('when Entra filters emails[type eq "work"].value, then type and value must hold for the same email', () => {
    expect(matches('emails[type eq "work"].value eq "test.user@okta.local"')).toBe(true);
    expect(matches('emails[type eq "home"].value eq "test.user@okta.local"')).toBe(false);
    expect(matches('emails[type eq "work"].value pr')).toBe(true);
  });

  it('when Entra looks up by externalId, then it matches exactly and case-sensitively', () => {
    expect(matches('externalId eq "00ujl29u0le5T6Aj10h7"')).toBe(true);
    expect(matches('externalId eq "00UJL29U0LE5T6AJ10H7"')).toBe(false);
  });

  it('when a member is looked for with members[value eq "…"], then the group matches', () => {
    expect(matches('members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]', group)).toBe(true);
    expect(matches('members[value eq "someone-else"]', group)).toBe(false);
    expect(matches('members.value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"', group)).toBe(true);
  });
});

describe('parseFilter and matchesFilter: operators (RFC 7644 §3.4.2.2)', () => {
  it.each([
    ['userName ne "someone"', true],
    ['userName ne "test.user@okta.local"', false],
    ['userName co "USER@"', true],
    ['userName sw "test."', true],
    ['userName ew ".LOCAL"', true],
    ['title pr', true],
    ['nickName pr', false],
    ['title gt "Alpha"', true],
    ['title ge "engineer"', true],
    ['title lt "Engineer"', false],
    ['title le "engineer"', true],
    ['active eq true', true],
    ['active eq false', false],
    ['active ne false', true],
    ['userName eq "x" or title eq "engineer"', true],
    ['userName eq "x" and title eq "engineer"', false],
    ['not (userName eq "x")', true],
    ['not (title pr)', false],
    ['(userName eq "x" or title eq "Engineer") and active eq true', true],
    ['userName eq "x" or title eq "Engineer" and active eq false', false],
    ['USERNAME EQ "test.user@okta.local" AND Active Eq TRUE', true],
    ['name.givenName eq "test"', true],
    ['name.familyName sw "Us"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "test.user@okta.local"', true],
    [`${ENTERPRISE}:department eq "r&d"`, true],
    [`${ENTERPRISE}:manager.value eq "m-1"`, true],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Department eq "R&D"', true],
    ['id eq "a1B2-c3"', true],
    ['id eq "A1B2-C3"', false],
    ['meta.version eq "W/\\"3\\""', true],
    ['meta.version eq "w/\\"3\\""', false],
    ['meta.lastModified gt "2024-04-30T00:00:00Z"', true],
    ['meta.lastModified gt "2024-05-01T13:00:00+02:00"', true],
    ['meta.lastModified lt "2024-05-01T13:00:00+02:00"', false],
    ['meta.created ge "2024-01-10T08:00:00Z"', true],
    ['meta.created eq "2024-01-10T09:00:00+01:00"', true],
    ['emails[type eq "work" and primary eq true]', true],
    ['emails[not (type eq "work")]', true],
    ['emails[value ew "@example.com"]', true],
    ['title eq null', false],
    ['nickName eq null', true],
    ['nickName ne null', false],
    ['missing.sub eq "x"', false],
  ])('when the filter is %s, then the match is %s', (text, expected) => {
    expect(matches(text)).toBe(expected);
  });

  it('when a string holds escapes, then they are decoded as JSON (unlike the library tokenizer)', () => {
    const r = { userName: 'a\\b "quoted"\n' };
    expect(matches('userName eq "a\\\\b \\"quoted\\"\\n"', r)).toBe(true);
  });

  it('when a number is compared, then numbers and numeric strings compare numerically', () => {
    const r = { employeeNumber: '701984', level: 10 };
    expect(matches('employeeNumber eq 701984', r)).toBe(true);
    expect(matches('level gt 9.5', r)).toBe(true);
    expect(matches('level le -1', r)).toBe(false);
  });

  it('when a $ref sub-attribute is named, then it parses (RFC 7643 §2.4)', () => {
    const r = { members: [{ value: 'u', $ref: 'https://x/Users/u' }] };
    expect(matches('members[$ref sw "https://x/"]', r)).toBe(true);
  });

  it('when an ordering operator meets a boolean attribute value, then the filter is invalid', () => {
    expect(() => matches('flag gt "a"', { flag: true })).toThrow(InvalidFilterError);
  });
});

describe('parseFilter: invalid filters are 400 invalidFilter', () => {
  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['userName eq "unterminated', /Unterminated/],
    ['userName eq "a" and (title pr', /Unbalanced/],
    ['userName eq "a")', /Unbalanced/],
    ['emails[type eq "work"', /Unbalanced/],
    ['emails type eq "work"]', /Unbalanced/],
    ['userName like "a"', /Invalid filter/],
    ['userName eq', /Invalid filter/],
    ['userName eq "a" garbage', /after the end/],
    ['userName eq "a" "b"', /after the end/],
    ['userName eq bare', /Invalid filter/],
    ['userName eq "a" and', /Invalid filter/],
    ['and userName eq "a"', /Invalid filter/],
    ['userName eq "a" ; drop', /Unexpected character/],
    ['userName eq "bad \\q escape"', /Invalid escape/],
    ['emails[type eq "work"]. eq "x"', /sub-attribute/],
    ['emails[type eq "work"].value like "x"', /Unknown operator/],
    ['a[b[c eq 1]]', /nested/],
    ['emails[urn:x:y:value eq "1"]', /Invalid attribute path/],
    ['emails[value.sub eq "1"]', /Invalid attribute path/],
    ['name.givenName.x eq "a"', /Invalid attribute path/],
    ['active gt true', /cannot compare with true/],
    ['active lt "x"', /boolean attribute/],
    ['emails[primary ge false]', /cannot compare with false/],
    ['title co null', /cannot compare with null/],
    ['meta.lastModified gt "last week"', /date/],
    ['12abc eq 1', /Invalid number/],
    ['__proto__ eq 1', /Unexpected character|Invalid attribute path/],
    ['userName eq "a" not (title pr)', /'not' goes before a parenthesised filter/],
    ['emails[type eq "work" not (value pr)]', /'not' goes before a parenthesised filter/],
  ])('when the filter is %j, then InvalidFilterError (%s)', (text, detail) => {
    expectInvalid(text, detail);
  });

  it('when the filter is longer than 2048 characters, then it is refused before parsing', () => {
    expectInvalid(`userName eq "${'a'.repeat(2040)}"`, /longer than 2048/);
  });

  it('when the filter has more than 64 expressions, then it is refused', () => {
    expectInvalid(Array.from({ length: 65 }, (_, i) => `title eq "${i}"`).join(' or '), /too complex/);
  });

  it('when the filter nests deeper than 16 levels, then it is refused', () => {
    expectInvalid(`${'('.repeat(17)}title pr${')'.repeat(17)}`, /nested too deeply/);
    expectInvalid(`${'not ('.repeat(17)}title pr${')'.repeat(17)}`, /nested too deeply/);
  });

  it('when an unterminated string is full of newlines, then it fails fast (the library regex backtracks exponentially)', () => {
    const started = Date.now();
    expectInvalid(`userName eq "${'\n'.repeat(2000)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('indexedLookup', () => {
  /** What the store keeps (unique-keys.ts): userName and displayName lower-cased, externalId as is. */
  const USER_INDEXES = [
    { attribute: 'userName', caseExact: false },
    { attribute: 'externalId', caseExact: true },
  ];
  const GROUP_INDEXES = [
    { attribute: 'displayName', caseExact: false },
    { attribute: 'externalId', caseExact: true },
  ];

  it.each([
    ['userName eq "Test.User@okta.local"', { attribute: 'userName', value: 'Test.User@okta.local' }],
    ['USERNAME eq "a"', { attribute: 'userName', value: 'a' }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"', { attribute: 'userName', value: 'a' }],
    ['id eq "a1"', { attribute: 'id', value: 'a1' }],
    ['externalId eq "00u1"', { attribute: 'externalId', value: '00u1' }],
    ['userName eq "a" and active eq true', { attribute: 'userName', value: 'a' }],
    ['displayName eq "d" and externalId eq "e" and userName eq "u"', { attribute: 'externalId', value: 'e' }],
    ['userName eq "u" and id eq "i"', { attribute: 'id', value: 'i' }],
  ])('when a User filter is %s, then the candidates are looked up by %j', (text, expected) => {
    expect(indexedLookup(parseFilter(text), 'User', USER_INDEXES)).toEqual(expected);
  });

  it('when a Group filter is an equality on displayName, then the group index serves it', () => {
    expect(indexedLookup(parseFilter('displayName eq "Test SCIMv2"'), 'Group', GROUP_INDEXES)).toEqual({ attribute: 'displayName', value: 'Test SCIMv2' });
  });

  it.each([
    'displayName eq "Test User"',
    'email eq "a@b.c"',
    'emails eq "a@b.c"',
    'emails.value eq "a@b.c"',
    'emails[type eq "work"].value eq "a@b.c"',
    'emails[value eq "a@b.c"]',
    'userName eq ""',
    'externalId eq ""',
    'id eq "g1:members"',
    'userName ne "a"',
    'userName sw "a"',
    'userName eq "a" or userName eq "b"',
    'not (userName eq "a")',
    'title eq "a"',
    `${ENTERPRISE}:department eq "x"`,
    'emails[type eq "work"]',
    'emails[type eq "work" or value eq "a"]',
    'active eq true',
    'id eq 5',
  ])('when a User filter is %s, then no index answers it exactly (scan)', (text) => {
    expect(indexedLookup(parseFilter(text), 'User', USER_INDEXES)).toBeNull();
  });

  it('when the store keeps no index for an attribute, or folds it unlike the schema, then it is not trusted', () => {
    const filter = parseFilter('userName eq "a"');
    expect(indexedLookup(filter, 'Group', GROUP_INDEXES)).toBeNull();
    expect(indexedLookup(filter, 'User', [{ attribute: 'userName', caseExact: true }])).toBeNull();
    expect(indexedLookup(parseFilter('externalId eq "e"'), 'User', [])).toBeNull();
    expect(indexedLookup(parseFilter('externalId eq "e"'), 'User', [{ attribute: 'externalId', caseExact: false }])).toBeNull();
  });
});

describe('scan budget', () => {
  it('when a filter no index serves would cost more than the budget over the set, then 400 tooMany before any work', () => {
    const filter = parseFilter('title co "a" or title co "b"'); // 3 expressions
    expect(() => assertScanAffordable(filter, Math.floor(FILTER_SCAN_LIMIT / 3))).not.toThrow();
    let error: unknown;
    try {
      assertScanAffordable(filter, Math.floor(FILTER_SCAN_LIMIT / 3) + 1);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ statusCode: 400, scimType: 'tooMany' });
  });

  it('when evaluated with a meter, then each expression counts the values it looks at', () => {
    const meter = { units: 0 };
    matchesFilter(parseFilter('emails[value eq "x"] or title pr'), { emails: [{ value: 'a' }, { value: 'b' }] }, meter);
    expect(meter.units).toBe(2 + 2 + 1);
  });
});
