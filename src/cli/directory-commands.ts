import { DEFAULT_DIRECTORY, scimBasePathOf, type DirectoryRecord } from '../directories/directory';
import { DirectoryInputError } from '../directories/directory-admin';
import type { CliContext, CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { printList, shortTime } from './table';
import { UsageError } from './usage-error';

const GROUP = 'directory';
const PLATFORM = new Set(['auto', 'true', 'false']);

/**
 * `scim-bridge directory ...`: the SCIM directories of this bridge, each with its own base URL,
 * tokens, users and groups. A new directory's base path is printed alone on the last stdout line.
 * A running bridge picks up a created or removed directory within a few seconds.
 */
export const directoryCommands: CommandGroup = {
  summary: 'SCIM directories: each its own base URL, tokens, users and groups, and optionally its own Secret Server',
  usage: [
    'create --name <name> [--ss-url <url> --ss-username <user> --ss-password-env <VAR> [--ss-domain <domain>] [--ss-platform auto|true|false]]',
    '                                     new directory at /scim/v2/d/<name>; the --ss-* options give it its own Secret Server (the password is read from $VAR)',
    'list                                 name, base path, Secret Server, created',
    'remove <name> --yes                  removes the directory, its users, groups, tokens and queue from Redis (Secret Server is left as it is)',
  ],
  async run(args, ctx) {
    const [command, ...rest] = args;
    try {
      switch (command) {
        case 'create':
          return await create(rest, ctx);
        case 'list':
          return await list(rest, ctx);
        case 'remove':
          return await remove(rest, ctx);
        default:
          throw new UsageError(command ? `unknown directory command "${command}"` : 'missing directory command', GROUP);
      }
    } catch (err) {
      if (err instanceof DirectoryInputError) throw new UsageError(err.message, GROUP);
      throw err;
    }
  },
};

async function create(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommandArgs(
    GROUP,
    args,
    {
      name: { type: 'string' },
      'ss-url': { type: 'string' },
      'ss-username': { type: 'string' },
      'ss-password-env': { type: 'string' },
      'ss-domain': { type: 'string' },
      'ss-platform': { type: 'string' },
    },
    [],
  );
  if (!values.name) throw new UsageError('--name is required, e.g. --name preview', GROUP);
  const own = [values['ss-url'], values['ss-username'], values['ss-password-env']];
  const others = values['ss-domain'] !== undefined || values['ss-platform'] !== undefined;
  if ((own.some((v) => v !== undefined) || others) && own.some((v) => v === undefined)) {
    throw new UsageError('a directory with its own Secret Server needs --ss-url, --ss-username and --ss-password-env together', GROUP);
  }
  const platform = values['ss-platform'] ?? 'auto';
  if (!PLATFORM.has(platform)) throw new UsageError(`--ss-platform must be auto, true or false, got ${JSON.stringify(platform)}`, GROUP);
  const secretServer = values['ss-url']
    ? {
        baseUrl: values['ss-url'],
        username: values['ss-username']!,
        passwordEnv: values['ss-password-env']!,
        domain: values['ss-domain'] ?? '',
        platform: platform as 'auto' | 'true' | 'false',
      }
    : undefined;
  const record = await (await ctx.directories()).create(values.name, secretServer);
  ctx.err(`Created directory ${record.name}, targeting ${secretServerOfRecord(record)}.`);
  if (secretServer) ctx.err(`Every bridge process reads its Secret Server password from $${secretServer.passwordEnv}: set it where the bridge runs.`);
  ctx.err(
    `Its SCIM base URL is the bridge's address followed by the path below. Give it a token: npm run token -- create --name okta --directory ${record.name}`,
  );
  ctx.out(scimBasePathOf(record.name));
}

async function list(args: string[], ctx: CliContext): Promise<void> {
  parseCommandArgs(GROUP, args, {}, []);
  const directories = await (await ctx.directories()).list();
  printList(ctx, {
    header: ['NAME', 'BASE PATH', 'SECRET SERVER', 'CREATED'],
    rows: directories.map((d) => [d.name, scimBasePathOf(d.name), secretServerOfRecord(d), d.name === DEFAULT_DIRECTORY ? '-' : shortTime(d.createdAt)]),
    empty: 'no directories',
  });
}

async function remove(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(GROUP, args, { yes: { type: 'boolean' } }, ['<name>']);
  const [name] = positionals;
  if (!values.yes) throw new UsageError(`removing ${name} deletes its users, groups and tokens from the bridge: add --yes to confirm`, GROUP);
  const removed = await (await ctx.directories()).remove(name);
  ctx.out(`Removed directory ${name} and its ${removed} keys; its accounts in Secret Server are unchanged.`);
}

function secretServerOfRecord(record: DirectoryRecord): string {
  return record.secretServer ? record.secretServer.baseUrl : 'SS_BASE_URL';
}
