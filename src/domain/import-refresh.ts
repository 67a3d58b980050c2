import type { Logger } from '../logging/logger';

/** What the refresh needs of the import: when it last finished, and a way to run one. */
export interface ImportRunner {
  /** When the last import finished, or undefined if none has. */
  lastFinishedAt(): Promise<Date | undefined>;
  /** Enqueues an import; resolves with its job id. */
  start(): Promise<string | undefined>;
  /** Whether that job has ended (completed or failed for good). */
  ended(jobId: string): Promise<boolean>;
}

export interface ImportRefreshOptions {
  /** An import pass refreshes first when the last import is older than this; 0: never. */
  maxAgeMs: number;
  /** How long the pass's first page waits for the refresh before it answers with what it has. */
  waitMs: number;
  /** How often the import's end is looked for. */
  pollMs?: number;
  /** After this long a refresh is given up on (no worker is running it). */
  giveUpMs?: number;
}

/**
 * Okta's Import Now pages through `GET /Users?startIndex=1&count=100` and on (Okta's SCIM 2.0
 * protocol reference, "Import users"), and Okta gives each request 60 s. When that first page
 * comes and the last import from Secret Server is older than maxAgeMs, an import runs before the
 * page is answered, for at most waitMs; after that the page is answered with what is there while
 * the import finishes. One refresh at a time per process, whatever the number of passes.
 */
export class ImportRefresh {
  private running: Promise<void> | undefined;

  constructor(
    private readonly runner: ImportRunner,
    private readonly logger: Logger,
    private readonly options: ImportRefreshOptions,
  ) {}

  async beforeImportPass(requestId?: string): Promise<void> {
    if (this.options.maxAgeMs <= 0) return;
    if (!this.running) {
      const finishedAt = await this.runner.lastFinishedAt();
      if (finishedAt && Date.now() - finishedAt.getTime() < this.options.maxAgeMs) return;
      if (!this.running) {
        this.running = this.refresh(finishedAt, requestId).finally(() => {
          this.running = undefined;
        });
      }
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.waitMs);
    });
    await Promise.race([this.running, waited]);
    clearTimeout(timer);
  }

  private async refresh(before: Date | undefined, requestId?: string): Promise<void> {
    const { pollMs = 250, giveUpMs = 10 * 60_000 } = this.options;
    try {
      const jobId = await this.runner.start();
      this.logger.info('an import pass started: importing from Secret Server first', {
        category: 'import',
        requestId,
        lastImportAt: before?.toISOString() ?? null,
        jobId,
      });
      if (jobId === undefined) return;
      const deadline = Date.now() + giveUpMs;
      while (Date.now() < deadline && !(await this.runner.ended(jobId))) {
        await new Promise((resolve) => setTimeout(resolve, pollMs).unref());
      }
    } catch (err) {
      // The pass is still answered from what is stored; the import's own failure is logged by its worker.
      this.logger.warn(`could not refresh from Secret Server before an import pass: ${(err as Error).message}`, { category: 'import', requestId });
    }
  }
}
