/**
 * Okta's group push changes one member per PATCH: the worker carries each burst of them to
 * Secret Server as the difference the bridge journalled, without listing the group's members,
 * and still finds out on a forced resync what was changed behind its back.
 * Real Redis, real BullMQ, the simulator over HTTP.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';

const MEMBER_LISTING = 'GET /api/v1/groups/{id}/users';

describe('group membership changes, one member per PATCH', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const ssMemberIds = (groupName: string) => {
    const group = [...h.simulator.state.groups.values()].find((g) => g.name === groupName);
    return group ? [...group.memberIds].sort((a, b) => a - b) : null;
  };
  const ssIdOf = async (scimId: string): Promise<number> => (await h.bridge.container.store.getLink('User', scimId))!.secretServerId!;

  it('when members are added and removed one PATCH each, then Secret Server holds exactly them, with fewer calls than one member listing per change', async () => {
    const users: string[] = [];
    for (let i = 0; i < 24; i += 1) users.push((await h.scim('POST', '/Users', oktaUser(uniqueEmail(`one-by-one${i}`)))).body.id);
    const name = `One by one ${Date.now()}`;
    const group = (await h.scim('POST', '/Groups', { displayName: name, members: [{ value: users[0] }] })).body;
    await h.waitForSync();
    h.simulator.stats.reset();
    // Secret Server answering in 20 ms, as a real one might: a burst lands while a sync runs.
    h.simulator.setKnobs({ latencyMs: 20 });

    let changes = 0;
    const patch = async (...operations: Array<Record<string, unknown>>) => {
      changes += 1;
      const res = await h.scim('PATCH', `/Groups/${group.id}`, patchOp(...operations));
      expect([200, 204]).toContain(res.status);
    };
    // A burst: adds, removes, and a member removed and added back.
    for (const id of users.slice(1)) await patch({ op: 'add', path: 'members', value: [{ value: id }] });
    for (const id of users.slice(0, 6)) await patch({ op: 'remove', path: `members[value eq "${id}"]` });
    await patch({ op: 'add', path: 'members', value: [{ value: users[2] }] });
    await h.waitForSync();
    // Then one change at a time, each synced before the next.
    for (const id of [users[10], users[11]]) {
      await patch({ op: 'remove', path: `members[value eq "${id}"]` });
      await h.waitForSync();
    }
    await patch({ op: 'add', path: 'members', value: [{ value: users[0] }] });
    await h.waitForSync();

    h.simulator.setKnobs({ latencyMs: 0 });
    const expected = [users[0], users[2], ...users.slice(6).filter((id) => id !== users[10] && id !== users[11])];
    expect(ssMemberIds(name)).toEqual((await Promise.all(expected.map(ssIdOf))).sort((a, b) => a - b));
    const stats = h.simulator.stats.toJSON();
    expect(stats.byEndpoint[MEMBER_LISTING] ?? 0).toBe(0);
    const groupCalls = Object.entries(stats.byEndpoint)
      .filter(([endpoint]) => endpoint.includes('/groups'))
      .reduce((n, [, calls]) => n + calls, 0);
    expect(groupCalls).toBeLessThan(changes);
  });

  it('when a member is taken out behind the bridge, then the next change leaves it, and a forced resync puts it back', async () => {
    const users: string[] = [];
    for (let i = 0; i < 3; i += 1) users.push((await h.scim('POST', '/Users', oktaUser(uniqueEmail(`behind${i}`)))).body.id);
    const name = `Behind its back ${Date.now()}`;
    const group = (await h.scim('POST', '/Groups', { displayName: name, members: [{ value: users[0] }, { value: users[1] }] })).body;
    await h.waitForSync();
    const [first, second, third] = await Promise.all(users.map(ssIdOf));
    const ssGroup = [...h.simulator.state.groups.values()].find((g) => g.name === name)!;
    ssGroup.memberIds.delete(first);
    // Someone adds an account to the group in Secret Server: a change by one member does not touch it.
    const stranger = h.simulator.state.addUser({
      userName: `stranger-${Date.now()}`,
      displayName: 'Stranger',
      emailAddress: uniqueEmail('stranger'),
      enabled: true,
    });
    ssGroup.memberIds.add(stranger.id);

    await h.scim('PATCH', `/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: users[2] }] }));
    await h.waitForSync();
    expect(ssMemberIds(name)).toEqual([second, third, stranger.id].sort((a, b) => a - b));

    expect(await h.bridge.container.admin.resyncOne('Group', group.id)).toBe(true);
    await h.waitForSync();
    expect(ssMemberIds(name)).toEqual([first, second, third].sort((a, b) => a - b));
  });
});
