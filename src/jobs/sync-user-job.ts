import { displayNameFor, secretServerUserName } from '../domain/name-filling';
import type { SecretServerLink } from '../domain/resource-types';
import { primaryEmail } from '../domain/unique-keys';
import {
  SecretServerAccessDeniedError,
  SecretServerAccountNotClaimableError,
  SecretServerError,
  SecretServerPermanentError,
  SecretServerRefusedError,
  isAbsentOrForbidden,
} from '../secret-server/secret-server-errors';
import { generateLocalUserPassword } from '../secret-server/password-generator';
import { ownerOfEmail, type SecretServerUser } from '../secret-server/secret-server-client';
import { QUEUES } from '../queue/queue-registry';
import { dryRunState } from './dry-run-state';
import { syncJobOptions, type JobContext, type SyncJobDefinition, type SyncJobPayload, type SyncOutcome, type SyncStart } from './sync-job';

/** Ids and a version only (sync-job.ts): the job re-reads the user itself, under its lock. */
export type SyncUserPayload = SyncJobPayload;

/**
 * Converges one SCIM user into Secret Server. Enqueued by the SCIM front, the sweeper and a full
 * resync through ProvisioningQueue, with syncJobOptions and the ids syncJobId / resyncJobId
 * give; run by job-runner.ts, whose failure handling is job-decision.ts.
 */
export const syncUserJob: SyncJobDefinition = {
  name: 'sync-user',
  queue: QUEUES.provision,
  kind: 'User',
  options: syncJobOptions,
  exec: syncUser,
};

/** What the worker writes to the Secret Server user of a SCIM user. */
export interface DesiredUser {
  displayName: string;
  emailAddress: string;
  enabled: boolean;
}

/**
 * The Secret Server fields the worker converges a SCIM user to, or undefined without a primary
 * email (the key into Secret Server). The drift report (domain/drift-report.ts) compares with this too.
 */
export function desiredUserOf(attributes: Record<string, unknown>): DesiredUser | undefined {
  const email = primaryEmail(attributes);
  if (!email) return undefined;
  return { displayName: displayNameFor(attributes, email), emailAddress: email, enabled: attributes.active !== false };
}

const sameText = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * Converges one Secret Server user to the SCIM user's current state. Idempotent: it re-reads the
 * desired state, so replays, duplicates and out-of-order jobs change nothing the second time.
 * Users are keyed on primary email: an existing Secret Server user with that email (any case,
 * enabled or not) is linked, never duplicated. A SCIM delete or active=false disables.
 * Before any write the account is confirmed to be the one linked (its userName, which Secret
 * Server never changes) and one the bridge may claim (claimable-accounts.ts); a refused write is
 * read back and, when nothing changed, a permanent failure. `start` is read while holding the
 * resource's lock (job-runner.ts).
 */
export async function syncUser(payload: SyncUserPayload, ctx: JobContext, start: SyncStart): Promise<SyncOutcome> {
  // A sync of a user not linked yet counts towards a burst of new users (create-burst.ts) while it runs.
  const ended = start.resource && !start.link?.secretServerId ? ctx.accountView?.burst.started() : undefined;
  try {
    return await convergeUser(payload, ctx, start);
  } finally {
    ended?.();
  }
}

async function convergeUser(payload: SyncUserPayload, ctx: JobContext, { resource, link }: SyncStart): Promise<SyncOutcome> {
  const { store } = ctx;
  if (!resource) return disableDeletedUser(payload, ctx, link);

  if (!payload.force && link?.syncedVersion !== undefined && link.syncedVersion >= resource.meta.version && link.state === 'synced') {
    await store.markSynced('User', payload.id, link.syncedVersion, {});
    return { result: 'unchanged', secretServerId: link.secretServerId, detail: `version ${resource.meta.version} already synced` };
  }

  const attributes = resource.attributes;
  const desired = desiredUserOf(attributes);
  if (!desired) {
    throw new SecretServerPermanentError('The SCIM user has no email; Secret Server users are keyed on primary email', {
      endpoint: 'n/a',
    });
  }
  const email = desired.emailAddress;
  const userName = secretServerUserName(ctx.usernameFormat, typeof attributes.userName === 'string' ? attributes.userName : email, email);

  let result: SyncOutcome['result'] = 'updated';
  let ssUser: SecretServerUser | null = null;
  const linked = link?.secretServerId ? await confirmLinkedUser(ctx, payload.id, link, email) : null;
  if (linked) {
    await ctx.accounts.assertClaimable(linked);
    ssUser = await writeUser(ctx, linked, desired);
  }
  if (!ssUser) ({ user: ssUser, result } = await findOrCreate(ctx, email, userName, desired));

  if (link?.secretServerUserName && result === 'updated' && !sameText(ssUser.userName, userName)) {
    ctx.logger.info('upstream rename recorded; Secret Server userNames cannot change', {
      category: 'worker',
      id: payload.id,
      secretServerId: ssUser.id,
      secretServerUserName: ssUser.userName,
      wantedUserName: userName,
    });
  }
  ctx.accountView?.record(ssUser);
  await store.markSynced('User', payload.id, resource.meta.version, {
    ...dryRunState(ctx),
    secretServerId: ssUser.id,
    secretServerUserName: ssUser.userName,
    lastSyncedAt: new Date().toISOString(),
  });
  if (!desired.enabled && result === 'updated') result = 'disabled';
  return { result, secretServerId: ssUser.id, email };
}

