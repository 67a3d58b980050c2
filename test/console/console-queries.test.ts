/** The reads behind the console's Users and Groups pages, on the real store: paging, search, Secret Server ids, member counts. */
import { ConsoleQueries } from '../../src/domain/console-queries';
import type { AdminService } from '../../src/domain/admin-service';
import { ResourceStore } from '../../src/store/resource-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

describe('console queries', () => {
  const redis = connectRedis();
  const prefix = uniquePrefix('console-queries');
  const store = new ResourceStore(redis, prefix);
  const queries = new ConsoleQueries(store, {} as AdminService);
  const ids: string[] = [];

  beforeAll(async () => {
    for (const [i, name] of ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov'].entries()) {
      const [givenName, familyName] = name.split(' ');
      const email = `${givenName.toLowerCase()}.${familyName.toLowerCase()}@example.com`;
      const user = await store.create('User', {
        userName: email,
        name: { givenName, familyName },
        emails: [{ value: `other${i}@example.org` }, { value: email, primary: true }],
      });
      ids.push(user.id);
    }
    await store.setLink('User', ids[1], { state: 'synced', secretServerId: 4711, lastSyncedAt: '2026-01-02T03:04:05.000Z' });
    await store.setLink('User', ids[2], { state: 'failed', lastError: 'Secret Server said no' });
    await store.create('Group', { displayName: 'Engineering', members: [{ value: ids[0] }, { value: ids[1] }] });
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('when the users are listed in pages of two, then they come in creation order with the total, and the last page says no more follow', async () => {
    const pages = [await queries.page('User', '', 0, 2), await queries.page('User', '', 1, 2), await queries.page('User', '', 2, 2)];
    expect(pages.map((p) => p.rows.map((r) => r.id))).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    expect(pages.map((p) => [p.total, p.hasMore])).toEqual([
      [5, true],
      [5, true],
      [5, false],
    ]);
    const [ada, alan] = pages[0].rows;
    expect(ada).toMatchObject({
      name: 'ada.lovelace@example.com',
      email: 'ada.lovelace@example.com',
      displayName: 'Ada Lovelace',
      syncState: 'pending',
      active: true,
    });
    expect(alan).toMatchObject({ syncState: 'synced', secretServerId: 4711, lastSyncedAt: '2026-01-02T03:04:05.000Z' });
  });

  it('when users are searched, then email, userName, name parts and the Secret Server id match, in any case, paged', async () => {
    expect((await queries.page('User', 'HOPPER', 0, 10)).rows.map((r) => r.id)).toEqual([ids[2]]);
    expect((await queries.page('User', 'other3@', 0, 10)).rows.map((r) => r.id)).toEqual([ids[3]]);
    expect((await queries.page('User', '4711', 0, 10)).rows.map((r) => r.id)).toEqual([ids[1]]);
    expect((await queries.page('User', ' barbara ', 0, 10)).rows.map((r) => r.id)).toEqual([ids[4]]);
    expect((await queries.page('User', 'nobody-has-this', 0, 10)).rows).toEqual([]);
    const first = await queries.page('User', 'example.com', 0, 3);
    const second = await queries.page('User', 'example.com', 1, 3);
    expect([first.rows.length, first.hasMore, second.rows.length, second.hasMore]).toEqual([3, true, 2, false]);
    expect(first.total).toBeUndefined();
    expect((await queries.page('User', 'failed-user', 0, 10)).rows).toEqual([]);
  });

  it('when groups are listed, then each shows its member count; and the overview counts users by syncState', async () => {
    const groups = await queries.page('Group', '', 0, 10);
    expect(groups.rows).toEqual([expect.objectContaining({ name: 'Engineering', members: 2, syncState: 'pending' })]);
    expect((await queries.page('Group', 'engin', 0, 10)).rows[0].members).toBe(2);
    expect(await queries.syncStateCounts('User')).toEqual({ pending: 3, synced: 1, 'dry-run': 0, failed: 1 });
  });
});
