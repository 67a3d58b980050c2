import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import type { RedisConnection } from '../store/redis-connection';
import type { DirectoryContainer } from '../container';
import type { Logger } from '../logging/logger';
import { bullPrefix, QUEUES } from '../queue/queue-registry';
import type { JobHistory } from '../history/job-history';
import { SecretServerCalls } from '../history/secret-server-calls';
import type { ResourceLock } from '../store/resource-lock';
import type { ImportJobPayload } from './import-from-secret-server-job';
import { decideJobOutcome, type JobDecision, type JobRun } from './job-decision';
import { assertEveryJobHasAHandler, jobsOn } from './job-registry';
import type { ImportSummary } from './secret-server-import';
import { readSyncStart, type JobContext, type SyncJobPayload, type SyncJobResult } from './sync-job';

/**
 * How often a job may lose its worker (SIGKILL, OOM, node loss) and be handed to another by
 * BullMQ's stalled-job check. BullMQ's default of 1 fails a job the second time, and the sweeper
 * cannot re-enqueue a failed job's version, so a crash-looping worker would strand changes.
 * Jobs are idempotent, so running one again is always safe; a job that really kills every
 * worker still ends in the failed set after this many tries.
 */
const MAX_STALLED_COUNT = 10;

/** A worker built without a history still runs each job the same way; nothing records into this one. */
const UNRECORDED = new SecretServerCalls();

export interface JobObserver {
  onOutcome(jobName: string, result: string, durationMs: number): void;
}

export interface ProvisionWorkerOptions {
  connection: RedisConnection;
  prefix: string;
  concurrency: number;
  ctx: JobContext;
  lock: ResourceLock;
  logger: Logger;
  observer?: JobObserver;
  /** Records each run, its Secret Server calls and any attempt on a protected account, in the resource's history. */
  history?: JobHistory;
}

/** One consumer per queue; what this process runs. Insertion order is start order. */
const CONSUMERS = {
  [QUEUES.provision]: (container: DirectoryContainer, logger: Logger) =>
    createProvisionWorker({
      connection: container.bullRedis,
      prefix: container.keyBase,
      concurrency: container.config.worker.concurrency,
      ctx: container.jobContext,
      lock: container.lock,
      logger,
      observer: { onOutcome: (job, result, ms) => container.metrics.recordJob(container.directory.name, job, result, ms) },
      history: container.jobHistory,
    }),
  [QUEUES.import]: (container: DirectoryContainer, logger: Logger) => createImportWorker({ container, logger }),
};

/** The workers of a worker process, not yet running; throws before creating any when a registered job has no handler. */
export function createJobWorkers(container: DirectoryContainer, logger: Logger): Worker[] {
  assertEveryJobHasAHandler(Object.keys(CONSUMERS));
  return Object.values(CONSUMERS).map((create) => create(container, logger));
}

/**
 * The consumer of the provision queue: takes the resource's lock, reads where the resource
 * stands, runs the job's exec, and ends the run as decideJobOutcome (job-decision.ts) says, with
 * one log line per outcome carrying the request id that started it.
 */
