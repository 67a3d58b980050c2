import { InvalidFilterError } from '../../errors/bridge-error';
import { applyPatch } from './patch';
import { patchBody, oktaUser, rejection } from '../scim-test-fixtures';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('applyPatch: Okta user forms (the Okta SCIM 2.0 protocol reference, the Okta SPEC test)', () => {
  it('when Okta deactivates with a path-less replace, then active becomes false', () => {
    const input = oktaUser();
    const result = applyPatch('User', input, patchBody({ op: 'replace', value: { active: false } }));
    expect(result).toEqual({ resource: { ...oktaUser(), active: false }, changed: true });
    expect(input.active).toBe(true); // the input is not modified
  });

  it('when Okta reactivates with the same body and true, then active becomes true', () => {
    const result = applyPatch('User', { ...oktaUser(), active: false }, patchBody({ op: 'replace', value: { active: true } }));
    expect(result.resource.active).toBe(true);
    expect(result.changed).toBe(true);
  });

  it('when the replace has path "active", then the result is the same', () => {
    expect(applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'active', value: false })).resource.active).toBe(false);
  });

  it('when Entra sends "op":"Replace" and "value":"False", then active becomes false', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'Replace', path: 'active', value: 'False' }));
    expect(result.resource.active).toBe(false);
  });

  it('when Entra sends a path-less {"active":"True"}, then it is read as the boolean true', () => {
    const result = applyPatch('User', { ...oktaUser(), active: false }, patchBody({ op: 'Replace', value: { active: 'True' } }));
    expect(result.resource.active).toBe(true);
  });

  it('when active is given a value that is no boolean, then 400 invalidValue', () => {
    const error = rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'active', value: 'maybe' })));
    expect(error.scimType).toBe('invalidValue');
  });

  it('when the op is upper case REPLACE, then it is accepted (scim-patch only knows "replace"/"Replace")', () => {
    expect(applyPatch('User', oktaUser(), patchBody({ op: 'REPLACE', path: 'title', value: 'CTO' })).resource.title).toBe('CTO');
  });

  it('when Okta syncs a password, then it is dropped and nothing changes', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', value: { password: 'n3w-Secret' } }));
    expect(result).toEqual({ resource: oktaUser(), changed: false });
  });

  it('when a password path comes with other changes, then the password is never in the result', () => {
    const result = applyPatch(
      'User',
      { ...oktaUser(), password: 'stale' },
      patchBody({ op: 'add', path: 'password', value: 'x' }, { op: 'replace', path: 'title', value: 'Dev' }),
    );
    expect(result.resource).not.toHaveProperty('password');
    expect(result.resource.title).toBe('Dev');
  });

  it('when the operations are empty, then nothing changes', () => {
    expect(applyPatch('User', oktaUser(), patchBody())).toEqual({ resource: oktaUser(), changed: false });
  });

  it('when a replace sets the value already there, then changed is false', () => {
    expect(applyPatch('User', oktaUser(), patchBody({ op: 'replace', value: { active: true } })).changed).toBe(false);
  });
});

