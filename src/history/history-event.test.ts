import { changedAttributes, membersChange } from './history-event';
import { summarizeEvent } from './history-reader';

describe('changedAttributes', () => {
  it('when a user is created, then every attribute it set is named, its name by part', () => {
    expect(changedAttributes(undefined, { userName: 'a', name: { givenName: 'A', familyName: 'B' }, active: true })).toEqual([
      'active',
      'name.familyName',
      'name.givenName',
      'userName',
    ]);
  });

  it('when only some attributes differ, then only they are named, and a removed one counts as changed', () => {
    const before = { userName: 'a', active: true, title: 'x', emails: [{ value: 'a@x' }] };
    expect(changedAttributes(before, { userName: 'a', active: false, emails: [{ value: 'a@x' }] })).toEqual(['active', 'title']);
  });

  it('when members or a password are in the attributes, then they are never named (members are counted, a password is never kept)', () => {
    expect(changedAttributes({}, { members: [{ value: 'u1' }], password: 'secret', Password: 'x' })).toEqual([]);
    expect(membersChange(2, 1)).toEqual(['members +2 -1']);
    expect(membersChange(0, 0)).toEqual([]);
  });
});

describe('summarizeEvent', () => {
  it('when events of each type are summarised, then each says what happened in one line', () => {
    const at = '2026-01-01T00:00:00.000Z';
    expect(summarizeEvent({ type: 'scim', at, method: 'PATCH', requestId: 'r1', changed: ['active'], version: 3 })).toEqual({
      at,
      what: 'SCIM PATCH',
      requestId: 'r1',
      detail: 'changed active; version 3',
    });
    expect(summarizeEvent({ type: 'job', at, job: 'sync-user', attempt: 2, outcome: 'will retry', detail: 'timed out', durationMs: 12 }).what).toBe(
      'job sync-user: will retry',
    );
    expect(summarizeEvent({ type: 'secret-server', at, endpoint: 'GET /api/v1/users/{id}', status: 404, durationMs: 3 }).detail).toBe('answered 404 in 3 ms');
    expect(summarizeEvent({ type: 'protected', at, secretServerId: 7, reason: 'it is on SS_PROTECTED_USERS' }).detail).toMatch(/nothing was written/);
  });
});
