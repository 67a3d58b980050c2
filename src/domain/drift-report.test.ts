import fc from 'fast-check';
import { syncWorld, type SyncWorld } from '../jobs/sync-job-fixtures';
import { syncGroup } from '../jobs/sync-group-job';
import { syncUser } from '../jobs/sync-user-job';
import { toGroup, toUser } from '../secret-server/secret-server-mapping';
import { renderGroupSummary, renderUserSummary } from '../../simulator/simulator-state';
import { boundedReport, compareDrift, fixTargets, groupsToRead, type DriftInput, type DriftItem } from './drift-report';
import type { ResourceKind } from './resource-types';

/**
 * The drift comparison against what the sync jobs really write: the world is converged by
 * syncUser and syncGroup (fake Secret Server, in-memory store), then changed behind the bridge's
 * back, then compared. No Redis, no HTTP.
 */

let world: SyncWorld;
let userIds: string[];
let groupIds: string[];
beforeEach(() => {
  world = syncWorld({ protectedUsers: ['breakglass'] });
  userIds = [];
  groupIds = [];
});

async function syncedUser(email: string, extra: Record<string, unknown> = {}): Promise<{ scimId: string; ssId: number }> {
  const scim = await world.store.create('User', { userName: email, emails: [{ value: email, primary: true }], active: true, ...extra });
  userIds.push(scim.id);
  const outcome = await world.run(syncUser, 'User', scim.id);
  return { scimId: scim.id, ssId: outcome.secretServerId! };
}

async function syncedGroup(name: string, memberScimIds: string[]): Promise<{ scimId: string; ssId: number }> {
  const scim = await world.store.create('Group', { displayName: name, members: memberScimIds.map((value) => ({ value })) });
  groupIds.push(scim.id);
  const outcome = await world.run(syncGroup, 'Group', scim.id);
  return { scimId: scim.id, ssId: outcome.secretServerId! };
}

/** Both sides as the reader (drift-service.ts) hands them over. */
async function inputOf(): Promise<DriftInput> {
  const entries = (kind: ResourceKind, ids: string[]) =>
    Promise.all(
      ids.map(async (id) => ({
        resource: (await world.store.get(kind, id))!,
        link: await world.store.getLink(kind, id),
        dirty: world.store.isDirty(kind, id),
      })),
    );
  const [users, groups] = [await entries('User', userIds), await entries('Group', groupIds)];
  const secretServerUsers = [...world.secretServer.state.users.values()].map((u) => toUser(renderUserSummary(u)));
  const secretServerGroups = [...world.secretServer.state.groups.values()].map((g) => toGroup(renderGroupSummary(g)));
  const groupMembers = new Map<number, Awaited<ReturnType<typeof world.secretServer.listGroupMembers>>>();
  for (const id of groupsToRead(groups, secretServerGroups)) groupMembers.set(id, await world.secretServer.listGroupMembers(id));
  const at = new Date('2026-01-02T03:04:05.000Z');
  return {
    users,
    groups,
    secretServerUsers,
    secretServerGroups,
    groupMembers,
    refusal: await world.ctx.accounts.refusalCheck(),
    startedAt: at,
    finishedAt: at,
  };
}

const report = async () => compareDrift(await inputOf());
const drifted = (items: DriftItem[]) => items.filter((i) => i.kind !== 'unmanaged' || !i.protectedReason);
const ssUser = (id: number) => world.secretServer.state.users.get(id)!;

/** What `fix` enqueues, run as the workers would: a forced sync of each target. */
async function converge(items: DriftItem[]): Promise<void> {
  const targets = fixTargets(items);
  for (const t of targets.filter((t) => t.kind === 'User')) await world.run(syncUser, 'User', t.id, { force: true });
  for (const t of targets.filter((t) => t.kind === 'Group')) await world.run(syncGroup, 'Group', t.id, { force: true });
}