describe('applyPatch: attribute paths (RFC 7644 §3.5.2)', () => {
  it('when an added email is primary, then the one primary before is no longer primary', () => {
    const user = { ...oktaUser(), emails: [{ value: 'old@x.example', type: 'work', primary: true }] };
    const result = applyPatch('User', user, patchBody({ op: 'add', path: 'emails', value: [{ value: 'new@x.example', type: 'home', primary: true }] }));
    expect(result.resource.emails).toEqual([
      { value: 'old@x.example', type: 'work', primary: false },
      { value: 'new@x.example', type: 'home', primary: true },
    ]);
  });

  it('when a filtered path makes another email primary, then only that one stays primary', () => {
    const user = {
      ...oktaUser(),
      emails: [
        { value: 'a@x.example', type: 'work', primary: true },
        { value: 'b@x.example', type: 'home' },
      ],
    };
    const result = applyPatch('User', user, patchBody({ op: 'replace', path: 'emails[type eq "home"].primary', value: true }));
    expect(result.resource.emails).toEqual([
      { value: 'a@x.example', type: 'work', primary: false },
      { value: 'b@x.example', type: 'home', primary: true },
    ]);
  });

  it('when name.givenName is replaced, then familyName is kept', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'name.givenName', value: 'Tess' }));
    expect(result.resource.name).toEqual({ givenName: 'Tess', familyName: 'User' });
  });

  it('when a path-less value replaces name with only givenName, then the other sub-attributes are left unchanged', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', value: { name: { givenName: 'Tess' } } }));
    expect(result.resource.name).toEqual({ givenName: 'Tess', familyName: 'User' });
  });

  it('when the path has another case (DisplayName), then the existing attribute is changed', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'DisplayName', value: 'T. User' }));
    expect(result.resource.displayName).toBe('T. User');
    expect(result.resource).not.toHaveProperty('DisplayName');
  });

  it('when a new attribute is named in another case, then it is stored under the schema spelling', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'add', path: 'NICKNAME', value: 'Tess' }));
    expect(result.resource.nickName).toBe('Tess');
  });

  it('when the path is core-URN-prefixed, then the prefix is ignored', () => {
    const result = applyPatch(
      'User',
      oktaUser(),
      patchBody({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:name.familyName', value: 'Usher' }),
    );
    expect(result.resource.name).toEqual({ givenName: 'Test', familyName: 'Usher' });
  });

  it('when an enterprise attribute is added by URN path, then it lands in the extension object', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'add', path: `${ENTERPRISE}:department`, value: 'R&D' }));
    expect(result.resource[ENTERPRISE]).toEqual({ department: 'R&D' });
  });

  it('when an enterprise attribute is replaced, then its siblings stay', () => {
    const start = { ...oktaUser(), [ENTERPRISE]: { department: 'Ops', costCenter: '42' } };
    const result = applyPatch('User', start, patchBody({ op: 'Replace', path: `${ENTERPRISE}:department`, value: 'R&D' }));
    expect(result.resource[ENTERPRISE]).toEqual({ department: 'R&D', costCenter: '42' });
  });

  it('when the manager sub-attribute is set by URN path, then it nests under manager', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'add', path: `${ENTERPRISE}:manager.value`, value: 'm-1' }));
    expect(result.resource[ENTERPRISE]).toEqual({ manager: { value: 'm-1' } });
  });

  it('when a path-less value carries the whole extension object, then it is not mangled (scim-patch nests it under "…:2.0" -> "User")', () => {
    const start = { ...oktaUser(), [ENTERPRISE]: { costCenter: '42' } };
    const result = applyPatch('User', start, patchBody({ op: 'replace', value: { [ENTERPRISE]: { department: 'R&D' } } }));
    expect(result.resource[ENTERPRISE]).toEqual({ costCenter: '42', department: 'R&D' });
    expect(Object.keys(result.resource).filter((k) => k.startsWith('urn:'))).toEqual([ENTERPRISE]);
  });

  it('when Entra sends path-less URN-prefixed keys and dotted keys, then each is applied as a path', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'Add', value: { [`${ENTERPRISE}:employeeNumber`]: '701984', 'name.givenName': 'Tess' } }));
    expect(result.resource[ENTERPRISE]).toEqual({ employeeNumber: '701984' });
    expect(result.resource.name).toEqual({ givenName: 'Tess', familyName: 'User' });
  });

  it('when the path is the whole extension URN, then the object is merged, and remove deletes it', () => {
    const added = applyPatch('User', oktaUser(), patchBody({ op: 'add', path: ENTERPRISE, value: { department: 'X' } }));
    expect(added.resource[ENTERPRISE]).toEqual({ department: 'X' });
    const removed = applyPatch('User', added.resource, patchBody({ op: 'remove', path: ENTERPRISE }));
    expect(removed.resource).not.toHaveProperty(ENTERPRISE);
  });

  it('when an attribute is removed, then it is gone; removing it again succeeds', () => {
    const first = applyPatch('User', oktaUser(), patchBody({ op: 'remove', path: 'displayName' }));
    expect(first.resource).not.toHaveProperty('displayName');
    expect(applyPatch('User', first.resource, patchBody({ op: 'remove', path: 'displayName' })).changed).toBe(false);
    expect(applyPatch('User', first.resource, patchBody({ op: 'remove', path: `${ENTERPRISE}:department` })).changed).toBe(false);
  });

  it('when replace carries null, then the attribute becomes unassigned (RFC 7643 §2.5)', () => {
    expect(applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'displayName', value: null })).resource).not.toHaveProperty('displayName');
  });

  it('when a single email object replaces emails, then emails becomes a one-element array (scim-patch would merge it into each)', () => {
    const start = {
      ...oktaUser(),
      emails: [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', type: 'home' },
      ],
    };
    const result = applyPatch('User', start, patchBody({ op: 'replace', path: 'emails', value: { value: 'c@x', type: 'work' } }));
    expect(result.resource.emails).toEqual([{ value: 'c@x', type: 'work' }]);
  });

  it('when phone numbers are added, then they are appended without exact duplicates', () => {
    const start = { ...oktaUser(), phoneNumbers: [{ value: '555-555-5555', type: 'work' }] };
    const result = applyPatch(
      'User',
      start,
      patchBody({
        op: 'add',
        path: 'phoneNumbers',
        value: [
          { value: '555-555-5555', type: 'work' },
          { value: '1', type: 'mobile' },
        ],
      }),
    );
    expect(result.resource.phoneNumbers).toEqual([
      { value: '555-555-5555', type: 'work' },
      { value: '1', type: 'mobile' },
    ]);
  });
});

