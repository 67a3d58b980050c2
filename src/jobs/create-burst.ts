/**
 * Whether this worker process is in a burst of new users: at least `size` syncs of users not yet
 * linked to a Secret Server account in progress at once (waiting for Secret Server, its rate limit
 * or each other), and for `lingerMs` after that was last true, so a burst whose syncs finish as
 * fast as they arrive does not flicker in and out. One new hire, or changes arriving one at a
 * time, never is one; an Okta push of many new users keeps the worker's slots full of them, so
 * WORKER_CONCURRENCY must be at least `size` for a burst to be seen at all. Only in a burst does
 * the account view (account-view.ts) stand in for the search before a create.
 */
export const BURST_SIZE = 5;
export const BURST_LINGER_MS = 10_000;

export class CreateBurst {
  private inProgress = 0;
  private lastSeenAt = -Infinity;

  constructor(
    private readonly size: number = BURST_SIZE,
    private readonly lingerMs: number = BURST_LINGER_MS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts a sync of an unlinked user from now; call the answer once when it ends. */
  started(): () => void {
    this.inProgress++;
    if (this.inProgress >= this.size) this.lastSeenAt = this.clock();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inProgress--;
    };
  }

  /** True while at least `size` such syncs run at once (the asking one included), and for lingerMs after. */
  get active(): boolean {
    return this.inProgress >= this.size || this.clock() - this.lastSeenAt <= this.lingerMs;
  }
}
