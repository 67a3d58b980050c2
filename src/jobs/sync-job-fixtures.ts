/**
 * A sync job's world for unit tests: the fake Secret Server, the in-memory store and a JobContext
 * over them, and `run`, which reads the start and calls the job's exec as job-runner.ts does
 * (without the lock and BullMQ around it). No Redis, no HTTP.
 */
import type { UserNameFormat } from '../domain/name-filling';
import type { ResourceKind } from '../domain/resource-types';
import { createSilentLogger } from '../logging/logger';
import { DELETED_VERSION } from '../queue/sync-enqueuer';
import { FakeSecretServer } from '../secret-server/fake-secret-server';
import { InMemoryResourceStore } from '../store/in-memory-resource-store';
import { ClaimableAccounts } from './claimable-accounts';
import { decideJobOutcome, type AttemptInfo, type JobDecision } from './job-decision';
import { readSyncStart, type JobContext, type SyncExec, type SyncOutcome } from './sync-job';

export interface SyncWorld {
  secretServer: FakeSecretServer;
  store: InMemoryResourceStore;
  ctx: JobContext;
  /** Runs `exec` for the resource's current version (DELETED_VERSION once removed), as the runner would. */
  run(exec: SyncExec, kind: ResourceKind, id: string, options?: { force?: boolean; memberWaits?: number }): Promise<SyncOutcome>;
  /**
   * Runs `exec` and settles the run as the runner does: decideJobOutcome, then the decision's link
   * writes to the store (job-runner.ts settle); BullMQ's part (delay, retry, fail) is the action.
   */
  runAndSettle(exec: SyncExec, kind: ResourceKind, id: string, attempt?: Partial<AttemptInfo>): Promise<JobDecision>;
}

export function syncWorld(options: { protectedUsers?: string[]; usernameFormat?: UserNameFormat } = {}): SyncWorld {
  const secretServer = new FakeSecretServer();
  const store = new InMemoryResourceStore();
  const logger = createSilentLogger();
  const ctx: JobContext = {
    store,
    secretServer,
    logger,
    usernameFormat: options.usernameFormat ?? 'email',
    accounts: new ClaimableAccounts(options.protectedUsers ?? [], () => secretServer.apiAccount()),
  };
  const payloadFor = async (kind: ResourceKind, id: string, extra: { force?: boolean; memberWaits?: number } = {}) => {
    const resource = await store.get(kind, id);
    return { kind, id, version: resource?.meta.version ?? DELETED_VERSION, ...extra };
  };
  const run: SyncWorld['run'] = async (exec, kind, id, extra) => exec(await payloadFor(kind, id, extra), ctx, await readSyncStart(store, kind, id));
  const runAndSettle: SyncWorld['runAndSettle'] = async (exec, kind, id, attempt = {}) => {
    const info: AttemptInfo = { attemptsMade: 0, attempts: 12, memberWaits: 0, ...attempt };
    const payload = await payloadFor(kind, id, { memberWaits: info.memberWaits });
    let decision: JobDecision;
    try {
      const outcome = await exec(payload, ctx, await readSyncStart(store, kind, id));
      decision = decideJobOutcome({ jobName: `sync-${kind.toLowerCase()}`, run: { kind: 'done', outcome }, attempt: info, fields: { id }, durationMs: 0 });
    } catch (error) {
      decision = decideJobOutcome({ jobName: `sync-${kind.toLowerCase()}`, run: { kind: 'threw', error }, attempt: info, fields: { id }, durationMs: 0 });
    }
    for (const link of decision.links) await store.setLink(kind, id, link);
    return decision;
  };
  return { secretServer, store, ctx, run, runAndSettle };
}
