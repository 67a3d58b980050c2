import { SecretServerCircuitOpenError, isRetryableSecretServerError } from './secret-server-errors';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive retryable failures that open the circuit; 0 disables the breaker. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe call is let through, ms. */
  openMs: number;
  now?: () => number;
}

export type CircuitStateListener = (state: CircuitState, previous: CircuitState) => void;

/**
 * A per-process breaker in front of Secret Server. When Secret Server is down, jobs fail fast
 * (with a retryable error whose retryAfterMs is the remaining open time) instead of each waiting
 * for its own timeout. Only retryable failures count: a 4xx means Secret Server answered, so it
 * counts as a sign of life.
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private readonly listeners: CircuitStateListener[] = [];
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  state(): CircuitState {
    // An open circuit becomes half-open by the passage of time, not by a call.
    if (this.current === 'open' && this.remainingOpenMs() === 0) this.transition('half-open');
    return this.current;
  }

  onStateChange(listener: CircuitStateListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Runs `fn` unless the circuit is open; records its outcome. `endpoint` labels the fast failure. */
  async execute<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    if (this.options.failureThreshold <= 0) return fn();
    const state = this.state();
    if (state === 'open') throw new SecretServerCircuitOpenError(endpoint, this.remainingOpenMs());
    let isProbe = false;
    if (state === 'half-open') {
      // One probe at a time; the others fail fast as if the circuit were still open.
      if (this.probeInFlight) throw new SecretServerCircuitOpenError(endpoint, this.options.openMs);
      this.probeInFlight = true;
      isProbe = true;
    }
    try {
      const result = await fn();
      this.recordSuccess();
      return result;
    } catch (err) {
      if (isRetryableSecretServerError(err)) this.recordFailure(isProbe);
      else this.recordSuccess();
      throw err;
    } finally {
      if (isProbe) this.probeInFlight = false;
    }
  }

  private recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.current !== 'closed') this.transition('closed');
  }

  private recordFailure(isProbe: boolean): void {
    this.consecutiveFailures += 1;
    if (isProbe || (this.current === 'closed' && this.consecutiveFailures >= this.options.failureThreshold)) {
      this.openedAt = this.now();
      this.transition('open');
    }
  }

  private remainingOpenMs(): number {
    return Math.max(0, this.openedAt + this.options.openMs - this.now());
  }

  private transition(next: CircuitState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    for (const listener of [...this.listeners]) {
      try {
        listener(next, previous);
      } catch {
        // A listener (metrics, logs) must never break the call path.
      }
    }
  }
}
