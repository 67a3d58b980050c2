import type Redis from 'ioredis';
import type { BridgeConfig } from '../../src/config/load-config';

/** What a command group gets from the CLI; everything is opened lazily and closed by the runner. */
export interface CliContext {
  /** The validated configuration (loadConfig with the process environment). */
  config(): BridgeConfig;
  /** A connected Redis client (REDIS_URL); the runner quits it when the command ends. */
  redis(): Promise<Redis>;
  /** Registers cleanup to run when the command ends, e.g. closing a BullMQ queue. */
  onClose(close: () => Promise<void> | void): void;
  /** A line on stdout: the result, meant for pipes (a token, a table). */
  out(line: string): void;
  /** A line on stderr: explanations for the human. */
  err(line: string): void;
}

/** One group of sub-commands (`token`, later `failed`, `resync`, `import`). */
export interface CommandGroup {
  /** One line for the top-level usage. */
  summary: string;
  /** One line per sub-command, without the group name: `rotate <id> [--grace <duration>]`. */
  usage: string[];
  /** Runs with the arguments after the group name. Throw UsageError for bad arguments (exit 2), anything else for failure (exit 1). */
  run(args: string[], ctx: CliContext): Promise<void>;
}

const groups = new Map<string, CommandGroup>();

/** Adds a command group; scripts/cli.ts registers them all. */
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
