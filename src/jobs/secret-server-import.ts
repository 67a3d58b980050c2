import crypto from 'node:crypto';
import { splitDisplayName } from '../domain/name-filling';
import type { GroupMember, ResourceKind, StoredResource } from '../domain/resource-types';
import { primaryEmail, uniqueKeysOf } from '../domain/unique-keys';
import { BridgeError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import { jsonEqual } from '../scim/json-values';
import type { SecretServerClient, SecretServerGroup, SecretServerPage, SecretServerUser } from '../secret-server/secret-server-client';
import type { ResourceStore } from '../store/resource-store';
import type { ClaimableAccounts } from './claimable-accounts';
import { limitConcurrency } from './concurrency-limit';
import { ImportedUserIds } from './imported-user-ids';
import { planWaves, runWave } from './import-waves';

export interface ImportContext {
  store: ResourceStore;
  secretServer: Pick<SecretServerClient, 'listUsersPage' | 'listGroupsPage' | 'listGroupMembers'>;
  /** Application accounts, the API account and SS_PROTECTED_USERS are never imported. */
  accounts: Pick<ClaimableAccounts, 'claimablePredicate'>;
  /** Converges Okta users again whose link the import dropped (a forced sync, whatever their version). */
  resync: (kind: ResourceKind, resources: Array<{ id: string; version: number }>) => Promise<void>;
  logger: Logger;
  familyNamePlaceholder: string;
  pageSize: number;
}

export interface ImportSummary {
  users: { seen: number; created: number; updated: number; linked: number; skipped: number };
  groups: { seen: number; created: number; updated: number; linked: number; skipped: number };
  durationMs: number;
}

/**
 * Okta "Import Now": reads every Secret Server user and group (bounded pages, following
 * hasNext/nextSkip) and merges them into the SCIM state so Okta can page through them.
 * - ids are derived from the Secret Server id, so they are the same on every run;
 * - a Secret Server user whose email matches an Okta-pushed user is linked to it, and for users
 *   Okta manages Okta's attributes win: the import never overwrites them;
 * - names are always filled (givenName/familyName), or Okta's import fails;
 * - imported resources are not pushed back to Secret Server (no dirty marker): they came from there;
 * - a SCIM user linked to a Secret Server id whose userName is no longer the recorded one (a
 *   restored backup gave the id to someone else) loses that link before anything is merged;
 * - accounts the bridge may not claim (claimable-accounts.ts) are skipped.
 * Each page is merged a slice at a time, the objects of a slice concurrently in waves that give
 * the one-by-one result in page order (import-waves.ts), so their Redis commands share round trips.
 */
export async function importFromSecretServer(ctx: ImportContext): Promise<ImportSummary> {
  const started = Date.now();
  const summary: ImportSummary = {
    users: { seen: 0, created: 0, updated: 0, linked: 0, skipped: 0 },
    groups: { seen: 0, created: 0, updated: 0, linked: 0, skipped: 0 },
    durationMs: 0,
  };
  const scimIdBySecretServerUserId = new ImportedUserIds((id) => stableId('user', id));
  const claimable = await ctx.accounts.claimablePredicate();
  for await (const users of pagesOf((skip) => ctx.secretServer.listUsersPage(skip, ctx.pageSize))) {
    for (const slice of slicesOf(users)) await importUsers(ctx, slice, summary.users, scimIdBySecretServerUserId, claimable);
  }
  // Groups after every user: their members are resolved through the users' ids.
  const secretServerCall = limitConcurrency(SECRET_SERVER_CALLS_AT_ONCE);
  for await (const groups of pagesOf((skip) => ctx.secretServer.listGroupsPage(skip, ctx.pageSize))) {
    for (const slice of slicesOf(groups)) await importGroups(ctx, slice, summary.groups, scimIdBySecretServerUserId, secretServerCall);
  }
  summary.durationMs = Date.now() - started;
  return summary;
}

/** Group member lists read from Secret Server at once: enough to hide its latency, not to flood it. */
const SECRET_SERVER_CALLS_AT_ONCE = 8;

/**
 * Objects merged at once, a slice of a page at a time (slices in page order). A hundred already
 * share each round trip a hundredfold; a whole page of 500 in flight kept more state alive across
 * young-generation GCs, so more of it reached the old generation and the worker's peak RSS rose,
 * in the same time (the import phase of npm run bench shows both; docs/performance.md).
 */
const MERGES_AT_ONCE = 100;

function* slicesOf<T>(items: T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += MERGES_AT_ONCE) yield items.slice(start, start + MERGES_AT_ONCE);
}

