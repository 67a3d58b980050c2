import type { QueueName } from '../queue/queue-registry';

/** JOB_ATTEMPTS and JOB_BACKOFF_MS: what the producer turns into each job's BullMQ options. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

/**
 * What every job in the registry (job-registry.ts) has, whatever its payload: a name unique
 * across queues, the queue it is enqueued on, and the function a worker of that queue runs.
 */
export interface JobDefinition {
  readonly name: string;
  readonly queue: QueueName;
  readonly exec: unknown;
}
