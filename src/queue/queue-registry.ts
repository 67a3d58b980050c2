/**
 * The BullMQ queues. A queue's name is part of its Redis keys (`<prefix>:bull:<queue>:...`), so
 * renaming one strands the jobs already in it. Which job runs on which queue, with what payload
 * and options: jobs/job-registry.ts.
 */
export const QUEUES = {
  provision: 'provision',
  import: 'import',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** BullMQ's key prefix under the bridge's own, for the producer and the workers alike. */
export function bullPrefix(prefix: string): string {
  return `${prefix}:bull`;
}
