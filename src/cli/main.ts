/**
 * The operator CLI: `npm run admin -- <command> ...`, `npm run token -- <sub-command> ...`,
 * `npm run oauth -- client <sub-command> ...`, `npm run directory -- <sub-command> ...`, or the
 * `scim-bridge` bin (bin/scim-bridge.js runs the build of this file, dist/src/cli/main.js). Command
 * groups are registered here; add one with registerCommand(name, group) (see command-registry.ts).
 * The daemon never imports src/cli/.
 */
import { registerCommand } from './command-registry';
import { runCli } from './run-cli';
import { healthcheckCommand } from './healthcheck-command';
import { historyCommand } from './history-command';
import { driftCommand } from './drift-command';
import { failedCommands, importCommand, resyncCommand } from './queue-commands';
import { oauthCommands } from './oauth-commands';
import { tokenCommands } from './token-commands';
import { directoryCommands } from './directory-commands';

registerCommand('token', tokenCommands);
registerCommand('failed', failedCommands);
registerCommand('resync', resyncCommand);
registerCommand('import', importCommand);
registerCommand('history', historyCommand);
registerCommand('healthcheck', healthcheckCommand);
registerCommand('oauth', oauthCommands);
registerCommand('drift', driftCommand);
registerCommand('directory', directoryCommands);

/** Runs process.argv and sets the exit code; the process then ends once output is flushed. */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2));
}

if (require.main === module) void main();