type MergeOutcome = 'created' | 'updated' | 'linked' | 'skipped';
type Counts = Record<MergeOutcome | 'seen', number>;

/**
 * The items of each page, following hasNext/nextSkip. The next page is requested while this one
 * is merged, which hides Secret Server's latency behind the Redis work.
 */
export async function* pagesOf<T>(read: (skip: number) => Promise<SecretServerPage<T>>): AsyncGenerator<T[]> {
  let next: Promise<SecretServerPage<T>> | undefined = read(0);
  while (next) {
    const page: SecretServerPage<T> = await next;
    next = page.hasNext && page.items.length > 0 ? read(page.nextSkip) : undefined;
    // Awaited on the next turn; if merging this page fails first, its failure must not go unhandled.
    next?.catch(() => undefined);
    yield page.items;
  }
}

/** SCIM ids found for a Secret Server user when its slice started (see import-waves.ts). */
interface UserLookups {
  bySecretServerId: string | null;
  byEmail: string | null;
  byUserName: string | null;
  /** Who holds the email it will be written with, when that differs from the one looked up. */
  byWrittenEmail: string | null;
}

interface UserPlan {
  user: SecretServerUser;
  attributes: Record<string, unknown>;
  keys: string[];
}

async function importUsers(
  ctx: ImportContext,
  users: SecretServerUser[],
  counts: Counts,
  idMap: ImportedUserIds,
  claimable: (user: SecretServerUser) => boolean,
): Promise<void> {
  counts.seen += users.length;
  const plans: UserPlan[] = [];
  for (const user of users) {
    // Application accounts, the bridge's own API account and protected ones are not Okta's to manage.
    if (!claimable(user)) counts.skipped++;
    else plans.push(planUser(user, ctx.familyNamePlaceholder));
  }
  const lookups = await Promise.all(plans.map((plan) => lookUpUser(ctx.store, plan)));
  const waves = planWaves(plans.map((plan, i) => ({ keys: plan.keys, ids: foundIds(lookups[i]) })));
  for (const [n, wave] of waves.entries()) {
    // The first wave runs on the slice's lookups; later ones look up again, after the earlier waves' writes.
    const outcomes = await runWave(wave, async (i) => importUser(ctx, plans[i], n === 0 ? lookups[i] : await lookUpUser(ctx.store, plans[i]), idMap));
    for (const outcome of outcomes) counts[outcome]++;
  }
}

function planUser(user: SecretServerUser, familyNamePlaceholder: string): UserPlan {
  const attributes = userAttributes(user, familyNamePlaceholder);
  const keys = uniqueKeysOf('User', attributes)
    .map(([, value]) => value)
    .filter((value) => value !== '');
  if (user.emailAddress) keys.push(user.emailAddress.toLowerCase());
  return { user, attributes, keys };
}

async function lookUpUser(store: ResourceStore, { user, attributes }: UserPlan): Promise<UserLookups> {
  const email = user.emailAddress || undefined;
  const writtenEmail = primaryEmail(attributes);
  const writtenDiffers = writtenEmail !== undefined && writtenEmail.toLowerCase() !== email?.toLowerCase();
  const [bySecretServerId, byEmail, byUserName, byWrittenEmail] = await Promise.all([
    store.findIdBySecretServerId('User', user.id),
    email ? store.findIdByIndex('User', 'email', email) : null,
    store.findIdByIndex('User', 'userName', String(attributes.userName)),
    writtenDiffers ? store.findIdByIndex('User', 'email', writtenEmail) : null,
  ]);
  return { bySecretServerId, byEmail, byUserName, byWrittenEmail };
}

function foundIds(lookups: UserLookups | GroupLookups): string[] {
  const ids: string[] = [];
  for (const id of Object.values(lookups) as (string | null)[]) if (id !== null) ids.push(id);
  return ids;
}

