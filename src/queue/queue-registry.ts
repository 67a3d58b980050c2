import type { ResourceKind } from '../domain/resource-types';

/**
 * The typed registry of queues and jobs: enqueue only through the producer, and the worker
 * refuses to start when a job name here has no handler.
 */
export const QUEUES = {
  provision: 'provision',
  import: 'import',
} as const;

export const JOBS = {
  syncUser: 'sync-user',
  syncGroup: 'sync-group',
  importFromSecretServer: 'import-from-secret-server',
} as const;

export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** Ids and a version only: no personal data, never a password. The worker re-reads the rest. */
export interface SyncJobPayload {
  kind: ResourceKind;
  id: string;
  /** The resource version the change produced; 0 for a delete. */
  version: number;
  requestId?: string;
  /** Resync: converge even when this version was synced before (someone may have edited Secret Server). */
  force?: boolean;
}

export interface ImportJobPayload {
  requestId?: string;
  trigger: 'schedule' | 'cli' | 'admin' | 'import-pass';
}

export interface JobPayloads {
  'sync-user': SyncJobPayload;
  'sync-group': SyncJobPayload;
  'import-from-secret-server': ImportJobPayload;
}

export const JOB_QUEUE: Record<JobName, keyof typeof QUEUES> = {
  'sync-user': 'provision',
  'sync-group': 'provision',
  'import-from-secret-server': 'import',
};
