import { UnrecoverableError, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { createSilentLogger } from '../../src/logging/logger';
import { ProvisioningQueue } from '../../src/queue/provisioning-queue';
import { QUEUES } from '../../src/queue/queue-registry';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { expectAlignedTable, runCli } from './cli-child';

const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
const prefix = uniquePrefix('cli-failed');
const emptyPrefix = uniquePrefix('cli-failed-empty');
const cli = (...args: string[]) => runCli(prefix, ...args);
const redisConnections: Redis[] = [];
let queue: ProvisioningQueue;

function connection(): Redis {
  const redis = connectRedis();
  redisConnections.push(redis);
  return redis;
}

/** Fails the sync jobs of these users once each (one attempt, a refusal spanning two lines), as a refused Secret Server call would. */
async function failJobsOf(userIds: string[]): Promise<void> {
  const worker = new Worker(
    QUEUES.provision,
    async () => {
      throw new UnrecoverableError('Secret Server refused the change\nsecond line of the reason');
    },
    { connection: connection(), prefix: `${prefix}:bull` },
  );
  for (const id of userIds) await queue.enqueueSync('User', id, 1);
  const deadline = Date.now() + 10_000;
  while ((await queue.provision.getFailedCount()) < userIds.length) {
    if (Date.now() > deadline) throw new Error('the jobs did not fail in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await worker.close();
}

beforeAll(async () => {
  queue = new ProvisioningQueue(connection(), prefix, { attempts: 1, backoffMs: 10 }, createSilentLogger());
  await failJobsOf(['alice', 'bob']);
  // No worker from here on: this job stays waiting.
  await queue.enqueueSync('User', 'carol', 1);
});

afterAll(async () => {
  await queue.close();
  const redis = connection();
  await deletePrefix(redis, prefix);
  await deletePrefix(redis, emptyPrefix);
  for (const r of redisConnections) r.disconnect();
});

describe('failed CLI answers', () => {
  it('when nothing failed, then "failed list" prints "no failed jobs" and "failed retry" says there is nothing to retry, both exit 0', async () => {
    expect(await runCli(emptyPrefix, 'failed', 'list')).toEqual({ code: 0, stdout: 'no failed jobs\n', stderr: '' });
    expect(await runCli(emptyPrefix, 'failed', 'retry')).toEqual({ code: 0, stdout: 'no failed jobs; nothing to retry\n', stderr: '' });
  });

  it('when jobs failed, then "failed list" prints the header row, then one aligned row per job with its reason on one line', async () => {
    const listed = await cli('failed', 'list');
    expect(listed.code).toBe(0);
    const rows = expectAlignedTable(listed.stdout, ['JOB ID', 'NAME', 'RESOURCE', 'ATTEMPTS', 'FAILED AT', 'REASON']);
    expect(rows).toHaveLength(2);
    for (const user of ['alice', 'bob']) {
      expect(rows.find((r) => r.startsWith(`User-${user}-1 `))).toMatch(
        new RegExp(`^User-${user}-1 +sync-user +${user} +1 +${TIME} +Secret Server refused the change second line of the reason$`),
      );
    }
  });

  it('when "failed retry <id>" names no job, then one stderr line names the id and the list command, and the exit code is 1', async () => {
    const result = await cli('failed', 'retry', 'nosuchjob');
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: no failed job "nosuchjob"; npm run admin -- failed list shows the failed jobs\n' });
  });

  it('when "failed retry <id>" names a job that has not failed, then it says what state the job is in, and the exit code is 1', async () => {
    const result = await cli('failed', 'retry', 'User-carol-1');
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: no failed job "User-carol-1" (that job is waiting); npm run admin -- failed list shows the failed jobs\n',
    });
  });

  it('when "failed retry <id>" names a failed job, then that job alone goes back to waiting', async () => {
    const result = await cli('failed', 'retry', 'User-alice-1');
    expect(result).toEqual({ code: 0, stdout: 'retried failed job "User-alice-1"\n', stderr: '' });
    expect(await (await queue.provision.getJob('User-alice-1'))?.getState()).toBe('waiting');
    expect(await (await queue.provision.getJob('User-bob-1'))?.getState()).toBe('failed');
  });

  it('when "failed retry" runs without an id, then every failed job is retried and counted', async () => {
    const result = await cli('failed', 'retry');
    expect(result).toEqual({ code: 0, stdout: 'retried 1 job(s)\n', stderr: '' });
    expect(await queue.provision.getFailedCount()).toBe(0);
  });

  it.each([[['failed']], [['failed', 'nope']], [['failed', 'list', 'extra']], [['failed', 'retry', 'a', 'b']], [['failed', 'retry', '--all']]])(
    'when the arguments are %j, then usage goes to stderr and the exit code stays 2',
    async (args) => {
      const result = await cli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('usage: scim-bridge');
      expect(result.stdout).toBe('');
    },
  );
});