async function importUser(ctx: ImportContext, plan: UserPlan, lookups: UserLookups, idMap: ImportedUserIds): Promise<MergeOutcome> {
  const { store } = ctx;
  const { user, attributes } = plan;
  const email = user.emailAddress ?? undefined;
  let id = lookups.bySecretServerId;
  let newId = stableId('user', user.id);
  if (id && !(await stillLinkedTo(ctx, id, user))) {
    id = null;
    // The stale resource may be the mirror imported for the id's former owner: keep both apart.
    if (await store.get('User', newId)) newId = stableId('user', user.id, user.userName);
  }
  if (id && (await isTombstone(store, id))) return 'skipped';
  if (!id) {
    // Matched by email or userName: that SCIM user may already stand for another Secret Server user
    // (Secret Server does not enforce unique emails). One email, one SCIM user: keep the first.
    id = lookups.byEmail ?? lookups.byUserName;
    const owner = id ? await store.getLink('User', id) : undefined;
    if (id && owner?.secretServerId !== undefined && owner.secretServerId !== user.id) {
      ctx.logger.warn('import skipped a Secret Server user whose email or userName another one already has', {
        category: 'import',
        secretServerUserId: user.id,
        keptSecretServerUserId: owner.secretServerId,
        email,
      });
      return 'skipped';
    }
  }
  const existing = id ? await store.get('User', id) : null;
  try {
    const merged = await merge(ctx, 'User', existing, newId, attributes, { secretServerId: user.id, secretServerUserName: user.userName });
    idMap.set(user.id, merged.resource.id, newId);
    return merged.outcome;
  } catch (err) {
    return skipped(ctx, err, { secretServerUserId: user.id, userName: user.userName });
  }
}

/**
 * A SCIM DELETE removes the resource and keeps its link (the Secret Server id and userName, nothing
 * else about the person): that link is the tombstone. RFC 7644 §3.6 omits a deleted resource from
 * later queries, so the import must not bring the disabled account back as a new SCIM user; a later
 * POST of the same person links the same account again (by email), which replaces the tombstone.
 */
async function isTombstone(store: ResourceStore, scimId: string): Promise<boolean> {
  return (await store.existingIds('User', [scimId])).size === 0;
}

/**
 * False when the SCIM user linked to this Secret Server id recorded another userName (userNames
 * never change in Secret Server, so the id now belongs to someone else): the link is dropped, and
 * an Okta user gets a forced sync that finds or creates its account by email again.
 */
async function stillLinkedTo(ctx: ImportContext, scimId: string, user: SecretServerUser): Promise<boolean> {
  const link = await ctx.store.getLink('User', scimId);
  if (!link?.secretServerUserName || link.secretServerUserName.toLowerCase() === user.userName.toLowerCase()) return true;
  ctx.logger.warn(`Secret Server user ${user.id} is now ${user.userName} (was ${link.secretServerUserName}): the import links it afresh`, {
    category: 'import',
    id: scimId,
    secretServerUserId: user.id,
  });
  await ctx.store.unlink('User', scimId);
  const stale = await ctx.store.get('User', scimId);
  if (stale?.origin === 'okta') await ctx.resync('User', [{ id: scimId, version: stale.meta.version }]);
  return false;
}

interface GroupLookups {
  bySecretServerId: string | null;
  byDisplayName: string | null;
}

async function importGroups(
  ctx: ImportContext,
  groups: SecretServerGroup[],
  counts: Counts,
  idMap: ImportedUserIds,
  secretServerCall: ReturnType<typeof limitConcurrency>,
): Promise<void> {
  counts.seen += groups.length;
  const lookups = await Promise.all(groups.map((group) => lookUpGroup(ctx.store, group)));
  const waves = planWaves(groups.map((group, i) => ({ keys: group.name ? [group.name.toLowerCase()] : [], ids: foundIds(lookups[i]) })));
  for (const [n, wave] of waves.entries()) {
    const outcomes = await runWave(wave, async (i) =>
      importGroup(ctx, groups[i], n === 0 ? lookups[i] : await lookUpGroup(ctx.store, groups[i]), idMap, secretServerCall),
    );
    for (const outcome of outcomes) counts[outcome]++;
  }
}

async function lookUpGroup(store: ResourceStore, group: SecretServerGroup): Promise<GroupLookups> {
  const [bySecretServerId, byDisplayName] = await Promise.all([
    store.findIdBySecretServerId('Group', group.id),
    store.findIdByIndex('Group', 'displayName', group.name),
  ]);
  return { bySecretServerId, byDisplayName };
}

