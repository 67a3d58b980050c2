import {
  SecretServerAccountNotClaimableError,
  SecretServerCircuitOpenError,
  SecretServerPermanentError,
  SecretServerPermissionError,
  SecretServerRefusedError,
  SecretServerRetryableError,
} from '../secret-server/secret-server-errors';
import { decideJobOutcome, LOCKED_RETRY_MS, MAX_MEMBER_WAITS, MEMBER_WAIT_MS, type AttemptInfo, type JobRun } from './job-decision';
import { WaitingForMembersError } from './sync-job';

const fields = { requestId: 'req-1', operation: 'sync-user', id: 'u1', jobId: 'User-u1-3', attempt: 1 };
const firstOfTwelve: AttemptInfo = { attemptsMade: 0, attempts: 12, memberWaits: 0 };

function decide(run: JobRun, attempt: AttemptInfo = firstOfTwelve, jobName = 'sync-user') {
  return decideJobOutcome({ jobName, run, attempt, fields, durationMs: 42 });
}
const threw = (error: unknown): JobRun => ({ kind: 'threw', error });

describe('job decision', () => {
  it('when another worker holds the resource, then the job comes back shortly, with no attempt spent, no line and no metric', () => {
    expect(decide({ kind: 'locked' })).toEqual({ action: 'delay', delayMs: LOCKED_RETRY_MS, links: [] });
    expect(LOCKED_RETRY_MS).toBe(300);
  });

  it('when the job converged, then it completes with ids and outcome only, one INFO line and the outcome as metric', () => {
    const decision = decide({ kind: 'done', outcome: { result: 'created', secretServerId: 7, email: 'a@x.com' } });
    expect(decision).toEqual({
      action: 'complete',
      result: { result: 'created', secretServerId: 7 },
      links: [],
      metric: 'created',
      log: {
        level: 'info',
        message: 'sync-user created',
        fields: { ...fields, result: 'created', secretServerId: 7, email: 'a@x.com', durationMs: 42, outcome: 'created' },
      },
    });
    // The line's fields keep their order: the common ones, the outcome's, then duration and outcome.
    expect(Object.keys(decision.log!.fields)).toEqual([
      'requestId',
      'operation',
      'id',
      'jobId',
      'attempt',
      'result',
      'secretServerId',
      'email',
      'durationMs',
      'outcome',
    ]);
  });

  it('when a group waits for members, then it comes back after a short wait, counting the wait in its payload', () => {
    const decision = decide(threw(new WaitingForMembersError(3)), firstOfTwelve, 'sync-group');
    expect(decision).toEqual({
      action: 'delay',
      delayMs: MEMBER_WAIT_MS,
      memberWaits: 1,
      links: [],
      metric: 'waiting',
      log: { level: 'info', message: 'sync-group waiting for members', fields: { ...fields, durationMs: 42, pendingMembers: 3, outcome: 'waiting' } },
    });
    expect(MEMBER_WAIT_MS).toBe(2000);
  });

  it('when a group takes its last short wait, then it is still delayed', () => {
    const decision = decide(threw(new WaitingForMembersError(1)), { ...firstOfTwelve, memberWaits: MAX_MEMBER_WAITS - 1 }, 'sync-group');
    expect(decision).toMatchObject({ action: 'delay', delayMs: MEMBER_WAIT_MS, memberWaits: MAX_MEMBER_WAITS });
    expect(MAX_MEMBER_WAITS).toBe(150);
  });

  it('when the short waits for members are used up, then the error is rethrown for ordinary backoff, without a line', () => {
    const error = new WaitingForMembersError(2);
    const decision = decide(threw(error), { ...firstOfTwelve, memberWaits: MAX_MEMBER_WAITS }, 'sync-group');
    expect(decision).toEqual({ action: 'retry', error, links: [], metric: 'waiting' });
  });

  it('when the short waits for members are used up on the last attempt, then the job fails and the group says why, with one ERROR line', () => {
    const error = new WaitingForMembersError(2);
    const decision = decide(threw(error), { attemptsMade: 11, attempts: 12, memberWaits: MAX_MEMBER_WAITS }, 'sync-group');
    expect(decision).toMatchObject({ action: 'fail', error, links: [{ state: 'failed', lastError: error.message }], metric: 'failed' });
    expect(decision.log).toMatchObject({ level: 'error', fields: { outcome: 'failed', pendingMembers: 2 } });
    expect(decision.log!.message).toMatch(/^sync-group failed: its members never reached Secret Server/);
  });

  it('when Secret Server says when to come back, then the job waits that long without spending an attempt, and is pending', () => {
    const error = new SecretServerCircuitOpenError('POST /api/v1/users', 5000);
    expect(decide(threw(error))).toEqual({
      action: 'delay',
      delayMs: 5000,
      links: [{ state: 'pending', lastError: error.message }],
      metric: 'retry',
      log: {
        level: 'info',
        message: 'sync-user deferred',
        fields: { ...fields, durationMs: 42, outcome: 'deferred', retryAfterMs: 5000, reason: error.message },
      },
    });
  });

  it('when a retryable error is not on the last attempt, then it is rethrown for backoff with an INFO line, and the resource is pending', () => {
    const error = new SecretServerRetryableError('Secret Server answered 503', { endpoint: 'GET /api/v1/users', status: 503 });
    expect(decide(threw(error), { attemptsMade: 10, attempts: 12, memberWaits: 0 })).toEqual({
      action: 'retry',
      error,
      links: [{ state: 'pending', lastError: error.message }],
      metric: 'retry',
      log: {
        level: 'info',
        message: 'sync-user will retry',
        fields: { ...fields, durationMs: 42, outcome: 'retry', endpoint: 'GET /api/v1/users', status: 503, reason: error.message },
      },
    });
  });

  it('when a retryable error is on the last attempt, then the job fails with syncState failed and an ERROR line saying what to do', () => {
    const error = new SecretServerRetryableError('Secret Server answered 503', { endpoint: 'GET /api/v1/users', status: 503 });
    expect(decide(threw(error), { attemptsMade: 11, attempts: 12, memberWaits: 0 })).toEqual({
      action: 'fail',
      error,
      links: [
        { state: 'pending', lastError: error.message },
        { state: 'failed', lastError: error.message },
      ],
      metric: 'retry',
      log: {
        level: 'error',
        message: 'sync-user failed after 12 attempts: check Secret Server is reachable, then run "npm run admin -- failed retry"',
        fields: { ...fields, durationMs: 42, outcome: 'failed', endpoint: 'GET /api/v1/users', status: 503, reason: error.message },
      },
    });
  });

  it('when a job has a single attempt, then its first retryable error already fails it', () => {
    const error = new SecretServerRetryableError('timeout', { endpoint: 'GET /api/v1/users', kind: 'timeout' });
    expect(decide(threw(error), { attemptsMade: 0, attempts: 1, memberWaits: 0 })).toMatchObject({ action: 'fail', metric: 'retry' });
  });

  it('when Secret Server refuses for good, then the job is unrecoverable, syncState failed, with an ERROR line and its advice', () => {
    const error = new SecretServerPermissionError('Secret Server answered 403', { endpoint: 'POST /api/v1/users', status: 403, errorCode: 'API_Forbidden' });
    expect(decide(threw(error))).toEqual({
      action: 'unrecoverable',
      reason: error.message,
      links: [{ state: 'failed', lastError: error.message }],
      metric: 'failed',
      log: {
        level: 'error',
        message: 'sync-user failed permanently: grant the API account View Users, Administer Users and Administer Groups, then retry the failed jobs',
        fields: {
          ...fields,
          durationMs: 42,
          outcome: 'failed',
          endpoint: 'POST /api/v1/users',
          status: 403,
          errorCode: 'API_Forbidden',
          reason: error.message,
        },
      },
    });
  });

  it('when the account may not be claimed, then the permanent failure is a WARN: nothing broke', () => {
    const decision = decide(threw(new SecretServerAccountNotClaimableError('Secret Server user 5 is an application account', 5)));
    expect(decision).toMatchObject({ action: 'unrecoverable', metric: 'failed', links: [{ state: 'failed' }] });
    expect(decision.log).toMatchObject({
      level: 'warn',
      message: 'sync-user failed permanently: the account is never claimed; give the SCIM user another email or userName, or unassign them in Okta',
    });
  });

  it.each([
    [
      new SecretServerRefusedError('refused', { endpoint: 'PATCH /api/v1/users/{id}', status: 400 }),
      'Secret Server refused the change and nothing changed; grant the API account what the reason names, or unassign the user in Okta, then retry the failed jobs',
    ],
    [
      new SecretServerPermanentError('bad request', { endpoint: 'POST /api/v1/users', status: 400 }),
      'Secret Server rejected the data; fix the user in Okta (or Secret Server), then retry the failed jobs',
    ],
    [
      new SecretServerPermanentError('gone', { endpoint: 'GET /api/v1/users/{id}', status: 410 }),
      'inspect the error, fix the cause, then retry the failed jobs',
    ],
  ])('when the permanent failure is %s, then the ERROR line gives its advice', (error, advice) => {
    expect(decide(threw(error)).log).toMatchObject({ level: 'error', message: `sync-user failed permanently: ${advice}` });
  });

  it('when the error is not a Secret Server one, then it is rethrown for backoff with a WARN line carrying it', () => {
    const error = new Error('Connection is closed.');
    expect(decide(threw(error))).toEqual({
      action: 'retry',
      error,
      links: [],
      metric: 'retry',
      log: { level: 'warn', message: 'sync-user hit an unexpected error; will retry', fields: { ...fields, durationMs: 42, outcome: 'retry', err: error } },
    });
  });

  it('when an error that is not a Secret Server one ends the last attempt, then the job fails and the resource says why, with one ERROR line', () => {
    const error = new Error('Connection is closed.');
    const decision = decide(threw(error), { attemptsMade: 11, attempts: 12, memberWaits: 0 });
    expect(decision).toMatchObject({ action: 'fail', error, links: [{ state: 'failed', lastError: 'Connection is closed.' }], metric: 'failed' });
    expect(decision.log).toMatchObject({ level: 'error', fields: { outcome: 'failed', err: error } });
  });
});
