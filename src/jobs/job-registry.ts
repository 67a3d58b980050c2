import type { ResourceKind } from '../domain/resource-types';
import { QUEUES, type QueueName } from '../queue/queue-registry';
import { importFromSecretServerJob, type ImportJobDefinition } from './import-from-secret-server-job';
import type { JobDefinition } from './job-definition';
import type { SyncJobDefinition } from './sync-job';
import { syncGroupJob } from './sync-group-job';
import { syncUserJob } from './sync-user-job';

/**
 * Every job the bridge enqueues, each defined in its own file (name, payload, options, exec).
 * The producer (queue/provisioning-queue.ts) enqueues only what is here, and the workers
 * (job-runner.ts) refuse to start when one of these has no handler. Job names and queue names are
 * part of what is stored in Redis and shown to operators: renaming one strands queued jobs.
 */
export const JOB_REGISTRY = [syncUserJob, syncGroupJob, importFromSecretServerJob] as const;

export type RegisteredJob = (typeof JOB_REGISTRY)[number];
export type JobOnQueue<Q extends QueueName> = Extract<RegisteredJob, { queue: Q }>;

/** The registered jobs a worker of this queue runs. */
export function jobsOn<Q extends QueueName>(queue: Q): Array<JobOnQueue<Q>> {
  return JOB_REGISTRY.filter((job): job is JobOnQueue<Q> => job.queue === queue);
}

/** The sync job that converges this kind of resource. */
export function syncJobFor(kind: ResourceKind): SyncJobDefinition {
  const job = JOB_REGISTRY.find((candidate): candidate is SyncJobDefinition => 'kind' in candidate && candidate.kind === kind);
  if (!job) throw new Error(`no sync job is registered for ${kind}`);
  return job;
}

/** The job the import queue runs. */
export function importJob(): ImportJobDefinition {
  const [job] = jobsOn(QUEUES.import);
  if (!job) throw new Error('no import job is registered');
  return job;
}

/**
 * Fails fast at start-up when a registered job has no handler, better than a job that waits in
 * Redis forever, or fails on its first run: its exec is not a function, no worker this process
 * starts consumes its queue, or its name is taken by another job (a worker dispatches by name, so
 * one of the two would never run).
 */
export function assertEveryJobHasAHandler(consumedQueues: Iterable<string>, registry: readonly JobDefinition[] = JOB_REGISTRY): void {
  const consumed = new Set(consumedQueues);
  const names = new Set<string>();
  for (const job of registry) {
    if (names.has(job.name)) throw new Error(`job ${job.name} is registered twice`);
    names.add(job.name);
    if (typeof job.exec !== 'function') throw new Error(`job ${job.name} has no handler`);
    if (!consumed.has(job.queue)) throw new Error(`job ${job.name} has no handler: no worker consumes queue ${job.queue}`);
  }
}