async function importGroup(
  ctx: ImportContext,
  group: SecretServerGroup,
  lookups: GroupLookups,
  idMap: ImportedUserIds,
  secretServerCall: ReturnType<typeof limitConcurrency>,
): Promise<MergeOutcome> {
  const { store } = ctx;
  const id = lookups.bySecretServerId ?? lookups.byDisplayName;
  const [existing, memberships] = await Promise.all([id ? store.get('Group', id) : null, secretServerCall(() => ctx.secretServer.listGroupMembers(group.id))]);
  const scimIds = await Promise.all(memberships.map(async (m) => idMap.get(m.userId) ?? store.findIdBySecretServerId('User', m.userId)));
  // A member whose SCIM user was deleted (only its tombstone is left) is no member in SCIM.
  const live = await store.existingIds(
    'User',
    scimIds.filter((scimId): scimId is string => scimId !== null),
  );
  const members: GroupMember[] = [];
  memberships.forEach((m, i) => {
    const scimId = scimIds[i];
    if (scimId && live.has(scimId)) members.push({ value: scimId, display: m.userName });
  });
  try {
    const merged = await merge(
      ctx,
      'Group',
      existing,
      stableId('group', group.id),
      { displayName: group.name, members },
      { secretServerId: group.id, secretServerName: group.name },
    );
    return merged.outcome;
  } catch (err) {
    return skipped(ctx, err, { secretServerGroupId: group.id, group: group.name });
  }
}

async function merge(
  ctx: ImportContext,
  kind: ResourceKind,
  existing: StoredResource | null,
  newId: string,
  attributes: Record<string, unknown>,
  link: { secretServerId: number; secretServerUserName?: string; secretServerName?: string },
): Promise<{ resource: StoredResource; outcome: MergeOutcome }> {
  const { store } = ctx;
  const now = new Date().toISOString();
  if (!existing) {
    const created = await store.create(kind, attributes, { origin: 'secret-server', id: newId, markDirty: false });
    await store.markSynced(kind, created.id, created.meta.version, { ...link, lastSyncedAt: now });
    return { resource: created, outcome: 'created' };
  }
  if (existing.origin === 'okta') {
    // Okta manages it: link only, never overwrite what Okta pushed.
    const current = await store.getLink(kind, existing.id);
    if (current?.secretServerId === link.secretServerId) return { resource: existing, outcome: 'skipped' };
    await store.setLink(kind, existing.id, link);
    return { resource: existing, outcome: 'linked' };
  }
  // The merged attributes differ from the stored ones only where the imported ones do: compare
  // those, without copying the resource or serialising both (a re-import compares every user).
  const current = existing.attributes;
  if (Object.keys(attributes).every((key) => jsonEqual(attributes[key], current[key]))) return { resource: existing, outcome: 'skipped' };
  const next = { ...current, ...attributes };
  const updated = await store.update(kind, existing.id, () => next, undefined, { markDirty: false });
  await store.markSynced(kind, updated.id, updated.meta.version, { ...link, lastSyncedAt: now });
  return { resource: updated, outcome: 'updated' };
}

/** SCIM attributes of a Secret Server user, with every attribute Okta requires filled. */
export function userAttributes(user: SecretServerUser, familyNamePlaceholder: string): Record<string, unknown> {
  const email = user.emailAddress?.trim() || undefined;
  const name = splitDisplayName(user.displayName, { email, userName: user.userName }, familyNamePlaceholder);
  return {
    userName: email ?? user.userName,
    name,
    displayName: user.displayName?.trim() || name.formatted,
    emails: email ? [{ value: email, type: 'work', primary: true }] : [],
    active: user.enabled,
  };
}

/**
 * A UUID-shaped id derived from the Secret Server id: the same on every import run. `reusedBy`
 * tells apart an id's new owner when a mirror of its former owner is still stored.
 */
export function stableId(kind: 'user' | 'group', secretServerId: number, reusedBy?: string): string {
  const source = `secret-server:${kind}:${secretServerId}${reusedBy === undefined ? '' : `:${reusedBy.toLowerCase()}`}`;
  const hex = crypto.createHash('sha256').update(source).digest('hex');
  // join() yields one flat string; a template of slices is a rope of nine pieces that V8 keeps as
  // is, several times the size of the flat string, and the import holds one id per Secret Server
  // user, so in a large import that is a visible share of the worker heap (npm run bench).
  return [hex.slice(0, 8), hex.slice(8, 12), `5${hex.slice(13, 16)}`, `a${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

function skipped(ctx: ImportContext, err: unknown, fields: Record<string, unknown>): MergeOutcome {
  if (!(err instanceof BridgeError) || err.statusCode >= 500) throw err;
  ctx.logger.warn(`import skipped a Secret Server object: ${err.message}`, { category: 'import', ...fields });
  return 'skipped';
}
