import type { ResourceKind } from '../domain/resource-types';

/**
 * What the SCIM front and the sweeper need from the queue, and nothing of BullMQ: this module
 * imports no queue library, so the domain can depend on it.
 */
export interface SyncEnqueuer {
  enqueueSync(kind: ResourceKind, id: string, version: number, requestId?: string): Promise<void>;
}

/** The version a delete's job carries: there is no resource left to have a version. */
export const DELETED_VERSION = 0;
