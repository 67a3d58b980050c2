import type { GroupMember } from '../domain/resource-types';
import type { SyncJobPayload } from '../queue/queue-registry';
import { SecretServerAccessDeniedError } from '../secret-server/secret-server-errors';
import type { SecretServerGroup } from '../secret-server/secret-server-client';
import { JobContext, SyncOutcome, SyncStart, WaitingForMembersError } from './job-context';

/**
 * Converges one Secret Server group: find (exact name) or create, rename, delete, and the
 * membership diff. SCIM member ids map to Secret Server user ids through the user links; a member
 * whose user has not reached Secret Server yet makes the job come back (WaitingForMembersError)
 * after the rest is applied. Directory-synchronised groups are never touched. `start` is read
 * while holding the resource's lock (provision-worker.ts).
 */
export async function syncGroup(payload: SyncJobPayload, ctx: JobContext, { resource, link }: SyncStart): Promise<SyncOutcome> {
  const { store, secretServer, logger } = ctx;

  if (!resource) {
    if (link?.secretServerId) {
      try {
        await secretServer.deleteGroup(link.secretServerId);
      } catch (err) {
        if (!(err instanceof SecretServerAccessDeniedError)) throw err;
      }
    }
    await store.markSynced('Group', payload.id, payload.version, {});
    return { result: link?.secretServerId ? 'deleted' : 'skipped', secretServerId: link?.secretServerId };
  }
  if (!payload.force && link?.syncedVersion !== undefined && link.syncedVersion >= resource.meta.version && link.state === 'synced') {
    await store.markSynced('Group', payload.id, link.syncedVersion, {});
    return { result: 'unchanged', secretServerId: link.secretServerId };
  }

  const name = String(resource.attributes.displayName);
  let result: SyncOutcome['result'] = 'updated';
  let group: SecretServerGroup | null = null;
  if (link?.secretServerId) {
    try {
      group = await secretServer.getGroup(link.secretServerId);
      if (group.name !== name) group = await secretServer.renameGroup(group.id, name);
    } catch (err) {
      if (!(err instanceof SecretServerAccessDeniedError)) throw err;
      group = null;
    }
  }
  if (!group) {
    const found = await secretServer.findGroupByName(name);
    if (found) {
      group = found.name === name ? found : await secretServer.renameGroup(found.id, name);
      result = 'linked';
    } else {
      group = await secretServer.createGroup(name);
      result = 'created';
    }
  }

  if (group.synchronized) {
    logger.warn('group is synchronised from a directory in Secret Server; membership left alone', {
      category: 'worker',
      id: payload.id,
      secretServerId: group.id,
      group: name,
    });
    await store.markSynced('Group', payload.id, resource.meta.version, { secretServerId: group.id, lastSyncedAt: new Date().toISOString() });
    return { result: 'skipped', secretServerId: group.id, detail: 'directory-synchronised group' };
  }

  const members = (resource.attributes.members ?? []) as GroupMember[];
  const memberIds = members.map((m) => m.value);
  const [memberLinks, memberResources] = await Promise.all([store.getLinks('User', memberIds), store.getMany('User', memberIds)]);
  const desired = new Set<number>();
  let pending = 0;
  memberIds.forEach((memberId, i) => {
    const secretServerId = memberLinks[i]?.secretServerId;
    if (secretServerId !== undefined) desired.add(secretServerId);
    else if (memberResources[i]) pending++;
    else logger.warn('group member is not a known SCIM user; skipped', { category: 'worker', id: payload.id, member: memberId });
  });
  // A group created just now has no members: asking Secret Server would be a wasted call.
  const current = new Set(result === 'created' ? [] : (await secretServer.listGroupMembers(group.id)).map((m) => m.userId));
  const toAdd = [...desired].filter((id) => !current.has(id));
  // Members still pending are not in `desired` and not in Secret Server yet, so nothing is removed for them.
  const toRemove = [...current].filter((id) => !desired.has(id));
  if (toAdd.length || toRemove.length) await secretServer.updateGroupMembers(group.id, toAdd, toRemove);

  if (pending > 0) {
    await store.setLink('Group', payload.id, { secretServerId: group.id, state: 'pending', lastError: `waiting for ${pending} member(s)` });
    throw new WaitingForMembersError(pending);
  }
  await store.markSynced('Group', payload.id, resource.meta.version, { secretServerId: group.id, lastSyncedAt: new Date().toISOString() });
  return { result, secretServerId: group.id, detail: `+${toAdd.length} -${toRemove.length} members` };
}