/** A SCIM DELETE disables (never deletes) the linked user, once it is confirmed to be ours. */
async function disableDeletedUser(payload: SyncUserPayload, ctx: JobContext, link: SecretServerLink | undefined): Promise<SyncOutcome> {
  const { store } = ctx;
  const linked = link?.secretServerId ? await confirmLinkedUser(ctx, payload.id, link, undefined) : null;
  if (!linked) {
    await store.markSynced('User', payload.id, payload.version, {});
    return { result: 'skipped', detail: link?.secretServerId ? 'its Secret Server user is gone or no longer ours' : 'deleted before it reached Secret Server' };
  }
  await ctx.accounts.assertClaimable(linked);
  const disabled = linked.enabled ? await writeUser(ctx, linked, { enabled: false }) : linked;
  await store.markSynced('User', payload.id, payload.version, { secretServerId: linked.id });
  return { result: 'disabled', secretServerId: linked.id, detail: disabled ? 'SCIM delete disables, never deletes' : 'its Secret Server user is gone' };
}

/**
 * The linked Secret Server user, read fresh, if it is still the one linked: its userName equals the
 * one recorded at link time. A restored backup, or another server behind the same URL, gives the
 * same id to someone else; then the link is dropped with a WARN and null returned, so the caller
 * finds the user by email again. A link from before userNames were recorded is trusted only when
 * the account holds the SCIM user's email.
 */
async function confirmLinkedUser(ctx: JobContext, scimId: string, link: SecretServerLink, email: string | undefined): Promise<SecretServerUser | null> {
  const id = link.secretServerId!;
  const current = await readBack(ctx, id);
  if (!current) {
    await ctx.store.unlink('User', scimId);
    return null;
  }
  const ours = link.secretServerUserName ? sameText(current.userName, link.secretServerUserName) : sameText(current.emailAddress, email);
  if (ours) return current;
  ctx.logger.warn(`Secret Server user ${id} is now ${current.userName} (was ${link.secretServerUserName ?? 'unrecorded'}): linking by email again`, {
    category: 'worker',
    id: scimId,
    secretServerId: id,
    secretServerUserName: current.userName,
    linkedUserName: link.secretServerUserName,
  });
  await ctx.store.unlink('User', scimId);
  return null;
}

/** GET the user, disabled ones included; null when Secret Server says it is absent. */
async function readBack(ctx: JobContext, id: number): Promise<SecretServerUser | null> {
  try {
    return await ctx.secretServer.getUser(id);
  } catch (err) {
    if (isAbsentOrForbidden(err)) return null;
    throw err;
  }
}

type Placed = { user: SecretServerUser; result: 'linked' | 'created' };

/**
 * The Secret Server user of an unlinked SCIM user: found by email and linked, or created. During a
 * burst the account view answers instead of a search (account-view.ts): an email it does not know
 * is created at once; one it knows is read by id and linked only if that account still holds the
 * email (userNames never change); anything else, and any name on SS_PROTECTED_USERS, searches
 * first as outside a burst. A create answered 400 falls back to the search.
 */
async function findOrCreate(ctx: JobContext, email: string, userName: string, desired: DesiredUser): Promise<Placed> {
  const view = ctx.accountView;
  if (!view?.enabled || !view.burst.active || ctx.accounts.namesProtected(email, userName)) return searchFirst(ctx, email, userName, desired);
  return view.serialised(email, async () => {
    const known = await view.lookup(email, userName);
    if (known?.owner) {
      const current = await readBack(ctx, known.owner.id);
      if (current && sameText(current.userName, known.owner.userName) && ownerOfEmail([current], email)) {
        return { user: await claimAndWrite(ctx, current, desired), result: 'linked' };
      }
    } else if (known && !known.userNameTaken) {
      try {
        return { user: await createUser(ctx, userName, desired), result: 'created' };
      } catch (err) {
        if (!isCreateRefusal(err)) throw err;
        return searchFirst(ctx, email, userName, desired, err);
      }
    }
    return searchFirst(ctx, email, userName, desired);
  });
}