describe('applyPatch: value paths (Entra, RFC 7644 §3.5.2)', () => {
  it('when Entra replaces emails[type eq "work"].value, then only the work email changes', () => {
    const start = {
      ...oktaUser(),
      emails: [
        { value: 'home@x', type: 'home' },
        { value: 'old@x', type: 'Work', primary: true },
      ],
    };
    const result = applyPatch('User', start, patchBody({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@x' }));
    expect(result.resource.emails).toEqual([
      { value: 'home@x', type: 'home' },
      { value: 'new@x', type: 'Work', primary: true },
    ]);
  });

  it('when Entra adds emails[type eq "work"].value and there is no work email, then one is created', () => {
    const start = { userName: 'u' };
    const result = applyPatch('User', start, patchBody({ op: 'Add', path: 'emails[type eq "work"].value', value: 'w@x' }));
    expect(result.resource.emails).toEqual([{ type: 'work', value: 'w@x' }]);
  });

  it('when a replace on an eq value path finds nothing, then it is treated as add (RFC 7644 §3.5.2.3)', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '555' }));
    expect(result.resource.phoneNumbers).toEqual([{ type: 'mobile', value: '555' }]);
  });

  it('when a non-eq value filter matches nothing, then 400 noTarget', () => {
    const error = rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'emails[value co "nomatch"].type', value: 'home' })));
    expect(error.scimType).toBe('noTarget');
  });

  it('when a value path replaces a whole record, then the matching record is replaced', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'emails[type eq "work"]', value: { value: 'n@x', type: 'work' } }));
    expect(result.resource.emails).toEqual([{ value: 'n@x', type: 'work' }]);
  });

  it('when a value path sets primary to "True", then it is stored as a boolean', () => {
    const start = { ...oktaUser(), emails: [{ value: 'a@x', type: 'work' }] };
    const result = applyPatch('User', start, patchBody({ op: 'replace', path: 'emails[type eq "work"].primary', value: 'True' }));
    expect(result.resource.emails).toEqual([{ value: 'a@x', type: 'work', primary: true }]);
  });

  it('when the last email is removed by value path, then emails is unassigned (RFC 7644 §3.5.2.2)', () => {
    const result = applyPatch('User', oktaUser(), patchBody({ op: 'remove', path: 'emails[type eq "work"]' }));
    expect(result.resource).not.toHaveProperty('emails');
  });

  it('when the filter in the path is malformed, then 400 invalidFilter', () => {
    const error = rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'remove', path: 'emails[type eq "work"' })));
    expect(error.scimType).toMatch(/invalidPath|invalidFilter/);
    expect(rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'remove', path: 'emails[type xx "work"]' })))).toBeInstanceOf(InvalidFilterError);
  });

  it('when a value path targets a single-valued attribute, then 400 invalidPath', () => {
    expect(
      rejection(() => applyPatch('User', oktaUser(), patchBody({ op: 'replace', path: 'name[givenName eq "Test"].familyName', value: 'x' }))).scimType,
    ).toBe('invalidPath');
  });
});
