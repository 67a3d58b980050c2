import type { Logger } from '../logging/logger';
import type { ProvisionJob, ProvisionJobState, ProvisioningQueue } from '../queue/provisioning-queue';
import type { ResourceStore } from '../store/resource-store';
import type { ResourceKind } from './resource-types';

export interface FailedJobView {
  jobId: string;
  name: string;
  kind: ResourceKind;
  resourceId: string;
  attemptsMade: number;
  failedReason: string;
  failedAt?: string;
  requestId?: string;
}

/** What retrying one job did: retried, or the state that kept it from being retried. */
export interface RetryOneResult {
  retried: boolean;
  /** `missing` when no job has the id, else the job's state when it was looked at. */
  state: 'missing' | ProvisionJobState;
}

/** Operator actions, shared by the CLI (`npm run admin -- ...`) and the /admin endpoints. */
export class AdminService {
  constructor(
    private readonly store: ResourceStore,
    private readonly queue: ProvisioningQueue,
    private readonly logger: Logger,
  ) {}

  async listFailed(limit = 100): Promise<FailedJobView[]> {
    const jobs = await this.queue.provision.getFailed(0, limit - 1);
    return jobs.filter((j): j is ProvisionJob => Boolean(j)).map(toView);
  }

  /**
   * Moves failed jobs back to waiting; they re-read the desired state, so a retry is always safe.
   * With a jobId, 1 when that job was failed and is retried, else 0 (see retryFailedJob for why).
   */
  async retryFailed(jobId?: string): Promise<number> {
    if (jobId) return (await this.retryFailedJob(jobId)).retried ? 1 : 0;
    let retried = 0;
    for (const job of await this.queue.provision.getFailed(0, -1)) {
      if (!job || !(await job.isFailed())) continue;
      await job.retry('failed');
      retried++;
    }
    this.logger.info('failed jobs retried', { category: 'admin', retried });
    return retried;
  }

  /**
   * Retries one failed job. When it is not retried, `state` says why: `missing` (no job has the
   * id: a typo, or removed) or the BullMQ state it is in instead (`waiting`, `completed`...), so
   * the operator is told what happened rather than "0 retried".
   */
  async retryFailedJob(jobId: string): Promise<RetryOneResult> {
    const job = await this.queue.provision.getJob(jobId);
    if (!job) return { retried: false, state: 'missing' };
    const state = await job.getState();
    if (state !== 'failed') return { retried: false, state };
    await job.retry('failed');
    this.logger.info('failed jobs retried', { category: 'admin', retried: 1, jobId });
    return { retried: true, state };
  }

  /** Full resync: every user and group is enqueued again and converged (a no-op where already in step). */
  async resync(): Promise<{ users: number; groups: number }> {
    const counts = { users: 0, groups: 0 };
    for (const kind of ['User', 'Group'] as const) {
      for await (const batch of this.store.scan(kind, 500)) {
        await this.store.markDirty(
          kind,
          batch.map((r) => r.id),
        );
        await this.queue.enqueueResync(
          kind,
          batch.map((r) => ({ id: r.id, version: r.meta.version })),
        );
        if (kind === 'User') counts.users += batch.length;
        else counts.groups += batch.length;
      }
    }
    this.logger.info('full resync enqueued', { category: 'admin', ...counts });
    return counts;
  }

  /**
   * A forced sync of one user or group, as the full resync does for every one: marked dirty (so
   * the sweeper carries it even if the enqueue is lost) and converged even where this version was
   * synced before. False when no such resource is stored.
   */
  async resyncOne(kind: ResourceKind, id: string): Promise<boolean> {
    const resource = await this.store.get(kind, id, { members: false });
    if (!resource) return false;
    await this.store.markDirty(kind, [id]);
    await this.queue.enqueueResync(kind, [{ id, version: resource.meta.version }]);
    this.logger.info('resync of one resource enqueued', { category: 'admin', kind, id });
    return true;
  }

  async importNow(trigger: 'cli' | 'admin'): Promise<string | undefined> {
    return this.queue.enqueueImport(trigger);
  }

  async queueCounts(): Promise<Record<string, number>> {
    return this.queue.provision.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
  }
}

function toView(job: ProvisionJob): FailedJobView {
  return {
    jobId: String(job.id),
    name: job.name,
    kind: job.data.kind,
    resourceId: job.data.id,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    requestId: job.data.requestId,
  };
}
