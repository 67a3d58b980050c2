/**
 * Nothing has the id the operator typed. The runner prints the message as one `error:` line on
 * stderr and exits 1 (a failure, not a usage error: the command line itself was well formed).
 * The message names the id, so a typo is visible, and the command that lists the ids there are.
 */
export class UnknownIdError extends Error {
  override name = 'UnknownIdError';
  constructor(
    /** What the id should name, singular: "token", "failed job". */
    what: string,
    id: string,
    /** The command listing them all, e.g. "npm run token -- list". */
    listCommand: string,
    /** Why the id does not count when something does have it, e.g. "that job is waiting". */
    detail?: string,
  ) {
    super(`no ${what} "${id}"${detail ? ` (${detail})` : ''}; ${listCommand} shows the ${what}s`);
  }
}
