import type { Logger } from '../logging/logger';
import { DELETED_VERSION, SyncEnqueuer } from '../queue/sync-enqueuer';
import type { ResourceStore } from '../store/resource-store';

/**
 * The safety net behind "never lose a change": every SCIM write leaves a dirty marker in the same
 * atomic step as the write, and only a successful sync clears it. Whatever stays dirty for too
 * long (an api process killed between its write and its enqueue, a resync) is enqueued again.
 * Job ids are per version, so a change that already has a job (waiting, delayed or failed) is not
 * duplicated: failed jobs stay failed until an operator retries them.
 */
export class DirtySweeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: ResourceStore,
    private readonly queue: SyncEnqueuer,
    private readonly logger: Logger,
    private readonly graceMs = 30_000,
  ) {}

  async sweepOnce(olderThanMs = this.graceMs): Promise<number> {
    const dirty = await this.store.listDirty(olderThanMs, 5000);
    let enqueued = 0;
    for (const { kind, id } of dirty) {
      const resource = await this.store.get(kind, id);
      await this.queue.enqueueSync(kind, id, resource ? resource.meta.version : DELETED_VERSION, 'sweeper');
      enqueued++;
    }
    if (enqueued) this.logger.info('re-enqueued changes still waiting for Secret Server', { category: 'sweeper', count: enqueued });
    return enqueued;
  }

  start(intervalMs = 15_000): void {
    this.timer = setInterval(() => {
      this.sweepOnce().catch((err: unknown) => this.logger.warn('sweep failed; will try again', { category: 'sweeper', err }));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
