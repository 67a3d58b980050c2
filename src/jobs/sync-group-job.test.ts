import { SecretServerPermanentError, SecretServerRetryableError } from '../secret-server/secret-server-errors';
import { FAKE_ENDPOINTS as SS } from '../secret-server/fake-secret-server';
import { MAX_MEMBER_WAITS, MEMBER_WAIT_MS } from './job-decision';
import { WaitingForMembersError } from './sync-job';
import { syncWorld, type SyncWorld } from './sync-job-fixtures';
import { syncGroup } from './sync-group-job';
import { syncUser } from './sync-user-job';

/** Unit tests of the sync-group job against the fake Secret Server and the in-memory store (no Redis). */

let world: SyncWorld;
beforeEach(() => {
  world = syncWorld();
});

const run = (id: string) => world.run(syncGroup, 'Group', id);
const groupAt = (id: number) => world.secretServer.state.groups.get(id)!;
const members = (...ids: string[]) => ids.map((value) => ({ value }));

/** A SCIM user that reached Secret Server; its Secret Server id. */
async function syncedUser(email: string): Promise<{ scimId: string; ssId: number }> {
  const scim = await world.store.create('User', { userName: email, emails: [{ value: email, primary: true }], active: true });
  const outcome = await world.run(syncUser, 'User', scim.id);
  return { scimId: scim.id, ssId: outcome.secretServerId! };
}

/** A SCIM user Okta pushed whose sync has not run yet. */
async function pendingUser(email: string): Promise<string> {
  return (await world.store.create('User', { userName: email, emails: [{ value: email, primary: true }], active: true })).id;
}

