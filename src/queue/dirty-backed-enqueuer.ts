import type { ResourceKind } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import type { SyncEnqueuer } from './sync-enqueuer';

/** Past this, the client gets its answer and the enqueue finishes (or not) on its own. */
export const ENQUEUE_WAIT_MS = 2000;

/**
 * The enqueue that follows a SCIM write. The write itself already landed, atomically with its
 * dirty marker (store/resource-scripts.ts), so the change is kept and the sweeper
 * (jobs/dirty-sweeper.ts) enqueues it if this enqueue never does. An enqueue that fails, or
 * still waits for Redis after ENQUEUE_WAIT_MS (BullMQ's connection queues commands while Redis
 * is away), must therefore not turn an accepted write into an error for the client: Okta would
 * retry a change that is already stored. Only for use after such a write.
 */
export class DirtyBackedEnqueuer implements SyncEnqueuer {
  constructor(
    private readonly inner: SyncEnqueuer,
    private readonly logger: Logger,
    private readonly waitMs = ENQUEUE_WAIT_MS,
  ) {}

  async enqueueSync(kind: ResourceKind, id: string, version: number, requestId?: string): Promise<void> {
    const context = { category: 'queue', requestId, kind, id, version };
    const enqueued = this.inner.enqueueSync(kind, id, version, requestId).then(
      () => 'enqueued' as const,
      (err: unknown) => {
        this.logger.warn('could not enqueue a stored change; the sweeper will enqueue it', { ...context, err });
        return 'failed' as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'slow'>((resolve) => {
      timer = setTimeout(() => resolve('slow'), this.waitMs);
      timer.unref();
    });
    const outcome = await Promise.race([enqueued, waited]);
    clearTimeout(timer);
    if (outcome === 'slow') {
      this.logger.warn('enqueue of a stored change is slow; answering now, the sweeper will enqueue it if this never does', context);
    }
  }
}
