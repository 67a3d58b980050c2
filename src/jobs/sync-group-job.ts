import type { GroupMember, SecretServerLink } from '../domain/resource-types';
import { QUEUES } from '../queue/queue-registry';
import { SecretServerError, SecretServerRefusedError, isAbsentOrForbidden } from '../secret-server/secret-server-errors';
import type { SecretServerGroup } from '../secret-server/secret-server-client';
import { dryRunState } from './dry-run-state';
import {
  WaitingForMembersError,
  syncJobOptions,
  type JobContext,
  type SyncJobDefinition,
  type SyncJobPayload,
  type SyncOutcome,
  type SyncStart,
} from './sync-job';

/** Ids and a version only (sync-job.ts): the job re-reads the group and its members' links itself. */
export type SyncGroupPayload = SyncJobPayload;

/**
 * Converges one SCIM group into Secret Server. Enqueued by the SCIM front, the sweeper and a full
 * resync through ProvisioningQueue, with syncJobOptions and the ids syncJobId / resyncJobId
 * give; run by job-runner.ts, whose failure handling (members not there yet included) is
 * job-decision.ts.
 */
export const syncGroupJob: SyncJobDefinition = {
  name: 'sync-group',
  queue: QUEUES.provision,
  kind: 'Group',
  options: syncJobOptions,
  exec: syncGroup,
};

const sameText = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * Converges one Secret Server group: find (exact name) or create, rename and re-enable, delete,
 * and the membership diff. SCIM member ids map to Secret Server user ids through the user links;
 * a member whose user has not reached Secret Server yet makes the job come back
 * (WaitingForMembersError) after the rest is applied. Directory-synchronised groups are never
 * touched, nor the membership of accounts the bridge may not claim. A linked group is confirmed to
 * carry the name last written before anything is written to it. `start` is read while holding the
 * resource's lock (job-runner.ts).
 */
export async function syncGroup(payload: SyncGroupPayload, ctx: JobContext, { resource, link }: SyncStart): Promise<SyncOutcome> {
  const { store, secretServer, logger } = ctx;

  if (!resource) return deleteGroup(payload, ctx, link);
  if (!payload.force && link?.syncedVersion !== undefined && link.syncedVersion >= resource.meta.version && link.state === 'synced') {
    await store.markSynced('Group', payload.id, link.syncedVersion, {});
    return { result: 'unchanged', secretServerId: link.secretServerId };
  }

  const name = String(resource.attributes.displayName);
  let result: SyncOutcome['result'] = 'updated';
  let group = link?.secretServerId ? await confirmLinkedGroup(ctx, payload.id, link, name) : null;
  if (!group) {
    group = await secretServer.findGroupByName(name);
    result = group ? 'linked' : 'created';
    if (!group) {
      group = await secretServer.createGroup(name);
      await ctx.accounts.recordCreated('Group', group.id);
    }
  }
  if (result !== 'created') await ctx.accounts.assertGroupClaimable(group);
  // A pushed group that matches a disabled one is enabled again; PUT works on every Web API version.
  if (group.name !== name || !group.enabled) group = await secretServer.updateGroup(group.id, { name, enabled: true });
  const synced = { secretServerId: group.id, secretServerName: group.name };

  if (group.synchronized) {
    logger.warn('group is synchronised from a directory in Secret Server; membership left alone', {
      category: 'worker',
      id: payload.id,
      secretServerId: group.id,
      group: name,
    });
    await store.markSynced('Group', payload.id, resource.meta.version, { ...dryRunState(ctx), ...synced, lastSyncedAt: new Date().toISOString() });
    return { result: 'skipped', secretServerId: group.id, detail: 'directory-synchronised group' };
  }

  const { desired, pending } = await desiredMembers(ctx, payload.id, (resource.attributes.members ?? []) as GroupMember[]);
  // A group created just now has no members: asking Secret Server would be a wasted call.
  const current = result === 'created' ? [] : await secretServer.listGroupMembers(group.id);
  const { toAdd, extra } = membershipDifference(desired, current);
  // Members still pending are not in `desired` and not in Secret Server yet, so nothing is removed for them.
  const toRemove = await removable(ctx, payload.id, extra);
  await changeMembers(ctx, group, toAdd, toRemove);

  if (pending > 0) {
    await store.setLink('Group', payload.id, { ...synced, state: 'pending', lastError: `waiting for ${pending} member(s)` });
    throw new WaitingForMembersError(pending);
  }
  await store.markSynced('Group', payload.id, resource.meta.version, { ...dryRunState(ctx), ...synced, lastSyncedAt: new Date().toISOString() });
  return { result, secretServerId: group.id, detail: `+${toAdd.length} -${toRemove.length} members` };
}

async function deleteGroup(payload: SyncGroupPayload, ctx: JobContext, link: SecretServerLink | undefined): Promise<SyncOutcome> {
  const group = link?.secretServerId ? await confirmLinkedGroup(ctx, payload.id, link, undefined) : null;
  if (group) await ctx.accounts.assertGroupClaimable(group);
  if (group?.enabled) {
    try {
      await ctx.secretServer.deleteGroup(group.id);
    } catch (err) {
      if (!isAbsentOrForbidden(err)) throw err;
      const after = await readBack(ctx, group.id);
      if (after?.enabled) {
        throw new SecretServerRefusedError(
          `Secret Server refused to delete group ${group.id} (${group.name}) and it is unchanged: grant the API account Administer Groups`,
          { endpoint: err.endpoint, status: err.status, errorCode: err.errorCode },
        );
      }
    }
  }
  await ctx.store.markSynced('Group', payload.id, payload.version, {});
  return { result: group ? 'deleted' : 'skipped', secretServerId: group?.id };
}

