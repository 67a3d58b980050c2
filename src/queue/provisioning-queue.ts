import { Queue, QueueOptions } from 'bullmq';
import { isRedisUnavailable } from '../errors/redis-unavailable';
import type Redis from 'ioredis';
import type { ResourceKind } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import { ImportJobPayload, JOBS, QUEUES, SyncJobPayload } from './queue-registry';

/** The version a delete's job carries: there is no resource left to have a version. */
export const DELETED_VERSION = 0;

export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/** What the SCIM front and the sweeper need from the queue: nothing else of BullMQ leaks out. */
export interface SyncEnqueuer {
  enqueueSync(kind: ResourceKind, id: string, version: number, requestId?: string): Promise<void>;
}

/**
 * The producer. Job ids are `<kind>-<id>-<version>`, so enqueueing the same change twice (the API
 * and the sweeper racing) stores one job; a newer version is a new job, and the worker skips
 * versions it has already passed.
 */
export class ProvisioningQueue implements SyncEnqueuer {
  readonly provision: Queue;
  readonly import: Queue;

  constructor(
    connection: Redis,
    prefix: string,
    private readonly retry: RetryPolicy,
    logger: Logger,
  ) {
    const options: QueueOptions = { connection, prefix: `${prefix}:bull` };
    this.provision = new Queue(QUEUES.provision, options);
    this.import = new Queue(QUEUES.import, options);
    for (const queue of [this.provision, this.import]) {
      queue.on('error', (err) => {
        // An unreachable Redis is reported once per retry interval by RedisReachability (container.ts).
        if (!isRedisUnavailable(err)) logger.error('queue error', { category: 'queue', queue: queue.name, err });
      });
    }
  }

  async enqueueSync(kind: ResourceKind, id: string, version: number, requestId?: string): Promise<void> {
    const payload: SyncJobPayload = { kind, id, version, requestId };
    await this.provision.add(jobNameFor(kind), payload, this.syncJobOptions(`${kind}-${id}-${version === DELETED_VERSION ? 'deleted' : version}`));
  }

  /** Forced syncs for a full resync: a fresh job id each time, so earlier completed jobs cannot swallow them. */
  async enqueueResync(kind: ResourceKind, resources: Array<{ id: string; version: number }>): Promise<void> {
    const stamp = Date.now();
    await this.provision.addBulk(
      resources.map(({ id, version }) => ({
        name: jobNameFor(kind),
        data: { kind, id, version, requestId: 'resync', force: true } satisfies SyncJobPayload,
        opts: this.syncJobOptions(`${kind}-${id}-resync-${stamp}`),
      })),
    );
  }

  private syncJobOptions(jobId: string) {
    return {
      jobId,
      attempts: this.retry.attempts,
      backoff: { type: 'exponential', delay: this.retry.backoffMs },
      removeOnComplete: { count: 1000, age: 3600 },
      removeOnFail: false,
    };
  }

  async enqueueImport(trigger: ImportJobPayload['trigger'], requestId?: string): Promise<string | undefined> {
    const job = await this.import.add(
      JOBS.importFromSecretServer,
      { trigger, requestId },
      {
        attempts: 3,
        backoff: { type: 'exponential', delay: this.retry.backoffMs },
        removeOnComplete: { count: 50 },
        removeOnFail: { count: 50 },
      },
    );
    return job.id;
  }

  async scheduleImport(intervalSeconds: number): Promise<void> {
    if (intervalSeconds > 0) {
      await this.import.upsertJobScheduler(
        'scheduled-import',
        { every: intervalSeconds * 1000 },
        {
          name: JOBS.importFromSecretServer,
          data: { trigger: 'schedule' },
          opts: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
        },
      );
    } else {
      await this.import.removeJobScheduler('scheduled-import');
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.provision.close(), this.import.close()]);
  }
}

function jobNameFor(kind: ResourceKind) {
  return kind === 'User' ? JOBS.syncUser : JOBS.syncGroup;
}
