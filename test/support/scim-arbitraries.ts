/**
 * fast-check arbitraries for the SCIM protocol layer (src/scim), shared by the unit property tests
 * and by the fault suite, which runs them many more times (FUZZ_RUNS=100000).
 */
import fc from 'fast-check';

const PATCH_OP_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Runs per property: the given default, or FUZZ_RUNS when set (tests only; src reads config). */
export function fuzzRuns(defaultRuns = 2000): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

// ---------------------------------------------------------------- filters (RFC 7644 §3.4.2.2)

const attrPaths = fc.constantFrom(
  'userName',
  'UsErNaMe',
  'name.givenName',
  'name.familyName',
  'displayName',
  'externalId',
  'id',
  'active',
  'title',
  'emails',
  'emails.value',
  'emails.type',
  'email',
  'phoneNumbers.value',
  'members',
  'members.value',
  'meta.created',
  'meta.lastModified',
  'meta.version',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
  `${ENTERPRISE}:department`,
  `${ENTERPRISE}:manager.value`,
  'unknownAttr',
  'x.y',
);
const multiValued = fc.constantFrom('emails', 'members', 'phoneNumbers', 'addresses', 'groups');
const subAttrs = fc.constantFrom('value', 'type', 'primary', 'display', '$ref', 'Value');
const compareOps = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Sw');
const compValues = fc.oneof(
  fc.string({ maxLength: 16 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom('true', 'false', 'null', '"work"', '"2024-01-31T00:00:00Z"', '"a\\"b"', '"c:\\\\d"'),
);

const valueFilterText: fc.Arbitrary<string> = fc.letrec<{ vf: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(
    fc.tuple(subAttrs, compareOps, compValues).map(([a, o, v]) => `${a} ${o} ${v}`),
    subAttrs.map((a) => `${a} pr`),
  ),
  vf: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.tuple(tie('vf'), fc.constantFrom('and', 'or'), tie('vf')).map(([l, o, r]) => `${l} ${o} ${r}`),
    tie('vf').map((f) => `not (${f})`),
    tie('vf').map((f) => `(${f})`),
  ),
})).vf;

/** Filters built from the RFC grammar (most parse; some are rejected on purpose, e.g. `active gt true`). */
export const grammarFilterArbitrary: fc.Arbitrary<string> = fc.letrec<{ filter: string; leaf: string }>((tie) => ({
  leaf: fc.oneof(
    fc.tuple(attrPaths, compareOps, compValues).map(([a, o, v]) => `${a} ${o} ${v}`),
    attrPaths.map((a) => `${a} pr`),
    fc.tuple(multiValued, valueFilterText).map(([a, f]) => `${a}[${f}]`),
    fc.tuple(multiValued, valueFilterText, subAttrs, compareOps, compValues).map(([a, f, s, o, v]) => `${a}[${f}].${s} ${o} ${v}`),
  ),
  filter: fc.oneof(
    { depthSize: 'small' },
    tie('leaf'),
    fc.tuple(tie('filter'), fc.constantFrom('and', 'or', 'AND', 'Or'), tie('filter')).map(([l, o, r]) => `${l} ${o} ${r}`),
    tie('filter').map((f) => `(${f})`),
    tie('filter').map((f) => `not (${f})`),
  ),
})).filter;

const editChars = fc.constantFrom('(', ')', '[', ']', '"', '\\', '.', ':', ' ', '\n', 'eq', 'and', 'not', '$', '-', '0');

/** Grammar filters with random insertions and deletions: mostly invalid, near the valid ones. */
export const mutatedFilterArbitrary: fc.Arbitrary<string> = fc
  .tuple(grammarFilterArbitrary, fc.array(fc.tuple(fc.nat(), fc.boolean(), editChars), { maxLength: 4 }))
  .map(([text, edits]) =>
    edits.reduce((t, [at, insert, chars]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return insert ? t.slice(0, i) + chars + t.slice(i) : t.slice(0, i) + t.slice(i + 1);
    }, text),
  );

/** Any text, including the shapes that make naive parsers hang or overflow. */
export const arbitraryFilterTextArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(editChars, { maxLength: 60 }).map((parts) => parts.join('')),
  fc.nat({ max: 3000 }).map((n) => `${'('.repeat(n)}userName eq "a"${')'.repeat(n)}`),
  fc.nat({ max: 1500 }).map((n) => `${'not '.repeat(n)}userName pr`),
  fc.nat({ max: 3000 }).map((n) => `userName eq "${'\n'.repeat(n)}`),
  fc.nat({ max: 600 }).map((n) => Array.from({ length: n }, () => 'a eq 1').join(' or ')),
  fc.string({ minLength: 2040, maxLength: 2100 }),
);

// ---------------------------------------------------------------- PATCH (RFC 7644 §3.5.2)

