import { AdminService } from '../../src/domain/admin-service';
import { createSilentLogger } from '../../src/logging/logger';
import { ProvisioningQueue } from '../../src/queue/provisioning-queue';
import { createRedis } from '../../src/store/redis-connection';
import { ResourceStore } from '../../src/store/resource-store';
import type { CliContext, CommandGroup } from './command-registry';
import { UsageError } from './usage-error';

/** The admin service on the configured Redis, closed when the command ends. */
async function adminService(ctx: CliContext): Promise<AdminService> {
  const config = ctx.config();
  const redis = await ctx.redis();
  const bullRedis = createRedis(config.redis, { maxRetriesPerRequest: null });
  const logger = createSilentLogger();
  const queue = new ProvisioningQueue(bullRedis, config.redis.prefix, { attempts: config.worker.attempts, backoffMs: config.worker.backoffMs }, logger);
  ctx.onClose(async () => {
    await queue.close();
    bullRedis.disconnect();
  });
  return new AdminService(new ResourceStore(redis, config.redis.prefix), queue, logger);
}

/** `scim-bridge failed list|retry [jobId]`: changes that could not reach Secret Server. */
export const failedCommands: CommandGroup = {
  summary: 'provisioning jobs that failed (list them, retry them)',
  usage: ['list                                 failed jobs with their reason', 'retry [<jobId>]                      retry one failed job, or all of them'],
  async run(args, ctx) {
    const [command, jobId, ...extra] = args;
    if (extra.length) throw new UsageError('too many arguments', 'failed');
    const admin = await adminService(ctx);
    if (command === 'list') {
      const failed = await admin.listFailed(1000);
      if (failed.length === 0) ctx.err('no failed jobs');
      for (const f of failed) {
        ctx.out([f.jobId, f.name, f.resourceId, `attempts=${f.attemptsMade}`, f.failedAt ?? '', f.failedReason].join('\t'));
      }
      return;
    }
    if (command === 'retry') {
      const retried = await admin.retryFailed(jobId);
      ctx.out(`retried ${retried} job(s)`);
      return;
    }
    throw new UsageError(command ? `unknown failed command "${command}"` : 'missing failed command', 'failed');
  },
};

/** `scim-bridge resync`: converge every user and group again. */
export const resyncCommand: CommandGroup = {
  summary: 'enqueue a full resync of every user and group into Secret Server',
  usage: ['                                     (no arguments)'],
  async run(args, ctx) {
    if (args.length) throw new UsageError('resync takes no arguments', 'resync');
    const counts = await (await adminService(ctx)).resync();
    ctx.out(`resync enqueued: ${counts.users} users, ${counts.groups} groups`);
  },
};

/** `scim-bridge import`: run the Secret Server import now (a worker must be running). */
export const importCommand: CommandGroup = {
  summary: 'import Secret Server users and groups now (Okta "Import Now" reads them afterwards)',
  usage: ['                                     (no arguments)'],
  async run(args, ctx) {
    if (args.length) throw new UsageError('import takes no arguments', 'import');
    const jobId = await (await adminService(ctx)).importNow('cli');
    ctx.out(`import enqueued as job ${jobId}; a worker process runs it`);
  },
};