describe('compareDrift', () => {
  it('when Secret Server holds what the workers wrote, then nothing drifted and the API account is listed as protected, not counted', async () => {
    const jane = await syncedUser('jane@example.com', { name: { givenName: 'Jane', familyName: 'Doe' } });
    await syncedGroup('Admins', [jane.scimId]);
    const { items, summary } = await report();
    expect(drifted(items)).toEqual([]);
    expect(summary.total).toBe(0);
    expect(summary.protectedAccounts).toBe(1);
    expect(items).toEqual([expect.objectContaining({ kind: 'unmanaged', protectedReason: 'it is an application account', fixable: false })]);
    expect(summary.checked).toEqual({ users: 1, groups: 1, secretServerUsers: 2, secretServerGroups: 1 });
  });

  it('when an admin renames, disables and re-addresses users in Secret Server, then each is one fixable item, and a forced sync clears them', async () => {
    const renamed = await syncedUser('renamed@example.com', { displayName: 'Renamed Person' });
    const disabled = await syncedUser('disabled@example.com');
    const readdressed = await syncedUser('readdressed@example.com');
    ssUser(renamed.ssId).displayName = 'Someone Else';
    ssUser(disabled.ssId).enabled = false;
    ssUser(readdressed.ssId).emailAddress = 'other@example.com';

    const { items, summary } = await report();
    expect(drifted(items)).toEqual([
      expect.objectContaining({ kind: 'enabled', resource: { kind: 'User', id: disabled.scimId }, secretServerId: disabled.ssId, fixable: true }),
      expect.objectContaining({
        kind: 'displayName',
        resource: { kind: 'User', id: renamed.scimId },
        detail: 'Secret Server: "Someone Else"; wanted: "Renamed Person"',
        fixable: true,
      }),
      expect.objectContaining({ kind: 'email', resource: { kind: 'User', id: readdressed.scimId }, detail: expect.stringContaining('other@example.com') }),
    ]);
    expect(summary.counts).toMatchObject({ enabled: 1, displayName: 1, email: 1 });
    expect(summary.total).toBe(3);

    await converge(items);
    expect(drifted((await report()).items)).toEqual([]);
  });

  it('when the linked user is gone or now someone else, then the user is missing, and a forced sync links or creates it again', async () => {
    const gone = await syncedUser('gone@example.com');
    const input = await inputOf();
    input.secretServerUsers = input.secretServerUsers.filter((u) => u.id !== gone.ssId);
    expect(drifted(compareDrift(input).items)).toEqual([
      expect.objectContaining({
        kind: 'missing',
        resource: { kind: 'User', id: gone.scimId },
        detail: `linked user ${gone.ssId} is gone; no Secret Server user holds its email`,
        fixable: true,
      }),
    ]);

    const restored = world.secretServer.state.restoreBackup(3);
    const { items } = await report();
    expect(drifted(items)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'missing',
          detail: `linked user ${gone.ssId} is ${restored[gone.ssId - 2].userName} now; no Secret Server user holds its email`,
        }),
      ]),
    );
    await converge(items);
    expect(drifted((await report()).items).filter((i) => i.kind === 'missing')).toEqual([]);
  });

  it('when a second Secret Server user holds the email in another case, then it is one duplicate, not fixable, and not listed again as unmanaged', async () => {
    const jane = await syncedUser('jane@example.com');
    const twin = world.secretServer.state.addUser({ userName: 'jane2', displayName: 'Jane Two', emailAddress: 'JANE@example.com' });
    const { items, summary } = await report();
    expect(drifted(items)).toEqual([
      expect.objectContaining({
        kind: 'duplicate',
        resource: { kind: 'User', id: jane.scimId },
        fixable: false,
        secretServerId: jane.ssId,
        detail: `2 Secret Server users hold this email: ${jane.ssId} (jane@example.com), ${twin.id} (jane2); the bridge linked ${jane.ssId}`,
      }),
    ]);
    expect(summary.counts.duplicate).toBe(1);
    expect(fixTargets(items)).toEqual([]);
  });

  it('when accounts no SCIM user is linked to exist, then each is unmanaged, protected ones marked with why and left out of the count', async () => {
    await syncedUser('jane@example.com');
    world.secretServer.state.addUser({ userName: 'breakglass', displayName: 'Break Glass', emailAddress: 'bg@example.com' });
    world.secretServer.state.addUser({ userName: 'stray', displayName: 'Stray', emailAddress: 'stray@example.com', enabled: false });
    const { items, summary } = await report();
    expect(items.filter((i) => i.kind === 'unmanaged').map((i) => [i.name, i.protectedReason, i.detail])).toEqual([
      ['breakglass', 'it is on SS_PROTECTED_USERS', 'enabled; bg@example.com; it is on SS_PROTECTED_USERS'],
      ['scim-bridge-api', 'it is an application account', 'enabled; no email; it is an application account'],
      ['stray', undefined, 'disabled; stray@example.com'],
    ]);
    expect(summary.counts.unmanaged).toBe(1);
    expect(summary.protectedAccounts).toBe(2);
  });

  it('when group members are removed or added in Secret Server, then missing and extra members are listed, protected members ignored, and a forced sync restores them', async () => {
    const jane = await syncedUser('jane@example.com');
    const john = await syncedUser('john@example.com');
    const group = await syncedGroup('Admins', [jane.scimId, john.scimId]);
    const stray = world.secretServer.state.addUser({ userName: 'stray', displayName: 'Stray', emailAddress: 'stray@example.com' });
    const breakglass = world.secretServer.state.addUser({ userName: 'breakglass', displayName: 'Break Glass' });
    const members = world.secretServer.state.groups.get(group.ssId)!.memberIds;
    members.delete(john.ssId);
    members.add(stray.id);
    members.add(breakglass.id);
    members.add(world.secretServer.state.apiUserId);

    const { items, summary } = await report();
    expect(items.filter((i) => i.resource?.kind === 'Group')).toEqual([
      expect.objectContaining({
        kind: 'members-missing',
        name: 'Admins',
        secretServerId: group.ssId,
        detail: `Secret Server user ${john.ssId} (john@example.com)`,
      }),
      expect.objectContaining({ kind: 'members-extra', name: 'Admins', detail: `Secret Server user ${stray.id} (stray)` }),
    ]);
    expect(summary.counts).toMatchObject({ 'members-missing': 1, 'members-extra': 1 });

    await converge(items);
    expect((await report()).items.filter((i) => i.resource?.kind === 'Group')).toEqual([]);
    expect([...members].sort()).toEqual([jane.ssId, john.ssId, breakglass.id, world.secretServer.state.apiUserId].sort());
  });

  it('when a linked group is renamed or disabled in Secret Server, then the group is missing or its enabled state differs', async () => {
    const renamed = await syncedGroup('Renamed', []);
    const disabled = await syncedGroup('Disabled', []);
    world.secretServer.state.groups.get(renamed.ssId)!.name = 'Something Else';
    world.secretServer.state.groups.get(disabled.ssId)!.enabled = false;
    const { items } = await report();
    expect(drifted(items)).toEqual([
      expect.objectContaining({ kind: 'missing', name: 'Renamed', detail: `linked group ${renamed.ssId} is "Something Else" now` }),
      expect.objectContaining({ kind: 'enabled', name: 'Disabled', what: 'disabled in Secret Server' }),
    ]);
    await converge(items);
    expect(drifted((await report()).items)).toEqual([]);
  });

  it('when a change has not reached Secret Server yet, then that resource is not compared, and the account it is about to link is not unmanaged', async () => {
    const jane = await syncedUser('jane@example.com');
    ssUser(jane.ssId).displayName = 'Changed There';
    await world.store.replace('User', jane.scimId, {
      userName: 'jane@example.com',
      emails: [{ value: 'jane@example.com', primary: true }],
      displayName: 'Changed Here',
    });
    const waiting = await world.store.create('User', { userName: 'new@example.com', emails: [{ value: 'new@example.com', primary: true }] });
    userIds.push(waiting.id);
    world.secretServer.state.addUser({ userName: 'new', displayName: 'New', emailAddress: 'NEW@example.com' });
    const { items, summary } = await report();
    expect(drifted(items)).toEqual([]);
    expect(summary.notYetSynced).toBe(2);
  });
});

