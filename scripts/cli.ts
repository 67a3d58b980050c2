/**
 * The operator CLI: `npm run admin -- <command> ...`, `npm run token -- <sub-command> ...`, or the
 * `scim-bridge` bin. Command groups are registered here; add one with registerCommand(name, group)
 * (see scripts/cli/command-registry.ts). Never imported by src/.
 */
import { registerCommand } from './cli/command-registry';
import { runCli } from './cli/run-cli';
import { failedCommands, importCommand, resyncCommand } from './cli/queue-commands';
import { tokenCommands } from './cli/token-commands';

registerCommand('token', tokenCommands);
registerCommand('failed', failedCommands);
registerCommand('resync', resyncCommand);
registerCommand('import', importCommand);

/** Runs process.argv and sets the exit code; the process then ends once output is flushed. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}

if (require.main === module) void main();
