import type { BridgeConfig } from '../config/load-config';
import type { AdminService } from '../domain/admin-service';
import type { DriftService } from '../domain/drift-service';
import type { TokenService } from '../domain/token-service';
import type { HistoryReader } from '../history/history-reader';
import type { OAuthService } from '../oauth/oauth-service';
import type { DirectoryAdmin } from '../directories/directory-admin';

/**
 * What a command group gets from the CLI. The services are the daemon's, built by the same
 * factories (src/container.ts), on first use: a command connects to Redis only when it asks for
 * one, and the runner closes what was opened when the command ends.
 */
export interface CliContext {
  /** The validated configuration (loadConfig with the process environment). */
  config(): BridgeConfig;
  /** The SCIM bearer tokens of a directory (the default one without a name), on Redis (REDIS_URL); an unknown name fails naming it. */
  tokens(directory?: string): Promise<TokenService>;
  /** The registry of directories and what removing one takes (directories/). */
  directories(): Promise<DirectoryAdmin>;
  /** The OAuth clients and their grants, on Redis. */
  oauth(): Promise<OAuthService>;
  /** Failed jobs, resync and import of a directory (the default one without a name), on Redis and its provisioning queue. */
  admin(directory?: string): Promise<AdminService>;
  /** Each user's and group's history in a directory, on Redis. */
  history(directory?: string): Promise<HistoryReader>;
  /** A directory's drift report: Redis, its provisioning queue, and its Secret Server (SS_BASE_URL ... or its own). */
  drift(directory?: string): Promise<DriftService>;
  /** A line on stdout: the result, meant for pipes (a token, a table). */
  out(line: string): void;
  /** A line on stderr: explanations for the human. */
  err(line: string): void;
}

/** One group of sub-commands (`token`, `failed`, `resync`, `import`). */
export interface CommandGroup {
  /** One line for the top-level usage. */
  summary: string;
  /** One line per sub-command, without the group name: `rotate <id> [--grace <duration>]`. */
  usage: string[];
  /** Runs with the arguments after the group name. Throw UsageError for bad arguments (exit 2), anything else for failure (exit 1). */
  run(args: string[], ctx: CliContext): Promise<void>;
}

const groups = new Map<string, CommandGroup>();

/** Adds a command group; src/cli/main.ts registers them all. */
export function registerCommand(name: string, group: CommandGroup): void {
  if (groups.has(name)) throw new Error(`command group "${name}" is registered twice`);
  groups.set(name, group);
}

export function findCommand(name: string): CommandGroup | undefined {
  return groups.get(name);
}

export function registeredCommands(): ReadonlyMap<string, CommandGroup> {
  return groups;
}
