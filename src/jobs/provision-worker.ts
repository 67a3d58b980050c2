import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import type Redis from 'ioredis';
import type { Logger } from '../logging/logger';
import { JOBS, JobName, QUEUES, SyncJobPayload } from '../queue/queue-registry';
import { SecretServerAccountNotClaimableError, isSecretServerError } from '../secret-server/secret-server-errors';
import type { ResourceLock } from '../store/resource-lock';
import { JobContext, SyncOutcome, SyncStart, WaitingForMembersError, readSyncStart } from './job-context';
import { syncGroup } from './sync-group-job';
import { syncUser } from './sync-user-job';

type SyncHandler = (payload: SyncJobPayload, ctx: JobContext, start: SyncStart) => Promise<SyncOutcome>;

/**
 * What a finished job keeps as its return value. BullMQ stores it in Redis with the job, and the
 * queue dashboard shows it, so like the payload it holds ids and outcomes only, no personal data.
 */
export type SyncJobResult = Pick<SyncOutcome, 'result' | 'secretServerId' | 'detail'>;

export function jobResultOf(outcome: SyncOutcome): SyncJobResult {
  const { result, secretServerId, detail } = outcome;
  return { result, ...(secretServerId === undefined ? {} : { secretServerId }), ...(detail === undefined ? {} : { detail }) };
}

const HANDLERS: Partial<Record<JobName, SyncHandler>> = {
  [JOBS.syncUser]: syncUser,
  [JOBS.syncGroup]: syncGroup,
};

const LOCKED_RETRY_MS = 300;
const MEMBER_WAIT_MS = 2000;
/** About five minutes of short waits for members, then ordinary backoff takes over. */
const MAX_MEMBER_WAITS = 150;
/**
 * How often a job may lose its worker (SIGKILL, OOM, node loss) and be handed to another by
 * BullMQ's stalled-job check. BullMQ's default of 1 fails a job the second time, and the sweeper
 * cannot re-enqueue a failed job's version, so a crash-looping worker would strand changes.
 * Jobs are idempotent, so running one again is always safe; a job that really kills every
 * worker still ends in the failed set after this many tries.
 */
const MAX_STALLED_COUNT = 10;

export interface JobObserver {
  onOutcome(jobName: string, result: string, durationMs: number): void;
}

export interface ProvisionWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  ctx: JobContext;
  lock: ResourceLock;
  logger: Logger;
  observer?: JobObserver;
}

/** Fails fast at start-up when a registered job has no handler: better than a job that fails on its first run. */
export function assertEveryJobHasAHandler(): void {
  for (const name of [JOBS.syncUser, JOBS.syncGroup]) {
    if (!HANDLERS[name]) throw new Error(`job ${name} has no handler`);
  }
}

/**
 * The BullMQ consumer of the provision queue. One log line per job outcome, with the request id
 * that started it; retries that are not the last attempt are INFO, a change that needs a person is ERROR.
 */
