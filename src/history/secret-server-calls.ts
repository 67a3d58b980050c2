import { AsyncLocalStorage } from 'node:async_hooks';

export interface RecordedCall {
  endpoint: string;
  status: number | 'error';
  durationMs: number;
  at: string;
}

/**
 * Which Secret Server calls a job run caused. The transport reports every exchange (its onCall
 * hook); the job runner runs each job inside `during`, and Node's AsyncLocalStorage
 * (https://nodejs.org/api/async_context.html#class-asynclocalstorage) carries the run's list
 * through every await, so concurrent jobs on one worker each get only their own calls, without
 * threading a recorder through every client method.
 */
export class SecretServerCalls {
  private readonly current = new AsyncLocalStorage<RecordedCall[]>();

  /** Runs `work`, collecting the calls made while it runs, whether it resolves or throws. */
  async during<T>(work: () => Promise<T>): Promise<{ calls: RecordedCall[]; outcome: PromiseSettledResult<T> }> {
    const calls: RecordedCall[] = [];
    const [outcome] = await this.current.run(calls, () => Promise.allSettled([work()]));
    return { calls, outcome };
  }

  /** The transport's onCall: kept when a job run is collecting, ignored otherwise (the import, readiness probes). */
  record(endpoint: string, status: number | 'error', durationMs: number): void {
    this.current.getStore()?.push({ endpoint, status, durationMs, at: new Date().toISOString() });
  }
}