const patchPaths: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'active',
      'userName',
      'displayName',
      'name',
      'name.givenName',
      'emails',
      'members',
      'title',
      'externalId',
      'id',
      'meta',
      'meta.version',
      'schemas',
      'password',
      'groups',
      'Active',
      'DISPLAYNAME',
      'members[value eq "u1"]',
      'members[value eq "u2"].display',
      'members[value eq "a:b"]',
      'emails[type eq "work"].value',
      'emails[type eq "work"]',
      'emails[primary eq true].value',
      'emails[type eq "work" and primary eq true].primary',
      'phoneNumbers[type eq "mobile"].value',
      'name[givenName eq "x"]',
      'emails[value co "@"]',
      `${ENTERPRISE}:department`,
      ENTERPRISE,
      `${ENTERPRISE}:manager.value`,
      'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName',
      'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User:syncState',
      '__proto__.polluted',
      'constructor.polluted',
      'prototype.polluted',
      'emails[type eq "work"',
      'emails[',
      ']',
      '',
      ' ',
      'a.b.c',
      'emails[type eq "work"].value.x',
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(multiValued, valueFilterText, fc.option(subAttrs, { nil: undefined }))
      .map(([a, f, s]) => `${a}[${f}]${s === undefined ? '' : `.${s}`}`),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

const memberLists = fc.array(fc.record({ value: fc.constantFrom('u1', 'u2', 'u3', 'U1'), display: fc.string({ maxLength: 8 }) }, { requiredKeys: ['value'] }), {
  maxLength: 5,
});

const patchValues: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 20, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 20, arbitrary: fc.constantFrom(true, false, 'True', 'False', 'yes', null, '', 0, 'x@example.com') },
  { weight: 20, arbitrary: memberLists },
  {
    weight: 20,
    arbitrary: fc.constantFrom<unknown>(
      { active: false },
      { active: 'False' },
      { id: 'someone-else', displayName: 'Renamed', meta: {}, schemas: [] },
      { [ENTERPRISE]: { department: 'R&D', manager: { value: 'm1' } } },
      { 'name.givenName': 'G', [`${ENTERPRISE}:department`]: 'Ops', password: 'p' },
      { givenName: 'G', familyName: 'F' },
      { value: 'w@example.com', type: 'work', primary: 'True' },
    ),
  },
  { weight: 20, arbitrary: fc.dictionary(patchPaths, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  // Rare, since one refused operation refuses the whole body.
  {
    weight: 1,
    arbitrary: fc.constantFrom(JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}'), {
      '__proto__.polluted': 'yes',
      'constructor.prototype.polluted': 'yes',
    }),
  },
);

const validOpNames = fc.constantFrom('add', 'remove', 'replace', 'Add', 'Remove', 'Replace', 'REPLACE', ' add ');
const opNames: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: validOpNames },
  { weight: 1, arbitrary: fc.constantFrom('move', 'copy', '', 'test') },
  { weight: 1, arbitrary: fc.anything() },
);

/** One well-formed PATCH operation (RFC 7644 §3.5.2) in any of the Okta and Entra spellings. */
export const wellFormedPatchOperationArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ op: validOpNames, path: patchPaths, value: patchValues }),
  fc.record({ op: fc.constantFrom('add', 'replace', 'Replace'), value: patchValues }),
  fc.record({ op: fc.constantFrom('remove', 'Remove'), path: patchPaths }),
);

/** One PATCH operation, well- or ill-formed. */
export const patchOperationArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ op: opNames, path: patchPaths, value: patchValues }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.anything() },
);

/** A PatchOp message whose operations are all well-formed, so most apply. */
export const wellFormedPatchBodyArbitrary: fc.Arbitrary<unknown> = fc.record({
  schemas: fc.constant([PATCH_OP_URN]),
  Operations: fc.array(wellFormedPatchOperationArbitrary, { maxLength: 6 }),
});

/** A PATCH body: mostly a PatchOp message, sometimes anything at all. */
export const patchBodyArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: wellFormedPatchBodyArbitrary },
  {
    weight: 10,
    arbitrary: fc.record({
      schemas: fc.constant([PATCH_OP_URN]),
      Operations: fc.array(patchOperationArbitrary, { maxLength: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ schemas: fc.anything(), Operations: fc.oneof(fc.anything(), fc.array(fc.anything(), { maxLength: 4 })) }, { requiredKeys: [] }),
  },
  { weight: 1, arbitrary: fc.anything() },
);

/** Stored User attributes, plus a little noise. */
export const userAttributesArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    userName: fc.constantFrom('ada@example.com', 'Bob', ''),
    active: fc.oneof(fc.boolean(), fc.constant('False')),
    name: fc.oneof(fc.record({ givenName: fc.string(), familyName: fc.string() }), fc.constant('not-an-object')),
    emails: fc.oneof(
      fc.array(fc.record({ value: fc.string({ maxLength: 12 }), type: fc.constantFrom('work', 'home'), primary: fc.boolean() }), { maxLength: 3 }),
      fc.constant({ value: 'x' }),
    ),
    [ENTERPRISE]: fc.record({ department: fc.string() }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['userName'] },
);

/** Stored Group attributes. */
export const groupAttributesArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    displayName: fc.constantFrom('Eng', 'Ops'),
    members: fc.oneof(memberLists, fc.constant('not-an-array')),
  },
  { requiredKeys: ['displayName'] },
);

/** SCIM resource bodies as clients might send them, for POST/PUT input parsing. */
export const resourceBodyArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        userName: fc.oneof(fc.string(), fc.anything()),
        active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', 'yes', 1, null)),
        emails: fc.anything(),
        name: fc.anything(),
        members: fc.anything(),
        displayName: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 2, arbitrary: fc.dictionary(patchPaths, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.anything() },
);

/** Values for the attributes / excludedAttributes parameters. */
export const attributeListArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.oneof(attrPaths, patchPaths), { maxLength: 5 }).map((a) => a.join(',')),
  fc.string({ maxLength: 60 }),
);
