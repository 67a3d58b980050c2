import { Job, Worker } from 'bullmq';
import type { Container } from '../container';
import type { Logger } from '../logging/logger';
import { ImportJobPayload, JOBS, QUEUES } from '../queue/queue-registry';
import { importFromSecretServer, ImportSummary } from './import-from-secret-server-job';

/** The consumer of the import queue: one import at a time (concurrency 1) across the cluster's worker. */
export function createImportWorker({ container, logger }: { container: Container; logger: Logger }): Worker {
  const log = logger.child({ category: 'import' });
  const processor = async (job: Job<ImportJobPayload>): Promise<ImportSummary> => {
    if (job.name !== JOBS.importFromSecretServer) throw new Error(`no handler for job ${job.name}`);
    log.info('import from Secret Server started', { requestId: job.data.requestId, trigger: job.data.trigger, jobId: job.id });
    const summary = await importFromSecretServer({
      store: container.importStore,
      secretServer: container.secretServer,
      accounts: container.jobContext.accounts,
      resync: (kind, resources) => container.queue.enqueueResync(kind, resources),
      logger: log,
      familyNamePlaceholder: container.config.import.familyNamePlaceholder,
      pageSize: container.config.secretServer.pageSize,
    });
    container.metrics.importDuration.set(summary.durationMs / 1000);
    for (const [kind, counts] of Object.entries({ users: summary.users, groups: summary.groups })) {
      for (const [outcome, value] of Object.entries(counts)) container.metrics.importUsers.set({ outcome: `${kind}_${outcome}` }, value);
    }
    await container.redis.set(container.store.keys.importStatus(), JSON.stringify({ ...summary, finishedAt: new Date().toISOString() }));
    log.info('import from Secret Server finished', { jobId: job.id, ...summary });
    return summary;
  };
  const worker = new Worker<ImportJobPayload, ImportSummary>(QUEUES.import, processor, {
    connection: container.bullRedis,
    prefix: `${container.config.redis.prefix}:bull`,
    concurrency: 1,
    autorun: false,
  });
  worker.on('error', (err) => log.error('import worker error', { err }));
  worker.on('failed', (job, err) => log.warn('import failed; it will be retried', { jobId: job?.id, reason: err.message }));
  return worker;
}
