import { ImportedUserIds } from './imported-user-ids';

describe('ImportedUserIds', () => {
  const stable = (id: number) => `stable-${id}`;

  it('when ids are recorded in any order, then each reads back, derived or kept, and the last record wins', () => {
    const ids = new ImportedUserIds(stable);
    for (const id of [5, 3, 9, 1]) ids.set(id, stable(id), stable(id));
    ids.set(7, 'okta-user', stable(7));
    ids.set(3, 'linked-later', stable(3));
    ids.set(7, stable(7), stable(7));
    expect([1, 3, 5, 7, 9].map((id) => ids.get(id))).toEqual(['stable-1', 'linked-later', 'stable-5', 'stable-7', 'stable-9']);
    expect(ids.get(2)).toBeUndefined();
    for (let id = 10; id < 3000; id++) ids.set(id, stable(id), stable(id));
    expect(ids.get(2999)).toBe('stable-2999');
    expect(ids.get(1)).toBe('stable-1');
  });
});
