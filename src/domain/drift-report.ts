/**
 * The drift report: where Secret Server no longer holds what the desired state in Redis says it
 * should, after someone changed it outside the bridge. Pure: the reader (drift-service.ts) reads
 * both sides and hands them here. "Should hold" is what the workers would write: the user fields
 * of sync-user-job.ts (desiredUserOf, compared by changesFrom) and the membership difference of
 * sync-group-job.ts (membershipDifference, without the accounts the bridge never regroups).
 */
import type { AccountFacts } from '../jobs/claimable-accounts';
import { membershipDifference } from '../jobs/sync-group-job';
import { changesFrom, desiredUserOf } from '../jobs/sync-user-job';
import type { SecretServerGroup, SecretServerGroupMember, SecretServerUser } from '../secret-server/secret-server-client';
import type { GroupMember, ResourceKind, SecretServerLink, StoredResource } from './resource-types';

export const DRIFT_KINDS = ['missing', 'duplicate', 'enabled', 'displayName', 'email', 'members-missing', 'members-extra', 'unmanaged'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export interface DriftItem {
  kind: DriftKind;
  /** The SCIM user or group that drifted; absent for a Secret Server account no SCIM user is linked to. */
  resource?: { kind: ResourceKind; id: string };
  /** The SCIM userName or group displayName; for an unmanaged account, its Secret Server userName. */
  name: string;
  secretServerId?: number;
  /** One short phrase: "displayName differs", "member missing", ... */
  what: string;
  detail: string;
  /** A forced sync of `resource` converges it. Duplicates and unmanaged accounts are reported only: the bridge never deletes. */
  fixable: boolean;
  /** For an unmanaged account the bridge never claims (claimable-accounts.ts): why. */
  protectedReason?: string;
}

/** Counts only, no personal data: what /metrics and the console's heading show. */
export interface DriftSummary {
  /** Items per kind; `unmanaged` leaves out protected accounts, which are always there (the API account). */
  counts: Record<DriftKind, number>;
  /** The sum of `counts`. */
  total: number;
  /** Unmanaged accounts that are protected: listed, not counted as drift. */
  protectedAccounts: number;
  /** SCIM users and groups skipped because their last change has not reached Secret Server yet. */
  notYetSynced: number;
  checked: { users: number; groups: number; secretServerUsers: number; secretServerGroups: number };
  startedAt: string;
  finishedAt: string;
}

export interface DriftReport {
  summary: DriftSummary;
  items: DriftItem[];
}

/** One SCIM resource as the store holds it, with its link and whether a change of it still waits for a worker. */
export interface DesiredEntry {
  resource: StoredResource;
  link?: SecretServerLink;
  dirty: boolean;
}

export interface DriftInput {
  users: DesiredEntry[];
  groups: DesiredEntry[];
  secretServerUsers: SecretServerUser[];
  secretServerGroups: SecretServerGroup[];
  /** Members of the groups that were read (see groupsToRead), by Secret Server group id. */
  groupMembers: ReadonlyMap<number, Array<Pick<SecretServerGroupMember, 'userId' | 'userName'>>>;
  /** Why the bridge may not claim an account, or undefined (ClaimableAccounts.refusalCheck). */
  refusal(account: AccountFacts): string | undefined;
  startedAt: Date;
  finishedAt: Date;
}

const sameText = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/**
 * Converged, as far as the bridge knows: the last sync succeeded and nothing changed since. Only
 * those are compared; the rest is on its way (pending, dirty, failed, dry-run) and not drift.
 */
export function isConverged(entry: DesiredEntry): boolean {
  return entry.link?.state === 'synced' && !entry.dirty && entry.link.secretServerId !== undefined;
}

/** The Secret Server groups whose members the comparison needs: linked to a converged SCIM group, enabled or not, membership editable. */
export function groupsToRead(groups: DesiredEntry[], secretServerGroups: SecretServerGroup[]): number[] {
  const byId = new Map(secretServerGroups.map((g) => [g.id, g]));
  return groups
    .filter(isConverged)
    .map((g) => byId.get(g.link!.secretServerId!))
    .filter((g): g is SecretServerGroup => !!g && !g.synchronized)
    .map((g) => g.id);
}

export function compareDrift(input: DriftInput): DriftReport {
  const items: DriftItem[] = [];
  const usersById = new Map(input.secretServerUsers.map((u) => [u.id, u]));
  const holdersOf = emailHolders(input.secretServerUsers);
  const linkByScimUserId = new Map(input.users.map((u) => [u.resource.id, u.link]));
  let notYetSynced = 0;

  const duplicateIds = new Set<number>();
  for (const entry of input.users) {
    const desired = desiredUserOf(entry.resource.attributes);
    if (!isConverged(entry) || !desired) {
      notYetSynced++;
      continue;
    }
    const link = entry.link!;
    const resource = { kind: 'User' as const, id: entry.resource.id };
    const name = typeof entry.resource.attributes.userName === 'string' ? entry.resource.attributes.userName : desired.emailAddress;
    const holders = holdersOf.get(desired.emailAddress.toLowerCase()) ?? [];
    if (holders.length > 1) {
      holders.sort((a, b) => a.id - b.id);
      holders.forEach((h) => duplicateIds.add(h.id));
      // The one the bridge linked is named: the others were made in Secret Server, perhaps while a
      // burst of creates trusted the account view (jobs/account-view.ts) instead of searching.
      const linkedHolder = holders.find((h) => h.id === link.secretServerId);
      items.push({
        kind: 'duplicate',
        resource,
        name,
        ...(linkedHolder ? { secretServerId: linkedHolder.id } : {}),
        what: 'email held by several users',
        detail:
          `${holders.length} Secret Server users hold this email: ${holders.map((h) => `${h.id} (${h.userName})`).join(', ')}` +
          (linkedHolder ? `; the bridge linked ${linkedHolder.id}` : ''),
        fixable: false,
      });
    }
    const linked = usersById.get(link.secretServerId!);
    const stillOurs =
      !!linked && (link.secretServerUserName ? sameText(linked.userName, link.secretServerUserName) : sameText(linked.emailAddress, desired.emailAddress));
    if (!linked || !stillOurs) {
      const gone = linked ? `linked user ${linked.id} is ${linked.userName} now` : `linked user ${link.secretServerId} is gone`;
      items.push({
        kind: 'missing',
        resource,
        name,
        secretServerId: link.secretServerId,
        what: 'user missing',
        detail: holders.length === 0 ? `${gone}; no Secret Server user holds its email` : `${gone}; a sync links the user holding its email`,
        fixable: true,
      });
      continue;
    }
    const changes = changesFrom(linked, desired);
    const base = { resource, name, secretServerId: linked.id, fixable: true };
    if (changes.enabled !== undefined) {
      items.push({
        ...base,
        kind: 'enabled',
        what: desired.enabled ? 'disabled in Secret Server' : 'enabled in Secret Server',
        detail: `Secret Server: ${linked.enabled ? 'enabled' : 'disabled'}; SCIM: ${desired.enabled ? 'active' : 'inactive'}`,
      });
    }
    if (changes.displayName !== undefined) {
      items.push({
        ...base,
        kind: 'displayName',
        what: 'displayName differs',
        detail: `Secret Server: "${linked.displayName}"; wanted: "${desired.displayName}"`,
      });
    }
    if (changes.emailAddress !== undefined) {
      items.push({ ...base, kind: 'email', what: 'email differs', detail: `Secret Server: "${linked.emailAddress ?? ''}"; wanted: "${desired.emailAddress}"` });
    }
  }

  const groupsById = new Map(input.secretServerGroups.map((g) => [g.id, g]));
  for (const entry of input.groups) {
    if (!isConverged(entry)) {
      notYetSynced++;
      continue;
    }
    const link = entry.link!;
    const resource = { kind: 'Group' as const, id: entry.resource.id };
    const name = String(entry.resource.attributes.displayName);
    const group = groupsById.get(link.secretServerId!);
    // The worker confirms a linked group by the name it last wrote (sync-group-job.ts confirmLinkedGroup).
    if (!group || !sameText(group.name, link.secretServerName ?? name)) {
      items.push({
        kind: 'missing',
        resource,
        name,
        secretServerId: link.secretServerId,
        what: 'group missing',
        detail: group ? `linked group ${group.id} is "${group.name}" now` : `linked group ${link.secretServerId} is gone`,
        fixable: true,
      });
      continue;
    }
    const base = { resource, name, secretServerId: group.id, fixable: true };
    if (!group.enabled) items.push({ ...base, kind: 'enabled', what: 'disabled in Secret Server', detail: 'Secret Server: disabled; SCIM: present' });
    if (group.name !== name) items.push({ ...base, kind: 'displayName', what: 'name differs', detail: `Secret Server: "${group.name}"; wanted: "${name}"` });
    const current = input.groupMembers.get(group.id);
    if (group.synchronized || !current) continue;
    const desired = new Set<number>();
    for (const member of (entry.resource.attributes.members ?? []) as GroupMember[]) {
      const id = linkByScimUserId.get(member.value)?.secretServerId;
      if (id !== undefined) desired.add(id);
    }
    const { toAdd, extra } = membershipDifference(desired, current);
    const describe = (id: number, userName?: string | null) => `Secret Server user ${id} (${usersById.get(id)?.userName ?? userName ?? 'unknown'})`;
    for (const id of toAdd) items.push({ ...base, kind: 'members-missing', what: 'member missing', detail: describe(id) });
    for (const member of extra) {
      // As the group sync leaves them (sync-group-job.ts removable): accounts the bridge never regroups are not drift.
      const account = usersById.get(member.userId) ?? { id: member.userId, userName: member.userName ?? '', emailAddress: null };
      if (input.refusal(account) !== undefined) continue;
      items.push({ ...base, kind: 'members-extra', what: 'member not in SCIM', detail: describe(member.userId, member.userName) });
    }
  }

  // Accounts no SCIM user is linked to: nobody manages them. One a SCIM user is about to link
  // (its email, not synced yet) or one already named as a duplicate is not listed again.
  const linkedIds = new Set(input.users.map((u) => u.link?.secretServerId).filter((id): id is number => id !== undefined));
  const awaitedEmails = new Set(
    input.users
      .filter((u) => !isConverged(u))
      .map((u) => desiredUserOf(u.resource.attributes)?.emailAddress.toLowerCase())
      .filter((e): e is string => !!e),
  );
  for (const user of input.secretServerUsers) {
    if (linkedIds.has(user.id) || duplicateIds.has(user.id) || (user.emailAddress && awaitedEmails.has(user.emailAddress.toLowerCase()))) continue;
    const protectedReason = input.refusal(user);
    items.push({
      kind: 'unmanaged',
      name: user.userName,
      secretServerId: user.id,
      what: protectedReason ? 'protected account' : 'no SCIM user linked',
      detail: [user.enabled ? 'enabled' : 'disabled', user.emailAddress ?? 'no email', protectedReason].filter(Boolean).join('; '),
      fixable: false,
      ...(protectedReason ? { protectedReason } : {}),
    });
  }

  items.sort(
    (a, b) => DRIFT_KINDS.indexOf(a.kind) - DRIFT_KINDS.indexOf(b.kind) || a.name.localeCompare(b.name) || (a.secretServerId ?? 0) - (b.secretServerId ?? 0),
  );
  return {
    items,
    summary: {
      ...summarise(items),
      notYetSynced,
      checked: {
        users: input.users.length,
        groups: input.groups.length,
        secretServerUsers: input.secretServerUsers.length,
        secretServerGroups: input.secretServerGroups.length,
      },
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
    },
  };
}

function emailHolders(users: SecretServerUser[]): Map<string, SecretServerUser[]> {
  const byEmail = new Map<string, SecretServerUser[]>();
  for (const user of users) {
    if (!user.emailAddress) continue;
    const key = user.emailAddress.toLowerCase();
    byEmail.set(key, [...(byEmail.get(key) ?? []), user]);
  }
  return byEmail;
}

function summarise(items: DriftItem[]): Pick<DriftSummary, 'counts' | 'total' | 'protectedAccounts'> {
  const counts = Object.fromEntries(DRIFT_KINDS.map((k) => [k, 0])) as Record<DriftKind, number>;
  let protectedAccounts = 0;
  for (const item of items) {
    if (item.protectedReason) protectedAccounts++;
    else counts[item.kind]++;
  }
  return { counts, total: DRIFT_KINDS.reduce((sum, k) => sum + counts[k], 0), protectedAccounts };
}

/** The SCIM resources a forced sync would converge, each once. */
export function fixTargets(items: readonly DriftItem[]): Array<{ kind: ResourceKind; id: string }> {
  const seen = new Map<string, { kind: ResourceKind; id: string }>();
  for (const item of items) if (item.fixable && item.resource) seen.set(`${item.resource.kind}:${item.resource.id}`, item.resource);
  return [...seen.values()];
}

/** A report kept for the console: at most `maxItems` items; the summary still counts them all. */
export interface StoredDriftReport extends DriftReport {
  /** Items left out to keep the stored report bounded. */
  itemsLeftOut: number;
}

export function boundedReport(report: DriftReport, maxItems: number): StoredDriftReport {
  return { summary: report.summary, items: report.items.slice(0, maxItems), itemsLeftOut: Math.max(0, report.items.length - maxItems) };
}
