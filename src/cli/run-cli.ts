import type { RedisConnection } from '../store/redis-connection';
import { loadConfig, type BridgeConfig } from '../config/load-config';
import { createAdminServices, createHistoryReader, createDriftService, createOAuthService, createTokenService, type AdminServices } from '../container';
import type { DriftService } from '../domain/drift-service';
import type { TokenService } from '../domain/token-service';
import type { OAuthService } from '../oauth/oauth-service';
import { createSilentLogger } from '../logging/logger';
import { createRedis } from '../store/redis-connection';
import { DirectoryAdmin } from '../directories/directory-admin';
import { DEFAULT_DIRECTORY, type DirectoryRecord } from '../directories/directory';
import type { HistoryReader } from '../history/history-reader';
import { type CliContext, findCommand, registeredCommands } from './command-registry';
import { UsageError } from './usage-error';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The environment to configure from; loadConfig reads process.env when absent (it alone reads it, config-schema.ts). */
  env?: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const HELP = new Set(['help', '--help', '-h']);

/**
 * Runs one command line (`token create --name okta`) and resolves to the exit code. Never calls
 * process.exit: it closes what it opened, so the process ends by itself once output is flushed.
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || HELP.has(name)) {
    (name ? io.stdout : io.stderr).write(usage());
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const group = findCommand(name);
  if (!group) {
    io.stderr.write(`error: unknown command "${name}"\n\n${usage()}`);
    return EXIT_USAGE;
  }
  if (args.length > 0 && HELP.has(args[0])) {
    io.stdout.write(usage(name));
    return EXIT_OK;
  }

  const { ctx, close } = createContext(io);
  try {
    await group.run(args, ctx);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n\n${usage(err.group)}`);
      return EXIT_USAGE;
    }
    // Operators need the reason, not a stack trace.
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILURE;
  } finally {
    await close();
  }
}

/** The top-level usage, or one group's. */
export function usage(groupName?: string): string {
  const lines = ['usage: scim-bridge <command> ...   (or: npm run admin -- <command> ...)', ''];
  for (const [name, group] of registeredCommands()) {
    if (groupName && name !== groupName) continue;
    lines.push(`  ${name}: ${group.summary}`);
    for (const line of group.usage) lines.push(`    scim-bridge ${name} ${line}`);
    lines.push('');
  }
  return lines.join('\n');
}

function createContext(io: CliIo): { ctx: CliContext; close: () => Promise<void> } {
  let config: BridgeConfig | undefined;
  let redis: Promise<RedisConnection> | undefined;
  let oauth: Promise<OAuthService> | undefined;
  const closers: Array<() => Promise<void> | void> = [];
  // The outcome is what the command prints; the services' own log lines would only add noise.
  const logger = createSilentLogger();
  const connection = () => (redis ??= connect(ctx.config().redis, closers));
  /** One per directory named on the command line, built once. */
  const once = <T>(cache: Map<string, Promise<T>>, name: string, build: (record: DirectoryRecord) => Promise<T>): Promise<T> => {
    let built = cache.get(name);
    if (!built) {
      built = ctx
        .directories()
        .then((d) => d.record(name))
        .then(build);
      cache.set(name, built);
    }
    return built;
  };
  const adminServices = new Map<string, Promise<AdminServices>>();
  const services = (name: string) =>
    once(adminServices, name, async (record) => {
      // The daemon gives BullMQ a connection of its own because its workers block on it
      // (maxRetriesPerRequest null); a producer alone may share one, and this fail-fast one
      // makes a queue command fail at once when Redis goes away instead of waiting for it
      // (https://docs.bullmq.io/guide/connections;
      // https://docs.bullmq.io/patterns/failing-fast-when-redis-is-down).
      const r = await connection();
      const built = createAdminServices(ctx.config(), r, r, logger, record);
      closers.push(async () => {
        await built.queue.ready();
        await built.queue.close();
      });
      return built;
    });
  const tokens = new Map<string, Promise<TokenService>>();
  const drift = new Map<string, Promise<DriftService>>();
  const history = new Map<string, Promise<HistoryReader>>();

  const ctx: CliContext = {
    config: () => (config ??= loadConfig({}, io.env)),
    tokens: (name = DEFAULT_DIRECTORY) => once(tokens, name, async (record) => createTokenService(ctx.config(), await connection(), logger, record)),
    directories: () => connection().then((r) => new DirectoryAdmin(ctx.config(), r)),
    oauth: () => (oauth ??= connection().then((r) => createOAuthService(ctx.config(), r, logger))),
    admin: (name = DEFAULT_DIRECTORY) => services(name).then((s) => s.admin),
    drift: (name = DEFAULT_DIRECTORY) =>
      once(drift, name, async (record) => createDriftService(ctx.config(), await connection(), await services(name), logger, record)),
    history: (name = DEFAULT_DIRECTORY) => once(history, name, async (record) => createHistoryReader(ctx.config(), await connection(), logger, record)),
    out: (line) => io.stdout.write(line + '\n'),
    err: (line) => io.stderr.write(line + '\n'),
  };

  const close = async (): Promise<void> => {
    // Last opened, first closed: a queue registered after Redis closes before it.
    for (const closeFn of closers.reverse()) {
      try {
        await closeFn();
      } catch {
        // Closing is best effort; the command's own result is what the operator needs.
      }
    }
  };
  return { ctx, close };
}

async function connect(settings: BridgeConfig['redis'], closers: Array<() => Promise<void> | void>): Promise<RedisConnection> {
  // No reconnect loop and no offline queue: a one-shot command should fail fast, not hang.
  const redis = createRedis(settings, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  // Reported through the rejected connect() or command; the event carries the useful reason (ECONNREFUSED ...).
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  closers.push(async () => {
    if (redis.status === 'ready') await redis.quit();
    // A connection that never opened has ended already; disconnect() would hold the process for
    // ioredis's disconnectTimeout (2 s) waiting for a socket that is gone.
    else if (redis.status !== 'end') redis.disconnect();
  });
  try {
    await redis.connect();
  } catch (err) {
    // The URL may carry a password: name the setting, not its value.
    throw new Error(`cannot reach Redis (REDIS_URL): ${(lastError ?? (err as Error)).message}`, { cause: err });
  }
  return redis;
}
