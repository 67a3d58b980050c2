import { SecretServerAccountNotClaimableError, SecretServerAccountOwnedElsewhereError, isSecretServerError } from '../secret-server/secret-server-errors';
import { jobResultOf, type SyncJobResult, type SyncOutcome, WaitingForMembersError } from './sync-job';

/** Another worker is converging the resource: come back this soon. */
export const LOCKED_RETRY_MS = 300;
/** Between two looks at whether a group's members have reached Secret Server. */
export const MEMBER_WAIT_MS = 2000;
/** About five minutes of short waits for members, then ordinary backoff takes over. */
export const MAX_MEMBER_WAITS = 150;

/** How one run of a sync job ended, as the runner (job-runner.ts) saw it. */
export type JobRun = { kind: 'locked' } | { kind: 'done'; outcome: SyncOutcome } | { kind: 'threw'; error: unknown };

export interface AttemptInfo {
  /** Attempts BullMQ counted before this run (job.attemptsMade). */
  attemptsMade: number;
  /** Attempts the job may spend in all (job.opts.attempts; 1 when unset, as BullMQ). */
  attempts: number;
  /** Short waits for members taken so far (the payload's memberWaits; 0 when absent). */
  memberWaits: number;
}

export interface DecisionInput {
  jobName: string;
  run: JobRun;
  attempt: AttemptInfo;
  /** What every outcome line starts with: request id, operation, resource id, job id, attempt. */
  fields: Record<string, unknown>;
  durationMs: number;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** The syncState and lastError the resource's link gets (GET /Users shows them), in this order. */
export interface LinkWrite {
  state: 'pending' | 'failed';
  lastError: string;
}

/**
 * What the runner does, in this order: write the links, count the metric, store memberWaits in
 * the payload, log the line, then end the run as the action says:
 * - complete: return the result (BullMQ completes the job);
 * - delay: move the job to delayed for delayMs and throw DelayedError, spending no attempt;
 * - retry: rethrow `error`, so BullMQ spends an attempt and backs off (or fails the job when
 *   that was its last);
 * - fail: rethrow `error` on the last attempt, so BullMQ moves the job to the failed set;
 * - unrecoverable: throw UnrecoverableError(reason), so BullMQ fails the job whatever attempts remain.
 * (BullMQ's retry model: https://docs.bullmq.io/guide/retrying-failing-jobs)
 */
export type JobDecision = { links: LinkWrite[]; metric?: string; log?: LogLine } & (
  | { action: 'complete'; result: SyncJobResult }
  | { action: 'delay'; delayMs: number; memberWaits?: number }
  | { action: 'retry'; error: unknown }
  | { action: 'fail'; error: unknown }
  | { action: 'unrecoverable'; reason: string }
);

/**
 * The one place that decides how a sync job's run ends; pure, so every branch is unit-tested.
 * A converged job logs INFO; retries that are not the last attempt are INFO, a change that needs
 * a person is ERROR (WARN for an account the bridge may not claim: nothing broke).
 */
export function decideJobOutcome({ jobName, run, attempt, fields, durationMs }: DecisionInput): JobDecision {
  if (run.kind === 'locked') return { action: 'delay', delayMs: LOCKED_RETRY_MS, links: [] };
  if (run.kind === 'done') {
    const { outcome } = run;
    return {
      action: 'complete',
      result: jobResultOf(outcome),
      links: [],
      metric: outcome.result,
      log: { level: 'info', message: `${jobName} ${outcome.result}`, fields: { ...fields, ...outcome, durationMs, outcome: outcome.result } },
    };
  }
  const err = run.error;
  if (err instanceof WaitingForMembersError) {
    const waits = attempt.memberWaits + 1;
    // Past the short waits the error is rethrown like any other: attempts and backoff take over,
    // and on the last attempt the group says it failed instead of staying pending for good.
    if (waits > MAX_MEMBER_WAITS) {
      if (!isLastAttempt(attempt)) return { action: 'retry', error: err, links: [], metric: 'waiting' };
      return lastAttemptFailed(
        jobName,
        err,
        { ...fields, durationMs, outcome: 'failed', pendingMembers: err.pendingMembers, reason: err.message },
        'its members never reached Secret Server: check their syncState, fix them, then run "npm run admin -- failed retry"',
      );
    }
    return {
      action: 'delay',
      delayMs: MEMBER_WAIT_MS,
      memberWaits: waits,
      links: [],
      metric: 'waiting',
      log: {
        level: 'info',
        message: `${jobName} waiting for members`,
        fields: { ...fields, durationMs, pendingMembers: err.pendingMembers, outcome: 'waiting' },
      },
    };
  }
  if (isSecretServerError(err) && err.retryable) {
    const pending: LinkWrite = { state: 'pending', lastError: err.message };
    if (err.retryAfterMs !== undefined) {
      // Secret Server said when (429 Retry-After, open circuit): wait that long, spend no attempt.
      return {
        action: 'delay',
        delayMs: err.retryAfterMs,
        links: [pending],
        metric: 'retry',
        log: {
          level: 'info',
          message: `${jobName} deferred`,
          fields: { ...fields, durationMs, outcome: 'deferred', retryAfterMs: err.retryAfterMs, reason: err.message },
        },
      };
    }
    const attemptNumber = attempt.attemptsMade + 1;
    const last = isLastAttempt(attempt);
    const lineFields = { ...fields, durationMs, outcome: last ? 'failed' : 'retry', endpoint: err.endpoint, status: err.status, reason: err.message };
    if (!last)
      return { action: 'retry', error: err, links: [pending], metric: 'retry', log: { level: 'info', message: `${jobName} will retry`, fields: lineFields } };
    return {
      action: 'fail',
      error: err,
      links: [pending, { state: 'failed', lastError: err.message }],
      metric: 'retry',
      log: {
        level: 'error',
        message: `${jobName} failed after ${attemptNumber} attempts: check Secret Server is reachable, then run "npm run admin -- failed retry"`,
        fields: lineFields,
      },
    };
  }
  if (isSecretServerError(err)) {
    return {
      action: 'unrecoverable',
      reason: err.message,
      links: [{ state: 'failed', lastError: err.message }],
      metric: 'failed',
      log: {
        // A protected account is the rule working; two directories claiming one account is a setup to fix.
        level: err instanceof SecretServerAccountNotClaimableError && !(err instanceof SecretServerAccountOwnedElsewhereError) ? 'warn' : 'error',
        message: `${jobName} failed permanently: ${adviceFor(err)}`,
        fields: { ...fields, durationMs, outcome: 'failed', endpoint: err.endpoint, status: err.status, errorCode: err.errorCode, reason: err.message },
      },
    };
  }
  if (isLastAttempt(attempt)) {
    return lastAttemptFailed(
      jobName,
      err,
      { ...fields, durationMs, outcome: 'failed', err },
      'inspect the error, fix the cause, then run "npm run admin -- failed retry"',
    );
  }
  return {
    action: 'retry',
    error: err,
    links: [],
    metric: 'retry',
    log: { level: 'warn', message: `${jobName} hit an unexpected error; will retry`, fields: { ...fields, durationMs, outcome: 'retry', err } },
  };
}

function isLastAttempt(attempt: AttemptInfo): boolean {
  return attempt.attemptsMade + 1 >= attempt.attempts;
}

/** The last attempt ran out: the job goes to the failed set, and the resource's link says why. */
function lastAttemptFailed(jobName: string, err: unknown, fields: Record<string, unknown>, advice: string): JobDecision {
  const lastError = err instanceof Error ? err.message : String(err);
  return {
    action: 'fail',
    error: err,
    links: [{ state: 'failed', lastError }],
    metric: 'failed',
    log: { level: 'error', message: `${jobName} failed: ${advice}`, fields },
  };
}

/**
 * What the operator does about a permanent failure, one line per kind of error: the ERROR line of
 * a failed job ends with it, and the console's Failed page (domain/failure-advice.ts) shows it.
 */
export const PERMANENT_FAILURE_ADVICE = {
  permission: 'grant the API account View Users, Administer Users and Administer Groups, then retry the failed jobs',
  authentication: 'check SS_USERNAME / SS_PASSWORD / SS_DOMAIN, then retry the failed jobs',
  notClaimable: 'the account is never claimed; give the SCIM user another email or userName, or unassign them in Okta',
  ownedElsewhere:
    'another directory on this Secret Server manages the account; provision this person from one directory only (unassign them in this one), then retry the failed jobs',
  refused:
    'Secret Server refused the change and nothing changed; grant the API account what the reason names, or unassign the user in Okta, then retry the failed jobs',
  vault: 'make one Secret Server vault of the Delinea Platform tenant the default and active one',
  rejected: 'Secret Server rejected the data; fix the user in Okta (or Secret Server), then retry the failed jobs',
  other: 'inspect the error, fix the cause, then retry the failed jobs',
} as const;

/** What the operator does about a permanent failure, by the error's kind. */
function adviceFor(err: { status?: number; errorCode?: string; name: string }): string {
  if (err.name === 'SecretServerPermissionError') return PERMANENT_FAILURE_ADVICE.permission;
  if (err.name === 'SecretServerAuthenticationError') return PERMANENT_FAILURE_ADVICE.authentication;
  if (err.name === 'SecretServerAccountOwnedElsewhereError') return PERMANENT_FAILURE_ADVICE.ownedElsewhere;
  if (err.name === 'SecretServerAccountNotClaimableError') return PERMANENT_FAILURE_ADVICE.notClaimable;
  if (err.name === 'SecretServerRefusedError') return PERMANENT_FAILURE_ADVICE.refused;
  if (err.name === 'SecretServerVaultNotFoundError') return PERMANENT_FAILURE_ADVICE.vault;
  if (err.status === 400) return PERMANENT_FAILURE_ADVICE.rejected;
  return PERMANENT_FAILURE_ADVICE.other;
}
