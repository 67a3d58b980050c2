import { Queue, QueueOptions, type Job } from 'bullmq';
import type { RedisConnection } from '../store/redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import { isRedisUnavailable } from '../errors/redis-unavailable';
import type { ImportJobPayload } from '../jobs/import-from-secret-server-job';
import type { RetryPolicy } from '../jobs/job-definition';
import { importJob, syncJobFor, type RegisteredJob } from '../jobs/job-registry';
import { resyncJobId, syncJobId, type SyncJobPayload, type SyncJobResult } from '../jobs/sync-job';
import type { Logger } from '../logging/logger';
import { bullPrefix, QUEUES, type QueueName } from './queue-registry';
import type { SyncEnqueuer } from './sync-enqueuer';

/** A job of the provision queue as the admin operations see it (list, retry). */
export type ProvisionJob = Job<SyncJobPayload, SyncJobResult>;
export type ProvisionJobState = Awaited<ReturnType<Job['getState']>>;

/**
 * The producer: the only place jobs are added, each with the name, payload and options its
 * definition (jobs/job-registry.ts) gives. Sync job ids are per version (jobs/sync-job.ts), so
 * enqueueing the same change twice stores one job; the job skips versions it has already passed.
 */
export class ProvisioningQueue implements SyncEnqueuer {
  readonly provision: Queue;
  readonly import: Queue;
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    connection: RedisConnection,
    prefix: string,
    private readonly retry: RetryPolicy,
    logger: Logger,
  ) {
    const options: QueueOptions = { connection, prefix: bullPrefix(prefix) };
    this.provision = new Queue(QUEUES.provision, options);
    this.import = new Queue(QUEUES.import, options);
    this.queues = { [QUEUES.provision]: this.provision, [QUEUES.import]: this.import };
    for (const queue of Object.values(this.queues)) {
      queue.on('error', (err) => {
        // An unreachable Redis is reported once per retry interval by RedisReachability (container.ts).
        if (!isRedisUnavailable(err)) logger.error('queue error', { category: 'queue', queue: queue.name, err });
      });
    }
  }

  private queueOf(job: RegisteredJob): Queue {
    return this.queues[job.queue];
  }

  async enqueueSync(kind: ResourceKind, id: string, version: number, requestId?: string): Promise<void> {
    const job = syncJobFor(kind);
    const payload: SyncJobPayload = { kind, id, version, requestId };
    await this.queueOf(job).add(job.name, payload, job.options(this.retry, syncJobId(kind, id, version)));
  }

  /** Forced syncs for a full resync: converged even where this version was synced before. */
  async enqueueResync(kind: ResourceKind, resources: Array<{ id: string; version: number }>): Promise<void> {
    const job = syncJobFor(kind);
    const stamp = Date.now();
    await this.queueOf(job).addBulk(
      resources.map(({ id, version }) => ({
        name: job.name,
        data: { kind, id, version, requestId: 'resync', force: true } satisfies SyncJobPayload,
        opts: job.options(this.retry, resyncJobId(kind, id, stamp)),
      })),
    );
  }

  async enqueueImport(trigger: ImportJobPayload['trigger'], requestId?: string): Promise<string | undefined> {
    const job = importJob();
    const added = await this.queueOf(job).add(job.name, { trigger, requestId } satisfies ImportJobPayload, job.options(this.retry));
    return added.id;
  }

  async scheduleImport(intervalSeconds: number): Promise<void> {
    const job = importJob();
    const queue = this.queueOf(job);
    if (intervalSeconds > 0) {
      await queue.upsertJobScheduler(
        job.schedule.id,
        { every: intervalSeconds * 1000 },
        {
          name: job.name,
          data: job.schedule.payload,
          opts: job.schedule.options,
        },
      );
    } else {
      await queue.removeJobScheduler(job.schedule.id);
    }
  }

  /**
   * Resolves once BullMQ has finished setting the queues up on their connection (it reads INFO
   * after connecting; on a Cluster through a node it may still be dialling), or failed to. A
   * queue closed on a shared connection before then loses its listeners, and the setup's failure
   * once the connection quits is then an unhandled 'error' event (a short CLI command hits this).
   */
  async ready(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.waitUntilReady().catch(() => undefined)));
  }

  async close(): Promise<void> {
    await Promise.all([this.provision.close(), this.import.close()]);
  }
}
