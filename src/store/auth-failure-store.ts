import type { RedisConnection } from './redis-connection';
import { redisKeys, RedisKeys } from './redis-keys';

/** Counts failed authentications per client in a fixed window, shared by every api process. */
export class AuthFailureStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly windowSeconds: number,
  ) {
    this.keys = redisKeys(prefix);
  }

  /**
   * Counts one failure and returns the count including it, with the seconds until the window
   * resets. Increment first, compare after: a burst of parallel failures each sees its own count,
   * so the ones past the limit are refused however they interleave.
   */
  async recordFailure(client: string): Promise<{ failures: number; resetsInSeconds: number }> {
    const key = this.keys.authFailures(client);
    const results = await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').ttl(key).exec();
    const failures = Number(results?.[0]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? -1);
    return { failures, resetsInSeconds: ttl > 0 ? ttl : this.windowSeconds };
  }
}
