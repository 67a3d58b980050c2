/** Bad command line: the CLI prints the message and the usage to stderr and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The command group whose usage to print; the top-level usage when absent. */
    readonly group?: string,
  ) {
    super(message);
  }
}