describe('fixTargets and boundedReport', () => {
  const item = (kind: DriftItem['kind'], id?: string, fixable = true): DriftItem => ({
    kind,
    resource: id ? { kind: 'User', id } : undefined,
    name: id ?? 'x',
    what: kind,
    detail: '',
    fixable,
  });

  it('when one resource drifted several ways, then it is enqueued once; duplicates and unmanaged accounts never', () => {
    expect(
      fixTargets([item('displayName', 'a'), item('enabled', 'a'), item('duplicate', 'b', false), item('unmanaged', undefined, false), item('email', 'c')]),
    ).toEqual([
      { kind: 'User', id: 'a' },
      { kind: 'User', id: 'c' },
    ]);
  });

  it('when the report has more items than are kept, then the first ones are kept and the rest counted', () => {
    const items = Array.from({ length: 5 }, (_, i) => item('displayName', `u${i}`));
    const stored = boundedReport({ items, summary: {} as never }, 3);
    expect(stored.items.map((i) => i.name)).toEqual(['u0', 'u1', 'u2']);
    expect(stored.itemsLeftOut).toBe(2);
  });
});

describe('compareDrift: properties', () => {
  it('whatever subset of users is renamed or toggled in Secret Server, then exactly those are reported, and their forced syncs leave no drift', async () => {
    const people = fc.uniqueArray(
      fc.record({
        local: fc.stringMatching(/^[a-z]{1,8}$/),
        given: fc.stringMatching(/^[A-Z][a-z]{0,6}$/),
        active: fc.boolean(),
        rename: fc.boolean(),
        toggle: fc.boolean(),
      }),
      { minLength: 1, maxLength: 8, selector: (p) => p.local },
    );
    await fc.assert(
      fc.asyncProperty(people, async (list) => {
        world = syncWorld();
        userIds = [];
        groupIds = [];
        const synced = [];
        for (const p of list)
          synced.push({ p, ...(await syncedUser(`${p.local}@example.com`, { name: { givenName: p.given, familyName: 'X' }, active: p.active })) });
        for (const { p, ssId } of synced) {
          if (p.rename) ssUser(ssId).displayName += ' (edited)';
          if (p.toggle) ssUser(ssId).enabled = !ssUser(ssId).enabled;
        }
        const { items, summary } = await report();
        expect(summary.counts.displayName).toBe(list.filter((p) => p.rename).length);
        expect(summary.counts.enabled).toBe(list.filter((p) => p.toggle).length);
        expect(summary.total).toBe(summary.counts.displayName + summary.counts.enabled);
        await converge(items);
        expect(drifted((await report()).items)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
