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
    // Every SCIM request asks, and nearly every client has no failures: a plain GET, and the TTL
    // only when a window is running. (A MULTI of GET+TTL on every request was one of the API's
    // largest costs in npm run bench.)
    const failures = Number((await this.redis.get(key)) ?? 0);
    if (failures === 0) return { failures, resetsInSeconds: this.windowSeconds };
    const ttl = await this.redis.ttl(key);
    return { failures, resetsInSeconds: ttl > 0 ? ttl : this.windowSeconds };
  }

  async recordFailure(client: string): Promise<void> {
    const key = this.keys.authFailures(client);
    await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').exec();
  }
}