export function createProvisionWorker(options: ProvisionWorkerOptions): Worker {
  assertEveryJobHasAHandler();
  const { ctx, lock, logger, observer } = options;
  const log = logger.child({ category: 'worker' });

  const processor = async (job: Job<SyncJobPayload>, token?: string): Promise<SyncJobResult> => {
    const handler = HANDLERS[job.name as JobName];
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const { kind, id, requestId } = job.data;
    const acquiring = lock.tryAcquire(kind, id);
    // Asked in the same event-loop turn as the lock's SET NX, on the same connection: auto-pipelining
    // sends the three commands in one write and Redis runs them in order, so the reads see the
    // resource as it is once the lock is held, one round trip sooner than reading after it.
    const reading = readSyncStart(ctx.store, kind, id);
    // Without the lock the reads are dropped; with it, a failed read is rethrown below, inside the try.
    reading.catch(() => undefined);
    const release = await acquiring;
    if (!release) {
      // Another worker is converging this resource: come back shortly without spending an attempt.
      await job.moveToDelayed(Date.now() + LOCKED_RETRY_MS, token);
      throw new DelayedError();
    }
    const started = Date.now();
    const base = { requestId, operation: job.name, id, jobId: job.id, attempt: job.attemptsMade + 1 };
    try {
      const outcome = await handler(job.data, ctx, await reading);
      const durationMs = Date.now() - started;
      log.info(`${job.name} ${outcome.result}`, { ...base, ...outcome, durationMs, outcome: outcome.result });
      observer?.onOutcome(job.name, outcome.result, durationMs);
      return jobResultOf(outcome);
    } catch (err) {
      const durationMs = Date.now() - started;
      if (err instanceof WaitingForMembersError) {
        const waits = ((job.data as SyncJobPayload & { memberWaits?: number }).memberWaits ?? 0) + 1;
        observer?.onOutcome(job.name, 'waiting', durationMs);
        if (waits <= MAX_MEMBER_WAITS) {
          await job.updateData({ ...job.data, memberWaits: waits } as SyncJobPayload);
          log.info(`${job.name} waiting for members`, { ...base, durationMs, pendingMembers: err.pendingMembers, outcome: 'waiting' });
          await job.moveToDelayed(Date.now() + MEMBER_WAIT_MS, token);
          throw new DelayedError();
        }
        throw err;
      }
      if (isSecretServerError(err) && err.retryable) {
        await ctx.store.setLink(kind, id, { state: 'pending', lastError: err.message });
        observer?.onOutcome(job.name, 'retry', durationMs);
        if (err.retryAfterMs !== undefined) {
          // Secret Server said when (429 Retry-After, open circuit): wait that long, spend no attempt.
          log.info(`${job.name} deferred`, { ...base, durationMs, outcome: 'deferred', retryAfterMs: err.retryAfterMs, reason: err.message });
          await job.moveToDelayed(Date.now() + err.retryAfterMs, token);
          throw new DelayedError();
        }
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const fields = { ...base, durationMs, outcome: last ? 'failed' : 'retry', endpoint: err.endpoint, status: err.status, reason: err.message };
        if (last) {
          await ctx.store.setLink(kind, id, { state: 'failed', lastError: err.message });
          log.error(
            `${job.name} failed after ${job.attemptsMade + 1} attempts: check Secret Server is reachable, then run "npm run admin -- failed retry"`,
            fields,
          );
        } else {
          log.info(`${job.name} will retry`, fields);
        }
        throw err;
      }
      if (isSecretServerError(err)) {
        await ctx.store.setLink(kind, id, { state: 'failed', lastError: err.message });
        observer?.onOutcome(job.name, 'failed', durationMs);
        // An account the bridge may not claim is a WARN: nothing broke, someone's email or userName points at it.
        const level = err instanceof SecretServerAccountNotClaimableError ? 'warn' : 'error';
        log.log(level, `${job.name} failed permanently: ${adviceFor(err)}`, {
          ...base,
          durationMs,
          outcome: 'failed',
          endpoint: err.endpoint,
          status: err.status,
          errorCode: err.errorCode,
          reason: err.message,
        });
        throw new UnrecoverableError(err.message);
      }
      observer?.onOutcome(job.name, 'retry', durationMs);
      log.warn(`${job.name} hit an unexpected error; will retry`, { ...base, durationMs, outcome: 'retry', err });
      throw err;
    } finally {
      await release();
    }
  };

  const worker = new Worker<SyncJobPayload, SyncJobResult>(QUEUES.provision, processor, {
    connection: options.connection,
    prefix: `${options.prefix}:bull`,
    concurrency: options.concurrency,
    maxStalledCount: MAX_STALLED_COUNT,
    autorun: false,
  });
  worker.on('error', (err) => log.error('worker error', { err }));
  return worker;
}

function adviceFor(err: { status?: number; errorCode?: string; name: string }): string {
  if (err.name === 'SecretServerPermissionError') return 'grant the API account View Users, Administer Users and Administer Groups, then retry the failed jobs';
  if (err.name === 'SecretServerAuthenticationError') return 'check SS_USERNAME / SS_PASSWORD / SS_DOMAIN, then retry the failed jobs';
  if (err.name === 'SecretServerAccountNotClaimableError')
    return 'the account is never claimed; give the SCIM user another email or userName, or unassign them in Okta';
  if (err.name === 'SecretServerRefusedError')
    return 'Secret Server refused the change and nothing changed; grant the API account what the reason names, or unassign the user in Okta, then retry the failed jobs';
  if (err.name === 'SecretServerVaultNotFoundError') return 'make one Secret Server vault of the Delinea Platform tenant the default and active one';
  if (err.status === 400) return 'Secret Server rejected the data; fix the user in Okta (or Secret Server), then retry the failed jobs';
  return 'inspect the error, fix the cause, then retry the failed jobs';
}