/**
 * Search by email first (what keeps an existing account from being duplicated), then create. After
 * a create already refused with 400 (`refusedCreate`), the userName is looked up instead of asking again.
 */
async function searchFirst(ctx: JobContext, email: string, userName: string, desired: DesiredUser, refusedCreate?: unknown): Promise<Placed> {
  const found = await ctx.secretServer.findUserOwningEmail(email);
  if (found) return { user: await claimAndWrite(ctx, found, desired), result: 'linked' };
  if (refusedCreate !== undefined) return { user: await linkExistingUserName(ctx, refusedCreate, userName, desired), result: 'linked' };
  try {
    return { user: await createUser(ctx, userName, desired), result: 'created' };
  } catch (err) {
    return { user: await linkExistingUserName(ctx, err, userName, desired), result: 'linked' };
  }
}

async function createUser(ctx: JobContext, userName: string, desired: DesiredUser): Promise<SecretServerUser> {
  const created = await ctx.secretServer.createUser({ userName, ...desired, password: generateLocalUserPassword() });
  ctx.accountView?.record(created);
  await ctx.accounts.recordCreated('User', created.id);
  return created;
}

/** A 400 from create that may mean a taken userName (see linkExistingUserName). */
function isCreateRefusal(err: unknown): boolean {
  return err instanceof SecretServerPermanentError && err.status === 400 && !(err instanceof SecretServerAccessDeniedError);
}

async function claimAndWrite(ctx: JobContext, user: SecretServerUser, desired: DesiredUser): Promise<SecretServerUser> {
  await ctx.accounts.assertClaimable(user);
  const written = await writeUser(ctx, user, desired);
  if (!written)
    throw new SecretServerAccessDeniedError(`Secret Server user ${user.id} vanished while it was being linked`, { endpoint: 'PATCH /api/v1/users/{id}' });
  return written;
}

/**
 * PATCHes what differs. Secret Server answers the same 400 API_AccessDenied for "absent" and
 * "forbidden" (system users, the calling user, Platform service users), so a refusal is read
 * back: absent gives null, unchanged is a permanent failure naming what to do, changed is done.
 */
async function writeUser(ctx: JobContext, current: SecretServerUser, desired: Partial<DesiredUser>): Promise<SecretServerUser | null> {
  const changes = changesFrom(current, desired);
  if (Object.keys(changes).length === 0) return current;
  try {
    return await ctx.secretServer.updateUser(current.id, changes);
  } catch (err) {
    if (!isAbsentOrForbidden(err)) throw err;
    const after = await readBack(ctx, current.id);
    if (!after) return null;
    if (Object.keys(changesFrom(after, desired)).length === 0) return after;
    const what = changes.enabled === false ? 'disable' : 'update';
    throw new SecretServerRefusedError(
      `Secret Server refused to ${what} user ${current.id} (${current.userName}) and it is unchanged: the API account may not ${what} this user ` +
        '(a system user, the API account itself, or a role without Administer Users); grant it or unassign the user in Okta',
      { endpoint: (err as SecretServerError).endpoint, status: (err as SecretServerError).status, errorCode: (err as SecretServerError).errorCode },
    );
  }
}

/** The fields a write would change: what differs, exactly as Secret Server holds it. */
export function changesFrom(current: Pick<SecretServerUser, 'displayName' | 'emailAddress' | 'enabled'>, desired: Partial<DesiredUser>): Partial<DesiredUser> {
  const changes: Partial<DesiredUser> = {};
  if (desired.displayName !== undefined && current.displayName !== desired.displayName) changes.displayName = desired.displayName;
  if (desired.emailAddress !== undefined && current.emailAddress !== desired.emailAddress) changes.emailAddress = desired.emailAddress;
  if (desired.enabled !== undefined && current.enabled !== desired.enabled) changes.enabled = desired.enabled;
  return changes;
}

/**
 * A create answered 400: the userName may exist (Secret Server's wording for that is undocumented,
 * so the userName is looked up, disabled users included). It is linked only when it has no email
 * or this one; otherwise it is someone else's account. Nothing found: Secret Server's own message.
 */
async function linkExistingUserName(ctx: JobContext, err: unknown, userName: string, desired: DesiredUser): Promise<SecretServerUser> {
  if (!isCreateRefusal(err)) throw err;
  const existing = await ctx.secretServer.findUserByUserName(userName);
  if (!existing) throw err;
  if (existing.emailAddress && !sameText(existing.emailAddress, desired.emailAddress)) {
    throw new SecretServerAccountNotClaimableError(
      `Secret Server user ${existing.id} (${existing.userName}) already has this userName with another email; not linked`,
      existing.id,
    );
  }
  return claimAndWrite(ctx, existing, desired);
}
