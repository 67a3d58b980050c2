import type Redis from 'ioredis';
import { redisKeys, RedisKeys } from './redis-keys';

/** Counts failed authentications per client in a fixed window, shared by every api process. */
export class AuthFailureStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly windowSeconds: number,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Returns the failures so far in this window and the seconds until it resets. */
  async current(client: string): Promise<{ failures: number; resetsInSeconds: number }> {
    const key = this.keys.authFailures(client);
    const [[, failures], [, ttl]] = (await this.redis.multi().get(key).ttl(key).exec()) as [[unknown, string | null], [unknown, number]];
    return { failures: Number(failures ?? 0), resetsInSeconds: ttl > 0 ? ttl : this.windowSeconds };
  }

  async recordFailure(client: string): Promise<void> {
    const key = this.keys.authFailures(client);
    await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').exec();
  }
}
