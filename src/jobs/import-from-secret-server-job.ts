import type { JobsOptions } from 'bullmq';
import type { DirectoryContainer } from '../container';
import { DEFAULT_DIRECTORY } from '../directories/directory';
import type { AccountFacts } from './claimable-accounts';
import type { Logger } from '../logging/logger';
import { QUEUES } from '../queue/queue-registry';
import type { RetryPolicy } from './job-definition';
import { importFromSecretServer, ImportSummary } from './secret-server-import';

/** Who asked: no personal data. The import reads everything else from Secret Server. */
export interface ImportJobPayload {
  requestId?: string;
  trigger: 'schedule' | 'cli' | 'admin' | 'import-pass';
}

/** What the exec function is given: the process's adapters, and the import's logger. */
export interface ImportRun {
  container: DirectoryContainer;
  logger: Logger;
}

export interface ImportJobDefinition {
  readonly name: string;
  readonly queue: typeof QUEUES.import;
  readonly options: (retry: RetryPolicy) => JobsOptions;
  /** The repeatable job SS_IMPORT_INTERVAL_S keeps (BullMQ job schedulers, https://docs.bullmq.io/guide/job-schedulers). */
  readonly schedule: { readonly id: string; readonly payload: ImportJobPayload; readonly options: JobsOptions };
  readonly exec: (payload: ImportJobPayload, run: ImportRun) => Promise<ImportSummary>;
}

/** Only the last 50 imports are kept, finished or failed: each run replaces the previous one's outcome. */
const KEEP_LAST_IMPORTS = { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } };

/**
 * Okta "Import Now" and the schedule: merges every Secret Server user and group into the SCIM
 * state (secret-server-import.ts), then records the summary in metrics and the import status
 * key that the import pass reads. Enqueued by ProvisioningQueue (enqueueImport, scheduleImport);
 * run one at a time by the import queue's worker (job-runner.ts).
 */
export const importFromSecretServerJob: ImportJobDefinition = {
  name: 'import-from-secret-server',
  queue: QUEUES.import,
  options: (retry) => ({ attempts: 3, backoff: { type: 'exponential', delay: retry.backoffMs }, ...KEEP_LAST_IMPORTS }),
  schedule: { id: 'scheduled-import', payload: { trigger: 'schedule' }, options: KEEP_LAST_IMPORTS },
  exec: runImport,
};

async function runImport(_payload: ImportJobPayload, { container, logger }: ImportRun): Promise<ImportSummary> {
  const { secretServer } = container;
  // The users pages renew the account view of a burst (account-view.ts) while it is in use.
  const feed = container.jobContext.accountView?.importFeed();
  const importing = importFromSecretServer({
    store: container.importStore,
    secretServer: {
      listUsersPage: async (skip, take) => {
        const page = await secretServer.listUsersPage(skip, take);
        feed?.page(page.items);
        return page;
      },
      listGroupsPage: (skip, take) => secretServer.listGroupsPage(skip, take),
      listGroupMembers: (groupId) => secretServer.listGroupMembers(groupId),
    },
    accounts: { claimablePredicate: () => claimableHere(container) },
    resync: (kind, resources) => container.queue.enqueueResync(kind, resources),
    logger,
    familyNamePlaceholder: container.config.import.familyNamePlaceholder,
    pageSize: container.config.secretServer.pageSize,
  });
  const summary = await importing.catch((err: unknown) => {
    feed?.abandon();
    throw err;
  });
  await feed?.complete();
  // The two gauges have no directory label: they show the default directory's import, as before directories.
  if (container.directory.name === DEFAULT_DIRECTORY) {
    container.metrics.importDuration.set(summary.durationMs / 1000);
    for (const [kind, counts] of Object.entries({ users: summary.users, groups: summary.groups })) {
      for (const [outcome, value] of Object.entries(counts)) container.metrics.importUsers.set({ outcome: `${kind}_${outcome}` }, value);
    }
  }
  await container.importStatus.recordFinished(summary, new Date());
  return summary;
}

/** The accounts this directory may import: claimable ones that no other directory sharing its Secret Server linked. */
async function claimableHere(container: DirectoryContainer): Promise<(account: AccountFacts) => boolean> {
  const [claimable, elsewhere] = await Promise.all([container.jobContext.accounts.claimablePredicate(), container.owners.ownedElsewhere('User')]);
  return (account) => claimable(account) && !elsewhere.has(account.id);
}