describe('sync-group job', () => {
  it('when the group is new, then exactly one group is created with its members, without listing the members of a group just made', async () => {
    const ann = await syncedUser('ann@example.com');
    const bob = await syncedUser('bob@example.com');
    world.secretServer.calls.length = 0;
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId, bob.scimId) });

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'created', detail: '+2 -0 members' });
    expect(world.secretServer.calls.map((c) => c.endpoint)).toEqual([SS.searchGroups, SS.createGroup, SS.updateGroupMembers]);
    expect(groupAt(outcome.secretServerId!)).toMatchObject({ name: 'Engineering', enabled: true, memberIds: new Set([ann.ssId, bob.ssId]) });
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({
      state: 'synced',
      secretServerId: outcome.secretServerId,
      secretServerName: 'Engineering',
      syncedVersion: 1,
    });
  });

  it('when a disabled group of that name (another case) exists, then it is linked and enabled again, not created', async () => {
    const existing = world.secretServer.state.addGroup({ name: 'ENGINEERING', enabled: false });
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: [] });

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'linked', secretServerId: existing.id });
    expect(world.secretServer.count(SS.createGroup)).toBe(0);
    expect(groupAt(existing.id)).toMatchObject({ name: 'Engineering', enabled: true });
  });

  it('when the SCIM group is renamed and its members change, then the linked group is renamed and only the difference is applied', async () => {
    const ann = await syncedUser('ann@example.com');
    const bob = await syncedUser('bob@example.com');
    const cat = await syncedUser('cat@example.com');
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId, bob.scimId) });
    const { secretServerId } = await run(scim.id);
    world.secretServer.calls.length = 0;
    await world.store.replace('Group', scim.id, { displayName: 'Platform Engineering', members: members(bob.scimId, cat.scimId) });

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'updated', secretServerId, detail: '+1 -1 members' });
    expect(world.secretServer.calls.find((c) => c.endpoint === SS.updateGroupMembers)?.args).toEqual([secretServerId, [cat.ssId], [ann.ssId]]);
    expect(groupAt(secretServerId!)).toMatchObject({ name: 'Platform Engineering', memberIds: new Set([bob.ssId, cat.ssId]) });
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ secretServerName: 'Platform Engineering', syncedVersion: 2 });
  });

  it('when the group holds the API account, then it is left in the group', async () => {
    const { apiUserId } = world.secretServer.state;
    const existing = world.secretServer.state.addGroup({ name: 'Engineering', memberIds: [apiUserId] });
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: [] });

    expect(await run(scim.id)).toMatchObject({ result: 'linked', detail: '+0 -0 members' });
    expect(groupAt(existing.id).memberIds).toEqual(new Set([apiUserId]));
  });

  it('when a member is not a known SCIM user, then it is skipped and the rest converges', async () => {
    const ann = await syncedUser('ann@example.com');
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId, 'no-such-user') });

    expect(await run(scim.id)).toMatchObject({ result: 'created', detail: '+1 -0 members' });
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ state: 'synced' });
  });

  it('when a member has not reached Secret Server yet, then the others are applied and the job waits for members, then converges once it has', async () => {
    const ann = await syncedUser('ann@example.com');
    const bobScimId = await pendingUser('bob@example.com');
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId, bobScimId) });

    await expect(run(scim.id)).rejects.toEqual(new WaitingForMembersError(1));
    const [group] = world.secretServer.state.groups.values();
    expect(group.memberIds).toEqual(new Set([ann.ssId]));
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ state: 'pending', lastError: 'waiting for 1 member(s)', secretServerId: group.id });

    const decision = await world.runAndSettle(syncGroup, 'Group', scim.id);
    expect(decision).toMatchObject({ action: 'delay', delayMs: MEMBER_WAIT_MS, memberWaits: 1, metric: 'waiting' });
    expect(world.secretServer.count(SS.createGroup)).toBe(1);

    const bob = await world.run(syncUser, 'User', bobScimId);
    expect(await run(scim.id)).toMatchObject({ result: 'updated', detail: '+1 -0 members' });
    expect(group.memberIds).toEqual(new Set([ann.ssId, bob.secretServerId]));
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ state: 'synced', lastError: undefined });
  });

  it('when the short waits for members are used up, then the job is handed to ordinary retry and backoff, still pending', async () => {
    const bobScimId = await pendingUser('bob@example.com');
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(bobScimId) });

    const decision = await world.runAndSettle(syncGroup, 'Group', scim.id, { memberWaits: MAX_MEMBER_WAITS });

    expect(decision).toMatchObject({ action: 'retry', metric: 'waiting', links: [] });
    expect(decision.action === 'retry' && decision.error).toBeInstanceOf(WaitingForMembersError);
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ state: 'pending', lastError: 'waiting for 1 member(s)' });
  });

  it('when the SCIM group is deleted, then the linked group is deactivated', async () => {
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: [] });
    const { secretServerId } = await run(scim.id);
    await world.store.remove('Group', scim.id);

    expect(await run(scim.id)).toMatchObject({ result: 'deleted', secretServerId });
    expect(groupAt(secretServerId!).enabled).toBe(false);
    expect(world.store.isDirty('Group', scim.id)).toBe(false);
  });

  it('when the group is synchronised from a directory, then its membership is left alone', async () => {
    const ann = await syncedUser('ann@example.com');
    const existing = world.secretServer.state.addGroup({ name: 'Engineering', synchronized: true });
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId) });

    expect(await run(scim.id)).toMatchObject({ result: 'skipped', secretServerId: existing.id, detail: 'directory-synchronised group' });
    expect(world.secretServer.count(SS.updateGroupMembers)).toBe(0);
    expect(groupAt(existing.id).memberIds.size).toBe(0);
  });

  it('when Secret Server will not edit the members of a system group, then the failure is permanent and the settled link says failed', async () => {
    const ann = await syncedUser('ann@example.com');
    world.secretServer.state.addGroup({ name: 'Everyone', systemGroup: true });
    const scim = await world.store.create('Group', { displayName: 'Everyone', members: members(ann.scimId) });

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerPermanentError);
    const decision = await world.runAndSettle(syncGroup, 'Group', scim.id);

    expect(decision).toMatchObject({ action: 'unrecoverable', links: [{ state: 'failed' }] });
    expect(await world.store.getLink('Group', scim.id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('directory synchronization') });
  });

  it('when Secret Server times out on the members, then the error propagates for a retry and the retry converges without a second group', async () => {
    const ann = await syncedUser('ann@example.com');
    const scim = await world.store.create('Group', { displayName: 'Engineering', members: members(ann.scimId) });
    world.secretServer.failNext(SS.updateGroupMembers, { status: 504 });

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerRetryableError);
    const outcome = await run(scim.id);

    // The first run created the group but never linked it: the retry finds it by name.
    expect(outcome).toMatchObject({ result: 'linked', detail: '+1 -0 members' });
    expect(world.secretServer.count(SS.createGroup)).toBe(1);
    expect(groupAt(outcome.secretServerId!).memberIds).toEqual(new Set([ann.ssId]));
  });
});
