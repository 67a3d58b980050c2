import type { JobsOptions } from 'bullmq';
import type { UserNameFormat } from '../domain/name-filling';
import type { ResourceKind, SecretServerLink, StoredResource } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import { QUEUES } from '../queue/queue-registry';
import { DELETED_VERSION } from '../queue/sync-enqueuer';
import type { SecretServerGroup, SecretServerUser } from '../secret-server/secret-server-client';
import type { AccountView } from './account-view';
import type { ClaimableAccounts } from './claimable-accounts';
import type { RetryPolicy } from './job-definition';

/**
 * What the two sync jobs (sync-user-job.ts, sync-group-job.ts) share: their payload, BullMQ
 * options and job ids, and what their exec function is given and returns. The runner
 * (job-runner.ts) takes the lock, reads the start and logs the outcome around the exec.
 */

/** Ids and a version only: no personal data, never a password. The job re-reads the rest. */
export interface SyncJobPayload {
  kind: ResourceKind;
  id: string;
  /** The resource version the change produced; DELETED_VERSION (0) for a delete. */
  version: number;
  requestId?: string;
  /** Resync: converge even when this version was synced before (someone may have edited Secret Server). */
  force?: boolean;
  /** Short waits for members taken so far; written by the runner (job-decision.ts), absent until the first. */
  memberWaits?: number;
}

/** The part of the Secret Server client the sync jobs use (the real client satisfies it). */
export interface SecretServerPort {
  /** SS_DRY_RUN: writes are logged, not sent. */
  readonly dryRun?: boolean;
  getUser(id: number): Promise<SecretServerUser>;
  findUserOwningEmail(email: string): Promise<SecretServerUser | null>;
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

/**
 * The part of the desired-state store the sync jobs and their runner use: ResourceStore
 * (store/resource-store.ts) in the product, InMemoryResourceStore (store/in-memory-resource-store.ts)
 * in unit tests.
 */
export interface SyncStore {
  /** A resource; a group with its members. */
  get(kind: ResourceKind, id: string): Promise<StoredResource | null>;
  getMany(kind: ResourceKind, ids: string[]): Promise<Array<StoredResource | null>>;
  getLink(kind: ResourceKind, id: string): Promise<SecretServerLink | undefined>;
  getLinks(kind: ResourceKind, ids: string[]): Promise<Array<SecretServerLink | undefined>>;
  findIdBySecretServerId(kind: ResourceKind, secretServerId: number): Promise<string | null>;
  /** Writes link fields without touching the dirty set (progress, failures). */
  setLink(kind: ResourceKind, id: string, link: Partial<SecretServerLink>): Promise<void>;
  /** Forgets which Secret Server object a resource stands for. */
  unlink(kind: ResourceKind, id: string): Promise<void>;
  /** Records a sync of `version`, clearing the dirty marker unless a newer write arrived; true when fully synced. */
  markSynced(kind: ResourceKind, id: string, version: number, link: Partial<SecretServerLink>): Promise<boolean>;
}

/** Narrow dependencies of every sync job's exec function. */
export interface JobContext {
  store: SyncStore;
  secretServer: SecretServerPort;
  logger: Logger;
  usernameFormat: UserNameFormat;
  /** Which Secret Server accounts the bridge may claim (claimable-accounts.ts). */
  accounts: ClaimableAccounts;
  /** Stands in for the search before a create during a burst of new users (account-view.ts); absent: always search first. */
  accountView?: AccountView;
}

/** What a sync job converges from: the desired state (null once deleted) and what reached Secret Server so far. */
export interface SyncStart {
  resource: StoredResource | null;
  link: SecretServerLink | undefined;
}

export async function readSyncStart(store: SyncStore, kind: ResourceKind, id: string): Promise<SyncStart> {
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
 * What a finished job keeps as its return value. BullMQ stores it in Redis with the job, and the
 * queue dashboard shows it, so like the payload it holds ids and outcomes only, no personal data.
 */
export type SyncJobResult = Pick<SyncOutcome, 'result' | 'secretServerId' | 'detail'>;

export function jobResultOf(outcome: SyncOutcome): SyncJobResult {
  const { result, secretServerId, detail } = outcome;
  return { result, ...(secretServerId === undefined ? {} : { secretServerId }), ...(detail === undefined ? {} : { detail }) };
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

export type SyncExec = (payload: SyncJobPayload, ctx: JobContext, start: SyncStart) => Promise<SyncOutcome>;

export interface SyncJobDefinition {
  readonly name: string;
  readonly queue: typeof QUEUES.provision;
  /** The SCIM resource type it converges: the producer picks the job by it. */
  readonly kind: ResourceKind;
  readonly options: (retry: RetryPolicy, jobId: string) => JobsOptions;
  readonly exec: SyncExec;
}

/**
 * Completed jobs are kept for an hour (at most 1000) for the dashboard; failed ones until an
 * operator retries them (`npm run admin -- failed retry`), because the sweeper does not enqueue
 * a version whose job failed.
 */
export function syncJobOptions(retry: RetryPolicy, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: { count: 1000, age: 3600 },
    removeOnFail: false,
  };
}

/**
 * `<kind>-<id>-<version>`: enqueueing the same change twice (the API and the sweeper racing)
 * stores one job; a newer version is a new job, and the job skips versions already passed.
 */
export function syncJobId(kind: ResourceKind, id: string, version: number): string {
  return `${kind}-${id}-${version === DELETED_VERSION ? 'deleted' : version}`;
}

/** A forced sync of a full resync: a fresh id each time, so earlier completed jobs cannot swallow it. */
export function resyncJobId(kind: ResourceKind, id: string, stamp: number): string {
  return `${kind}-${id}-resync-${stamp}`;
}
