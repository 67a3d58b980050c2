import { applyPatch } from './patch';
import { patchBody, rejection } from '../scim-test-fixtures';

function group(): Record<string, unknown> {
  return {
    displayName: 'Test SCIMv2',
    members: [
      { value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'old.member@okta.local' },
      { value: 'u-2', display: 'second@okta.local' },
    ],
  };
}

describe('applyPatch: Okta group forms (the Okta SCIM 2.0 protocol reference, the Okta SPEC test)', () => {
  it('when Okta renames with a path-less {id, displayName}, then the name changes, the id is ignored and members stay', () => {
    const result = applyPatch('Group', group(), patchBody({ op: 'replace', value: { id: 'abf4dd94-other', displayName: 'Eng2' } }));
    expect(result.resource).toEqual({ ...group(), displayName: 'Eng2' });
    expect(result.resource).not.toHaveProperty('id');
  });

  it('when Okta removes a member by members[value eq "…"], then only that member goes; repeating it succeeds', () => {
    const ops = patchBody({ op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' });
    const first = applyPatch('Group', group(), ops);
    expect(first.resource.members).toEqual([{ value: 'u-2', display: 'second@okta.local' }]);
    const again = applyPatch('Group', first.resource, ops);
    expect(again).toEqual({ resource: first.resource, changed: false });
  });

  it('when the group has no members at all and one is removed, then it succeeds (scim-patch throws)', () => {
    const result = applyPatch('Group', { displayName: 'Eng' }, patchBody({ op: 'remove', path: 'members[value eq "u-9"]' }));
    expect(result.changed).toBe(false);
  });

  it('when the last member is removed by filter, then members stays an empty array', () => {
    const start = { displayName: 'Eng', members: [{ value: 'u-1' }] };
    expect(applyPatch('Group', start, patchBody({ op: 'remove', path: 'members[value eq "u-1"]' })).resource.members).toEqual([]);
  });

  it('when Okta sends its membership update (remove one, add one), then both apply in order', () => {
    const result = applyPatch(
      'Group',
      group(),
      patchBody(
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        { op: 'add', path: 'members', value: [{ value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' }] },
      ),
    );
    expect(result.resource.members).toEqual([
      { value: 'u-2', display: 'second@okta.local' },
      { value: '23a35c27-23d3-4c03-b4c5-6443c09e7173', display: 'test.user@okta.local' },
    ]);
  });

  it('when a member already present is added again (with or without display), then there is no duplicate', () => {
    const result = applyPatch(
      'Group',
      group(),
      patchBody({ op: 'add', path: 'members', value: [{ value: 'u-2' }, { value: 'u-3' }, { value: 'u-3', display: 'x' }] }),
    );
    expect((result.resource.members as unknown[]).map((m) => (m as { value: string }).value)).toEqual(['89bb1940-b905-4575-9e7f-6f887cfb368e', 'u-2', 'u-3']);
  });

  it('when a single member object is added, then it is accepted like a one-element array', () => {
    const result = applyPatch('Group', { displayName: 'Eng' }, patchBody({ op: 'add', path: 'members', value: { value: 'u-1' } }));
    expect(result.resource.members).toEqual([{ value: 'u-1' }]);
  });

  it('when Okta pushes the full member list with replace, then exactly those members remain, deduplicated', () => {
    const result = applyPatch('Group', group(), patchBody({ op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }, { value: 'a' }] }));
    expect(result.resource.members).toEqual([{ value: 'a' }, { value: 'b' }]);
  });

  it('when members is removed without a filter, then all members go', () => {
    expect(applyPatch('Group', group(), patchBody({ op: 'remove', path: 'members' })).resource.members).toEqual([]);
  });

  it('when Entra removes members by value list ("Remove", value [{value}]), then they go even if stored with a display', () => {
    const result = applyPatch('Group', group(), patchBody({ op: 'Remove', path: 'members', value: [{ value: 'u-2' }, { value: 'absent' }] }));
    expect(result.resource.members).toEqual([{ value: '89bb1940-b905-4575-9e7f-6f887cfb368e', display: 'old.member@okta.local' }]);
  });

  it('when Entra adds members with "Add", then they are added', () => {
    const result = applyPatch('Group', { displayName: 'Eng', members: [] }, patchBody({ op: 'Add', path: 'members', value: [{ value: 'u-1' }] }));
    expect(result.resource.members).toEqual([{ value: 'u-1' }]);
  });

  it('when Entra renames with path displayName, then the group is renamed', () => {
    expect(applyPatch('Group', group(), patchBody({ op: 'Replace', path: 'displayName', value: 'Eng3' })).resource.displayName).toBe('Eng3');
  });

  it('when a member has no string value, then 400 invalidValue', () => {
    expect(rejection(() => applyPatch('Group', group(), patchBody({ op: 'add', path: 'members', value: [{ display: 'x' }] }))).scimType).toBe('invalidValue');
  });

  it('when a member filter value contains a colon, then it still works (scim-patch splits the path on it)', () => {
    const start = { displayName: 'Eng', members: [{ value: 'urn:uuid:1' }, { value: 'u-2' }] };
    expect(applyPatch('Group', start, patchBody({ op: 'remove', path: 'members[value eq "urn:uuid:1"]' })).resource.members).toEqual([{ value: 'u-2' }]);
  });
});

describe('applyPatch: bounded work', () => {
  const bigGroup = (): Record<string, unknown> => ({
    displayName: 'All staff',
    members: Array.from({ length: 10_000 }, (_, i) => ({ value: `user-${i}`, display: `u${i}@x.com` })),
  });

  it('when Okta removes and adds 500 members each on a 10,000-member group, then it succeeds quickly', () => {
    const ops = Array.from({ length: 500 }, (_, i) => [
      { op: 'remove', path: `members[value eq "user-${i * 3}"]` },
      { op: 'add', path: 'members', value: [{ value: `new-${i}` }] },
    ]).flat();
    const started = Date.now();
    const result = applyPatch('Group', bigGroup(), patchBody(...ops));
    expect((result.resource.members as unknown[]).length).toBe(10_000);
    // Generous: this guards against hangs on a loaded CI machine, it is not a benchmark.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when operations would multiply into too much work, then 400 tooMany, quickly', () => {
    const phones = Array.from({ length: 10_000 }, (_, i) => ({ value: `555-${i}`, type: 'work' }));
    const ops = Array.from({ length: 1000 }, (_, i) => ({
      op: 'replace',
      path: `phoneNumbers[value co "${i}" or type eq "x" or display pr and value sw "5"].display`,
      value: 'd',
    }));
    const started = Date.now();
    const error = rejection(() => applyPatch('User', { userName: 'u', phoneNumbers: phones }, patchBody(...ops)));
    expect(error.scimType).toBe('tooMany');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('when 10,000 values are added to 10,000, then duplicates are found without pairwise comparison', () => {
    const phones = Array.from({ length: 10_000 }, (_, i) => ({ value: `555-${i}`, type: 'work' }));
    const started = Date.now();
    const result = applyPatch(
      'User',
      { userName: 'u', phoneNumbers: phones },
      patchBody({ op: 'add', path: 'phoneNumbers', value: [...phones.slice(5000), { value: 'new' }] }),
    );
    expect((result.resource.phoneNumbers as unknown[]).length).toBe(10_001);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('applyPatch: cost estimated before running', () => {
  it('when the stored arrays make the operations too costly, then 400 tooMany before any operation runs', () => {
    const emails = Array.from({ length: 100 }, (_, i) => ({ value: `e${i}@example.com`, type: 'work' }));
    const ops = Array.from({ length: 1000 }, () => ({ op: 'replace', path: 'emails[value co "e"].type', value: 'home' }));
    const started = Date.now();
    const error = rejection(() => applyPatch('User', { userName: 'u', emails }, patchBody(...ops)));
    expect(error.scimType).toBe('tooMany');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('when Okta removes 999 members one by one from a 100,000-member group, then it is accepted (members are indexed)', () => {
    const members = Array.from({ length: 100_000 }, (_, i) => ({ value: `user-${i}` }));
    const ops = Array.from({ length: 999 }, (_, i) => ({ op: 'remove', path: `members[value eq "USER-${i}"]` }));
    const result = applyPatch(
      'Group',
      { displayName: 'All', members },
      patchBody(...ops, { op: 'add', path: 'members', value: [{ value: 'user-5' }, { value: 'new' }] }),
    );
    const values = (result.resource.members as Array<{ value: string }>).map((m) => m.value);
    expect(values).toHaveLength(99_003);
    expect(values.slice(0, 2)).toEqual(['user-999', 'user-1000']);
    expect(values.slice(-2)).toEqual(['user-5', 'new']);
  });
});
