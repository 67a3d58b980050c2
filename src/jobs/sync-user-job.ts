import { displayNameFor, secretServerUserName } from '../domain/name-filling';
import { primaryEmail } from '../domain/unique-keys';
import { SecretServerAccessDeniedError, SecretServerDuplicateUserNameError, SecretServerPermanentError } from '../secret-server/secret-server-errors';
import { generateLocalUserPassword } from '../secret-server/password-generator';
import type { SecretServerUser } from '../secret-server/secret-server-client';
import type { SyncJobPayload } from '../queue/queue-registry';
import type { JobContext, SyncOutcome, SyncStart } from './job-context';

/**
 * Converges one Secret Server user to the SCIM user's current state. Idempotent: it re-reads the
 * desired state, so replays, duplicates and out-of-order jobs change nothing the second time.
 * Users are keyed on primary email: an existing Secret Server user with that email (any case,
 * enabled or not) is linked, never duplicated. A SCIM delete or active=false disables.
 * `start` is read while holding the resource's lock (provision-worker.ts).
 */
export async function syncUser(payload: SyncJobPayload, ctx: JobContext, { resource, link }: SyncStart): Promise<SyncOutcome> {
  const { store, secretServer } = ctx;

  if (!resource) {
    if (!link?.secretServerId) {
      await store.markSynced('User', payload.id, payload.version, {});
      return { result: 'skipped', detail: 'deleted before it reached Secret Server' };
    }
    try {
      await secretServer.updateUser(link.secretServerId, { enabled: false });
    } catch (err) {
      if (!(err instanceof SecretServerAccessDeniedError)) throw err;
    }
    await store.markSynced('User', payload.id, payload.version, { secretServerId: link.secretServerId });
    return { result: 'disabled', secretServerId: link.secretServerId, detail: 'SCIM delete disables, never deletes' };
  }

  if (!payload.force && link?.syncedVersion !== undefined && link.syncedVersion >= resource.meta.version && link.state === 'synced') {
    await store.markSynced('User', payload.id, link.syncedVersion, {});
    return { result: 'unchanged', secretServerId: link.secretServerId, detail: `version ${resource.meta.version} already synced` };
  }

  const attributes = resource.attributes;
  const email = primaryEmail(attributes);
  if (!email) {
    throw new SecretServerPermanentError('The SCIM user has no email; Secret Server users are keyed on primary email', {
      endpoint: 'n/a',
    });
  }
  const desired = { displayName: displayNameFor(attributes, email), emailAddress: email, enabled: attributes.active !== false };
  const scimUserName = String(attributes.userName ?? email);

  let result: SyncOutcome['result'] = 'updated';
  let ssUser: SecretServerUser | null = null;
  if (link?.secretServerId) {
    try {
      ssUser = await secretServer.updateUser(link.secretServerId, desired);
    } catch (err) {
      // Absent or forbidden: confirm by searching, below, instead of trusting the 400.
      if (!(err instanceof SecretServerAccessDeniedError)) throw err;
    }
  }
  if (!ssUser) {
    const found = await secretServer.findUserByEmail(email);
    if (found) {
      ssUser = differs(found, desired) ? await secretServer.updateUser(found.id, desired) : found;
      result = 'linked';
    } else {
      const userName = secretServerUserName(ctx.usernameFormat, scimUserName, email);
      try {
        ssUser = await secretServer.createUser({ userName, ...desired, password: generateLocalUserPassword() });
        result = 'created';
      } catch (err) {
        // The userName exists with another (or no) email: that user is ours to link.
        if (!(err instanceof SecretServerDuplicateUserNameError)) throw err;
        const existing = await secretServer.findUserByEmail(userName);
        if (!existing) throw err;
        ssUser = await secretServer.updateUser(existing.id, desired);
        result = 'linked';
      }
    }
  }

  const wantedUserName = secretServerUserName(ctx.usernameFormat, scimUserName, email);
  if (link?.secretServerUserName && ssUser.userName.toLowerCase() !== wantedUserName.toLowerCase() && result === 'updated') {
    ctx.logger.info('upstream rename recorded; Secret Server userNames cannot change', {
      category: 'worker',
      id: payload.id,
      secretServerId: ssUser.id,
      secretServerUserName: ssUser.userName,
      wantedUserName,
    });
  }
  await store.markSynced('User', payload.id, resource.meta.version, {
    secretServerId: ssUser.id,
    secretServerUserName: ssUser.userName,
    lastSyncedAt: new Date().toISOString(),
  });
  if (!desired.enabled && result === 'updated') result = 'disabled';
  return { result, secretServerId: ssUser.id, email };
}

function differs(current: SecretServerUser, desired: { displayName: string; emailAddress: string; enabled: boolean }): boolean {
  return current.displayName !== desired.displayName || current.emailAddress !== desired.emailAddress || current.enabled !== desired.enabled;
}