export function createProvisionWorker(options: ProvisionWorkerOptions): Worker {
  const { ctx, lock, logger, observer, history } = options;
  const log = logger.child({ category: 'worker' });
  const syncJobs = new Map(jobsOn(QUEUES.provision).map((job) => [job.name, job]));

  /** Carries out a decision, in the order JobDecision documents. */
  const settle = async (
    decision: JobDecision,
    job: Job<SyncJobPayload, SyncJobResult>,
    token: string | undefined,
    durationMs: number,
  ): Promise<SyncJobResult> => {
    for (const link of decision.links) await ctx.store.setLink(job.data.kind, job.data.id, link);
    if (decision.metric) observer?.onOutcome(job.name, decision.metric, durationMs);
    if (decision.action === 'delay' && decision.memberWaits !== undefined) await job.updateData({ ...job.data, memberWaits: decision.memberWaits });
    if (decision.log) log.log(decision.log.level, decision.log.message, decision.log.fields);
    switch (decision.action) {
      case 'complete':
        return decision.result;
      case 'delay':
        await job.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError();
      case 'unrecoverable':
        throw new UnrecoverableError(decision.reason);
      case 'retry':
      case 'fail':
        throw decision.error;
    }
  };

  const processor = async (job: Job<SyncJobPayload, SyncJobResult>, token?: string): Promise<SyncJobResult> => {
    const definition = syncJobs.get(job.name);
    if (!definition) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const { kind, id, requestId } = job.data;
    const acquiring = lock.tryAcquire(kind, id);
    // Asked in the same event-loop turn as the lock's SET NX, on the same connection: auto-pipelining
    // sends the three commands in one write and Redis runs them in order, so the reads see the
    // resource as it is once the lock is held, one round trip sooner than reading after it.
    const reading = readSyncStart(ctx.store, kind, id);
    // Without the lock the reads are dropped; with it, a failed read is rethrown below, inside the try.
    reading.catch(() => undefined);
    const release = await acquiring;
    const attempt = { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, memberWaits: job.data.memberWaits ?? 0 };
    const fields = { requestId, operation: job.name, id, jobId: job.id, attempt: job.attemptsMade + 1 };
    const decide = (run: JobRun, durationMs: number) => decideJobOutcome({ jobName: job.name, run, attempt, fields, durationMs });

    // Another worker is converging this resource: come back shortly without spending an attempt.
    if (!release) return settle(decide({ kind: 'locked' }, 0), job, token, 0);
    const started = Date.now();
    try {
      const { calls, outcome } = await (history?.calls ?? UNRECORDED).during(async () => definition.exec(job.data, ctx, await reading));
      const run: JobRun = outcome.status === 'fulfilled' ? { kind: 'done', outcome: outcome.value } : { kind: 'threw', error: outcome.reason };
      const durationMs = Date.now() - started;
      const decision = decide(run, durationMs);
      // Written beside the settling, not before it: the history is best effort and needs no order
      // with the link writes, so it adds no round trip to the time the lock is held.
      const recording = history?.recordRun({
        jobName: job.name,
        jobId: job.id,
        payload: job.data,
        attempt: job.attemptsMade + 1,
        run,
        decision,
        calls,
        durationMs,
      });
      try {
        // Settled while the lock is held: its link writes (pending, failed) must not land after
        // another worker's run on the same resource has marked it synced.
        return await settle(decision, job, token, durationMs);
      } finally {
        await recording;
      }
    } finally {
      await release();
    }
  };

  const worker = new Worker<SyncJobPayload, SyncJobResult>(QUEUES.provision, processor, {
    connection: options.connection,
    prefix: bullPrefix(options.prefix),
    concurrency: options.concurrency,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  worker.on('error', (err) => log.error('worker error', { err }));
  return worker;
}

/** The consumer of the import queue: one import at a time (concurrency 1) across the cluster's worker. */
export function createImportWorker({ container, logger }: { container: DirectoryContainer; logger: Logger }): Worker {
  const log = logger.child({ category: 'import' });
  const importJobs = new Map(jobsOn(QUEUES.import).map((job) => [job.name, job]));
  const processor = async (job: Job<ImportJobPayload, ImportSummary>): Promise<ImportSummary> => {
    const definition = importJobs.get(job.name);
    if (!definition) throw new Error(`no handler for job ${job.name}`);
    log.info('import from Secret Server started', { requestId: job.data.requestId, trigger: job.data.trigger, jobId: job.id });
    const summary = await definition.exec(job.data, { container, logger: log });
    log.info('import from Secret Server finished', { jobId: job.id, ...summary });
    return summary;
  };
  const worker = new Worker<ImportJobPayload, ImportSummary>(QUEUES.import, processor, {
    connection: container.bullRedis,
    prefix: bullPrefix(container.keyBase),
    concurrency: 1,
    autorun: false,
  });
  worker.on('error', (err) => log.error('import worker error', { err }));
  worker.on('failed', (job, err) => log.warn('import failed; it will be retried', { jobId: job?.id, reason: err.message }));
  return worker;
}
