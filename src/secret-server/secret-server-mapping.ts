/**
 * Domain-shaped views of Secret Server objects, and the mapping from the vendor's JSON. This is
 * the edge: nothing outside src/secret-server/ sees secret-server-types.ts.
 */
import type { GroupModel, GroupSummary, GroupUserSummary, Paging, UserModel, UserSummary } from './secret-server-types';

/** Local users carry domainId -1 (ConagherL/Secret-Server API/PowerShell/add-local-users-csv/create-local-ss-users.ps1); local groups the same. */
export const LOCAL_DOMAIN_ID = -1;

export interface SecretServerUser {
  id: number;
  userName: string;
  /** '' when Secret Server has none. */
  displayName: string;
  emailAddress: string | null;
  enabled: boolean;
  isLockedOut: boolean;
  isApplicationAccount: boolean;
  /** -1 for local users; an AD domain id otherwise. */
  domainId: number;
  domainName: string | null;
  created: string | null;
}

export interface SecretServerGroup {
  id: number;
  name: string;
  enabled: boolean;
  domainId: number | null;
  domainName: string | null;
  /** Directory-synchronised: its members come from AD and cannot be edited over the API. */
  synchronized: boolean;
  /** Known only from a single-group read; summaries (lists, searches) leave it undefined. */
  canEditMembers?: boolean;
  /** Known only from summaries. */
  memberCount?: number;
  systemGroup?: boolean;
  created: string | null;
}

export interface SecretServerGroupMember {
  userId: number;
  userName: string;
  displayName: string;
  enabled: boolean;
  domainId: number | null;
}

export interface SecretServerPage<T> {
  items: T[];
  total: number;
  skip: number;
  take: number;
  hasNext: boolean;
  nextSkip: number;
}

export function toUser(u: UserSummary | UserModel): SecretServerUser {
  return {
    id: u.id,
    userName: u.userName,
    displayName: u.displayName ?? '',
    emailAddress: u.emailAddress ? u.emailAddress : null,
    enabled: u.enabled !== false,
    isLockedOut: u.isLockedOut === true,
    isApplicationAccount: u.isApplicationAccount === true,
    domainId: typeof u.domainId === 'number' ? u.domainId : LOCAL_DOMAIN_ID,
    domainName: u.domainName ?? null,
    created: u.created ?? null,
  };
}

export function toGroup(g: GroupSummary | GroupModel): SecretServerGroup {
  const group: SecretServerGroup = {
    id: g.id,
    name: g.name,
    enabled: g.enabled !== false,
    domainId: g.domainId ?? null,
    domainName: g.domainName ?? null,
    synchronized: g.synchronized === true,
    created: g.created ?? null,
  };
  if ('canEditMembers' in g && typeof g.canEditMembers === 'boolean') group.canEditMembers = g.canEditMembers;
  if ('systemGroup' in g && typeof g.systemGroup === 'boolean') group.systemGroup = g.systemGroup;
  if ('memberCount' in g && typeof g.memberCount === 'number') group.memberCount = g.memberCount;
  return group;
}

export function toGroupMember(m: GroupUserSummary): SecretServerGroupMember {
  return {
    userId: m.userId,
    userName: m.userName,
    displayName: m.displayName ?? '',
    enabled: m.enabled !== false,
    domainId: m.userDomainId ?? null,
  };
}

export function toPage<W, D>(paging: Paging<W>, map: (w: W) => D, skip: number, take: number): SecretServerPage<D> {
  const records = Array.isArray(paging.records) ? paging.records : [];
  const total = typeof paging.total === 'number' ? paging.total : records.length;
  const hasNext = typeof paging.hasNext === 'boolean' ? paging.hasNext : skip + records.length < total;
  const nextSkip = typeof paging.nextSkip === 'number' && paging.nextSkip > skip ? paging.nextSkip : skip + records.length;
  return { items: records.map(map), total, skip, take, hasNext: hasNext && records.length > 0, nextSkip };
}
