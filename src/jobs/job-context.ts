import type { ResourceKind, SecretServerLink, StoredResource } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import type { ResourceStore } from '../store/resource-store';
import type { SecretServerGroup, SecretServerUser } from '../secret-server/secret-server-client';
import type { UserNameFormat } from '../domain/name-filling';
import type { ClaimableAccounts } from './claimable-accounts';

/** The part of the Secret Server client the provisioning jobs use (the real client satisfies it). */
export interface SecretServerPort {
  /** SS_DRY_RUN: writes are logged, not sent. */
  readonly dryRun?: boolean;
  getUser(id: number): Promise<SecretServerUser>;
  findUserByEmail(email: string): Promise<SecretServerUser | null>;
  findUserByUserName(userName: string): Promise<SecretServerUser | null>;
  createUser(args: { userName: string; displayName: string; emailAddress: string; enabled: boolean; password: string }): Promise<SecretServerUser>;
  updateUser(id: number, changes: { displayName?: string; emailAddress?: string; enabled?: boolean }): Promise<SecretServerUser>;
  findGroupByName(name: string): Promise<SecretServerGroup | null>;
  getGroup(id: number): Promise<SecretServerGroup>;
  createGroup(name: string): Promise<SecretServerGroup>;
  updateGroup(id: number, update: { name: string; enabled: boolean }): Promise<SecretServerGroup>;
  deleteGroup(id: number): Promise<unknown>;
  listGroupMembers(groupId: number): Promise<Array<{ userId: number; userName?: string | null }>>;
  updateGroupMembers(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<unknown>;
}

/** Narrow dependencies of every provisioning job's exec function. */
export interface JobContext {
  store: ResourceStore;
  secretServer: SecretServerPort;
  logger: Logger;
  usernameFormat: UserNameFormat;
  /** Which Secret Server accounts the bridge may claim (claimable-accounts.ts). */
  accounts: ClaimableAccounts;
}

/** What a sync job converges from: the desired state (null once deleted) and what reached Secret Server so far. */
export interface SyncStart {
  resource: StoredResource | null;
  link: SecretServerLink | undefined;
}

export async function readSyncStart(store: ResourceStore, kind: ResourceKind, id: string): Promise<SyncStart> {
  const [resource, link] = await Promise.all([store.get(kind, id), store.getLink(kind, id)]);
  return { resource, link };
}

/** What one job did, for the one log line per outcome and the metrics. */
export interface SyncOutcome {
  result: 'created' | 'linked' | 'updated' | 'disabled' | 'deleted' | 'unchanged' | 'skipped' | 'waiting';
  secretServerId?: number;
  email?: string;
  detail?: string;
}

/**
 * A group job whose members are not all in Secret Server yet: applied what it could, and will
 * come back shortly instead of dropping the rest.
 */
export class WaitingForMembersError extends Error {
  override name = 'WaitingForMembersError';
  constructor(readonly pendingMembers: number) {
    super(`${pendingMembers} member(s) are not provisioned in Secret Server yet; will retry`);
  }
}
