import type { CliContext, CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { DIRECTORY_OPTION } from './directory-option';
import { printList, shortTime } from './table';
import { UnknownIdError } from './unknown-id-error';
import { UsageError } from './usage-error';

const FAILED = 'failed';
/** At most this many failed jobs are listed; `failed retry` with no id still retries all of them. */
const FAILED_LIST_LIMIT = 1000;
const FAILED_LIST_COMMAND = 'npm run admin -- failed list';

/** `scim-bridge failed list|retry [jobId]`: changes that could not reach Secret Server. */
export const failedCommands: CommandGroup = {
  summary: 'provisioning jobs that failed (list them, retry them)',
  usage: ['list [--directory <name>]            failed jobs with their reason', 'retry [<jobId>] [--directory <name>] retry one failed job, or all of them'],
  async run(args, ctx) {
    const [command, ...rest] = args;
    switch (command) {
      case 'list':
        return listFailed(rest, ctx);
      case 'retry':
        return retryFailed(rest, ctx);
      default:
        throw new UsageError(command ? `unknown failed command "${command}"` : 'missing failed command', FAILED);
    }
  },
};

async function listFailed(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommandArgs(FAILED, args, DIRECTORY_OPTION, []);
  const failed = await (await ctx.admin(values.directory)).listFailed(FAILED_LIST_LIMIT);
  printList(ctx, {
    header: ['JOB ID', 'NAME', 'RESOURCE', 'ATTEMPTS', 'FAILED AT', 'REASON'],
    rows: failed.map((f) => [f.jobId, f.name, f.resourceId, String(f.attemptsMade), f.failedAt ? shortTime(f.failedAt) : '-', f.failedReason]),
    empty: 'no failed jobs',
  });
  if (failed.length === FAILED_LIST_LIMIT) ctx.err(`Only the first ${FAILED_LIST_LIMIT} failed jobs are listed.`);
}

async function retryFailed(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(FAILED, args, DIRECTORY_OPTION, [], ['<jobId>']);
  const [jobId] = positionals;
  const admin = await ctx.admin(values.directory);
  if (jobId === undefined) {
    const retried = await admin.retryFailed();
    ctx.out(retried === 0 ? 'no failed jobs; nothing to retry' : `retried ${retried} job(s)`);
    return;
  }
  const result = await admin.retryFailedJob(jobId);
  if (!result.retried) {
    throw new UnknownIdError('failed job', jobId, FAILED_LIST_COMMAND, result.state === 'missing' ? undefined : `that job is ${result.state}`);
  }
  ctx.out(`retried failed job "${jobId}"`);
}

/** `scim-bridge resync`: converge every user and group again. */
export const resyncCommand: CommandGroup = {
  summary: 'enqueue a full resync of every user and group into Secret Server',
  usage: ['[--directory <name>]'],
  async run(args, ctx) {
    const { values } = parseCommandArgs('resync', args, DIRECTORY_OPTION, []);
    const counts = await (await ctx.admin(values.directory)).resync();
    ctx.out(`resync enqueued: ${counts.users} users, ${counts.groups} groups`);
  },
};

/** `scim-bridge import`: run the Secret Server import now (a worker must be running). */
export const importCommand: CommandGroup = {
  summary: 'import Secret Server users and groups now (Okta "Import Now" reads them afterwards)',
  usage: ['[--directory <name>]'],
  async run(args, ctx) {
    const { values } = parseCommandArgs('import', args, DIRECTORY_OPTION, []);
    const jobId = await (await ctx.admin(values.directory)).importNow('cli');
    ctx.out(`import enqueued as job ${jobId}; a worker process runs it`);
  },
};
