import { importFromSecretServerJob } from './import-from-secret-server-job';
import { assertEveryJobHasAHandler, importJob, JOB_REGISTRY, jobsOn, syncJobFor } from './job-registry';
import { resyncJobId, syncJobId } from './sync-job';

const retry = { attempts: 12, backoffMs: 1000 };

describe('job registry', () => {
  it('lists every job with the name and queue that Redis and the operators know it by', () => {
    expect(JOB_REGISTRY.map((job) => [job.name, job.queue])).toEqual([
      ['sync-user', 'provision'],
      ['sync-group', 'provision'],
      ['import-from-secret-server', 'import'],
    ]);
    expect(jobsOn('provision').map((job) => job.name)).toEqual(['sync-user', 'sync-group']);
    expect(importJob()).toBe(importFromSecretServerJob);
  });

  it('picks the sync job by the kind of resource', () => {
    expect(syncJobFor('User').name).toBe('sync-user');
    expect(syncJobFor('Group').name).toBe('sync-group');
  });

  it('gives sync jobs per-version ids, with the configured attempts and exponential backoff', () => {
    expect(syncJobId('User', 'u1', 3)).toBe('User-u1-3');
    expect(syncJobId('Group', 'g1', 0)).toBe('Group-g1-deleted');
    expect(resyncJobId('User', 'u1', 1700000000000)).toBe('User-u1-resync-1700000000000');
    for (const kind of ['User', 'Group'] as const) {
      expect(syncJobFor(kind).options(retry, 'User-u1-3')).toEqual({
        jobId: 'User-u1-3',
        attempts: 12,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { count: 1000, age: 3600 },
        removeOnFail: false,
      });
    }
  });

  it('gives the import three attempts, keeps the last 50 runs, and schedules it under one id', () => {
    expect(importFromSecretServerJob.options(retry)).toEqual({
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 50 },
      removeOnFail: { count: 50 },
    });
    expect(importFromSecretServerJob.schedule).toEqual({
      id: 'scheduled-import',
      payload: { trigger: 'schedule' },
      options: { removeOnComplete: { count: 50 }, removeOnFail: { count: 50 } },
    });
  });
});

describe('the start-up check that every registered job has a handler', () => {
  const handler = async () => undefined;

  it('when a worker consumes every queue, then start-up goes on', () => {
    expect(() => assertEveryJobHasAHandler(['provision', 'import'])).not.toThrow();
  });

  it('when no worker consumes the queue of a registered job, then start-up fails naming the job', () => {
    expect(() => assertEveryJobHasAHandler(['provision'])).toThrow('job import-from-secret-server has no handler: no worker consumes queue import');
  });

  it('when a registered job has no exec function, then start-up fails naming the job', () => {
    const registry = [...JOB_REGISTRY, { name: 'sync-report', queue: 'provision' as const, exec: undefined }];
    expect(() => assertEveryJobHasAHandler(['provision', 'import'], registry)).toThrow('job sync-report has no handler');
  });

  it('when two jobs share a name, then start-up fails: a worker dispatches by name, so one would never run', () => {
    const registry = [
      { name: 'sync-user', queue: 'provision' as const, exec: handler },
      { name: 'sync-user', queue: 'import' as const, exec: handler },
    ];
    expect(() => assertEveryJobHasAHandler(['provision', 'import'], registry)).toThrow('job sync-user is registered twice');
  });
});
