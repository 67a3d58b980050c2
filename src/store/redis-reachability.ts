import type { RedisConnection } from './redis-connection';
import type { BridgeConfig } from '../config/config-schema';
import type { Logger } from '../logging/logger';

/**
 * How long ioredis waits between reconnection attempts once its backoff has grown (its own
 * default cap, made explicit so the log line can say it).
 */
export const REDIS_RETRY_INTERVAL_MS = 2_000;

/** ioredis' retryStrategy: 50 ms, 100 ms, ... up to REDIS_RETRY_INTERVAL_MS, forever. */
export const redisRetryStrategy = (times: number): number => Math.min(times * 50, REDIS_RETRY_INTERVAL_MS);

/** Where Redis is, as an operator would write it, with any password replaced. */
export function redisLocation(config: Pick<BridgeConfig['redis'], 'url' | 'sentinels' | 'sentinelName' | 'clusterNodes'>): string {
  // The node lists carry no credentials (host:port only, config-formats.ts); the URL may.
  if (config.clusterNodes.trim() !== '') return `Redis Cluster ${config.clusterNodes}`;
  if (config.sentinels) return `Sentinels ${config.sentinels} (primary ${config.sentinelName})`;
  try {
    const url = new URL(config.url);
    if (url.password) url.password = '***';
    return url.toString().replace(/\/$/, '');
  } catch {
    return 'REDIS_URL';
  }
}

type RedisError = Error & { code?: string; lastNodeError?: RedisError | null };

/** The socket error's code (ECONNREFUSED), also under a Cluster's "Failed to refresh slots cache". */
function reasonOf(err: RedisError): string {
  return err.code ?? (err.lastNodeError ? reasonOf(err.lastNodeError) : err.message);
}

/**
 * Whether this process can reach Redis, from the connections' own events, so that nothing has to
 * send a command (and wait for ioredis to give up on it) to find out. While Redis is unreachable it
 * logs one WARN per retry interval, whatever the number of connections failing, with the socket
 * error's code and no stack: an outage reads as one line repeated, not a wall of traces.
 */
export class RedisReachability {
  private ready = false;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    primary: RedisConnection,
    others: RedisConnection[],
    private readonly location: string,
    private readonly logger: Logger,
    private readonly intervalMs: number = REDIS_RETRY_INTERVAL_MS,
  ) {
    this.ready = primary.status === 'ready';
    primary.on('ready', () => this.markReady());
    // Without a listener ioredis prints unhandled errors; reconnection is automatic. Only the
    // commands connection decides reachability: it alone emits the 'ready' that ends an outage,
    // so an error on another one (BullMQ's, reconnecting a moment later) must not start one.
    // A Cluster emits 'error' only once no node answers (then it closes and reconnects); one
    // node failing is a 'node error' while the others (and, after a failover, its replica) serve.
    primary.on('error', (err: RedisError) => this.markDown(reasonOf(err)));
    for (const connection of others) {
      connection.on('error', (err: RedisError) => {
        if (!this.ready) this.lastError = reasonOf(err);
      });
    }
    for (const connection of [primary, ...others]) {
      connection.on('node error', (err: RedisError) => {
        if (!this.ready) this.lastError = reasonOf(err);
      });
    }
    const lost = () => {
      if (this.ready && !this.closed) this.markDown(this.lastError ?? 'connection closed');
    };
    primary.on('close', lost);
    primary.on('end', lost);
  }

  isReady(): boolean {
    return this.ready;
  }

  /** Why Redis is not reachable, for /readyz and the 503's log line. */
  describe(): string {
    return this.ready ? `connected to ${this.location}` : `cannot reach Redis at ${this.location}: ${this.lastError ?? 'connecting'}`;
  }

  /** Resolves once the commands connection is ready (now, if it is). */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops the reporting (shutdown disconnects on purpose). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private markDown(reason: string): void {
    if (this.closed) return;
    this.ready = false;
    this.lastError = reason;
    if (this.timer) return;
    this.report();
    this.timer = setInterval(() => this.report(), this.intervalMs);
    this.timer.unref();
  }

  private report(): void {
    this.logger.warn(`${this.describe()}; retrying every ${Math.round(this.intervalMs / 1000)} s`, { category: 'redis' });
  }

  private markReady(): void {
    const wasDown = this.timer !== undefined;
    this.ready = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (wasDown) this.logger.info(`reached Redis at ${this.location}`, { category: 'redis' });
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
