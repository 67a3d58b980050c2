import type { RedisConnection } from '../store/redis-connection';
import { bridgeKeys } from '../store/redis-keys';

/** Waits until one more Secret Server call fits in the budget. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

/** For unit tests and single-shot scripts: never waits. */
export const unlimitedRateLimiter: RateLimiter = { acquire: async () => undefined };

export interface RedisRateLimiterOptions {
  redis: RedisConnection;
  /** REDIS_PREFIX. */
  prefix: string;
  /** Which Secret Server the budget is for (directories/directory.ts secretServerIdentity). */
  secretServer: string;
  /** Calls per second to that Secret Server across every process and directory of the prefix; 0 means unlimited. */
  maxRps: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A calls-per-second cap on one Secret Server, shared by every worker process and every directory
 * that targets it: one Redis counter per epoch
 * second (INCR, then EXPIRE so stale seconds vanish). A caller over the cap waits for the next
 * second and tries again. Fixed windows allow a burst of up to 2×maxRps across a second boundary,
 * which Secret Server tolerates; the point is to stop N workers × concurrency from stampeding it.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly keys;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.keys = bridgeKeys(options.prefix);
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async acquire(): Promise<void> {
    if (this.options.maxRps <= 0) return;
    for (;;) {
      const nowMs = this.now();
      const second = Math.floor(nowMs / 1000);
      const key = this.keys.secretServerRate(this.options.secretServer, second);
      const results = await this.options.redis.multi().incr(key).expire(key, 2).exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      const error = results?.[0]?.[0];
      if (error) throw error;
      if (count <= this.options.maxRps) return;
      // Over budget this second: wait for the next one (plus a little jitter so waiters spread out).
      const untilNextSecond = (second + 1) * 1000 - nowMs;
      await this.sleep(untilNextSecond + Math.floor(Math.random() * 20));
    }
  }
}
