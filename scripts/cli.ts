/**
 * The operator CLI: `npm run admin -- <command> ...`, `npm run token -- <sub-command> ...`, or the
 * `scim-bridge` bin. Command groups are registered here; add one with registerCommand(name, group)
 * (see scripts/cli/command-registry.ts). Never imported by src/.
 */
import { registerCommand } from './cli/command-registry';
import { runCli } from './cli/run-cli';
import { tokenCommands } from './cli/token-commands';

registerCommand('token', tokenCommands);

/** Runs process.argv and sets the exit code; the process then ends once output is flushed. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}

if (require.main === module) void main();
