import type { JobDecision, JobRun } from '../jobs/job-decision';
import type { SyncJobPayload } from '../jobs/sync-job';
import { SecretServerAccountNotClaimableError } from '../secret-server/secret-server-errors';
import type { HistoryEvent } from './history-event';
import type { ProtectedAttempts } from './protected-attempts';
import type { ResourceHistory } from './resource-history';
import { SecretServerCalls, type RecordedCall } from './secret-server-calls';

/**
 * Calls listed per job run. A group's member changes on an older Web API go one call per member;
 * past this many, the run's event says how many earlier calls it left out, so one large group sync
 * does not push the rest of the history out.
 */
export const CALLS_LISTED_PER_RUN = 20;

export interface FinishedRun {
  jobName: string;
  jobId?: string;
  payload: SyncJobPayload;
  /** 1-based, as the worker's log line says. */
  attempt: number;
  run: JobRun;
  decision: JobDecision;
  calls: RecordedCall[];
  durationMs: number;
}

/** What the job runner (jobs/job-runner.ts) records of each run: its Secret Server calls, its outcome, and any attempt on a protected account. */
export class JobHistory {
  readonly calls = new SecretServerCalls();

  constructor(
    private readonly history: ResourceHistory,
    private readonly protectedAttempts: ProtectedAttempts,
  ) {}

  async recordRun(finished: FinishedRun): Promise<void> {
    const { payload, jobId } = finished;
    const at = this.history.now();
    const listed = finished.calls.slice(-CALLS_LISTED_PER_RUN);
    const events: HistoryEvent[] = listed.map((call) => ({ type: 'secret-server', ...call, jobId }));
    const error = finished.run.kind === 'threw' ? finished.run.error : undefined;
    if (error instanceof SecretServerAccountNotClaimableError && error.protectedReason) {
      events.push({ type: 'protected', at, secretServerId: error.secretServerUserId, reason: error.protectedReason, requestId: payload.requestId, jobId });
      await this.protectedAttempts.record({
        at,
        secretServerId: error.secretServerUserId,
        reason: error.protectedReason,
        kind: payload.kind,
        resourceId: payload.id,
        requestId: payload.requestId,
        jobId,
      });
    }
    const { outcome, secretServerId, detail } = describe(finished.decision, error);
    const unlisted = finished.calls.length - listed.length;
    events.push({
      type: 'job',
      at,
      job: finished.jobName,
      jobId,
      attempt: finished.attempt,
      requestId: payload.requestId,
      outcome,
      ...(secretServerId === undefined ? {} : { secretServerId }),
      ...(detail || unlisted
        ? { detail: [detail, unlisted ? `${unlisted} earlier Secret Server call(s) of this run not listed` : ''].filter(Boolean).join('; ') }
        : {}),
      durationMs: finished.durationMs,
    });
    await this.history.record({ kind: payload.kind, id: payload.id }, events);
  }
}

function describe(decision: JobDecision, error: unknown): { outcome: string; secretServerId?: number; detail?: string } {
  const reason = error instanceof Error ? error.message : undefined;
  switch (decision.action) {
    case 'complete':
      return { outcome: decision.result.result, secretServerId: decision.result.secretServerId, detail: decision.result.detail };
    case 'delay':
      return { outcome: 'waiting', detail: reason };
    case 'retry':
      return { outcome: 'will retry', detail: reason };
    case 'fail':
      return { outcome: 'failed', detail: reason };
    case 'unrecoverable':
      return { outcome: 'failed', detail: decision.reason };
  }
}