/**
 * The linked group, read fresh, if it still carries the name the bridge last wrote (a link from
 * before names were recorded: the name wanted now). Otherwise the link is dropped with a WARN and
 * the caller finds the group by name again.
 */
async function confirmLinkedGroup(ctx: JobContext, scimId: string, link: SecretServerLink, wantedName: string | undefined): Promise<SecretServerGroup | null> {
  const id = link.secretServerId!;
  const current = await readBack(ctx, id);
  if (current && sameText(current.name, link.secretServerName ?? wantedName)) return current;
  if (current) {
    ctx.logger.warn(`Secret Server group ${id} is now ${current.name} (was ${link.secretServerName ?? 'unrecorded'}): linking by name again`, {
      category: 'worker',
      id: scimId,
      secretServerId: id,
    });
  }
  await ctx.store.unlink('Group', scimId);
  return null;
}

async function readBack(ctx: JobContext, id: number): Promise<SecretServerGroup | null> {
  try {
    return await ctx.secretServer.getGroup(id);
  } catch (err) {
    if (isAbsentOrForbidden(err)) return null;
    throw err;
  }
}

/**
 * The membership difference a group sync starts from: the desired Secret Server user ids missing
 * from the group, and the current members not desired (before the accounts the bridge never
 * regroups are taken out of them). The drift report (domain/drift-report.ts) uses it too.
 */
export function membershipDifference<M extends { userId: number }>(desired: ReadonlySet<number>, current: readonly M[]): { toAdd: number[]; extra: M[] } {
  const currentIds = new Set(current.map((m) => m.userId));
  return { toAdd: [...desired].filter((id) => !currentIds.has(id)), extra: current.filter((m) => !desired.has(m.userId)) };
}

/** Secret Server ids of the SCIM members that reached Secret Server, and how many are still on their way. */
async function desiredMembers(ctx: JobContext, scimId: string, members: GroupMember[]): Promise<{ desired: Set<number>; pending: number }> {
  const memberIds = members.map((m) => m.value);
  const [memberLinks, memberResources] = await Promise.all([ctx.store.getLinks('User', memberIds), ctx.store.getMany('User', memberIds)]);
  const desired = new Set<number>();
  let pending = 0;
  memberIds.forEach((memberId, i) => {
    const secretServerId = memberLinks[i]?.secretServerId;
    if (secretServerId !== undefined) desired.add(secretServerId);
    else if (memberResources[i]) pending++;
    else ctx.logger.warn('group member is not a known SCIM user; skipped', { category: 'worker', id: scimId, member: memberId });
  });
  return { desired, pending };
}

/**
 * The members to remove, without the accounts the bridge may not regroup: the API account and
 * SS_PROTECTED_USERS (known from the member list), and, for members no SCIM user is linked to,
 * application accounts (one read each).
 */
async function removable(ctx: JobContext, scimId: string, candidates: Array<{ userId: number; userName?: string | null }>): Promise<number[]> {
  const ids: number[] = [];
  for (const member of candidates) {
    let keep = await ctx.accounts.isProtectedMember(member);
    if (!keep && !(await ctx.store.findIdBySecretServerId('User', member.userId))) {
      const user = await ctx.secretServer.getUser(member.userId).catch((err: unknown) => {
        if (isAbsentOrForbidden(err)) return null;
        throw err;
      });
      keep = !!user && (await ctx.accounts.refusalFor(user)) !== undefined;
    }
    if (keep)
      ctx.logger.warn('group member is an account the bridge never regroups; left in the group', {
        category: 'worker',
        id: scimId,
        secretServerId: member.userId,
      });
    else ids.push(member.userId);
  }
  return ids;
}

/**
 * Applies the diff. A refusal (API_AccessDenied or 404) is checked by listing the members again:
 * what landed is done; what did not is a permanent failure that says so.
 */
async function changeMembers(ctx: JobContext, group: SecretServerGroup, toAdd: number[], toRemove: number[]): Promise<void> {
  try {
    await ctx.secretServer.updateGroupMembers(group.id, toAdd, toRemove);
  } catch (err) {
    if (!isAbsentOrForbidden(err)) throw err;
    const now = new Set((await ctx.secretServer.listGroupMembers(group.id)).map((m) => m.userId));
    const notAdded = toAdd.filter((id) => !now.has(id));
    const notRemoved = toRemove.filter((id) => now.has(id));
    if (notAdded.length === 0 && notRemoved.length === 0) return;
    const e = err as SecretServerError;
    throw new SecretServerRefusedError(
      `Secret Server refused membership changes of group ${group.id} (${group.name}): not added ${JSON.stringify(notAdded)}, not removed ${JSON.stringify(notRemoved)}; ` +
        'grant the API account Administer Groups, or check those users still exist',
      { endpoint: e.endpoint, status: e.status, errorCode: e.errorCode },
    );
  }
}
