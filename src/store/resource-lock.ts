import crypto from 'node:crypto';
import type Redis from 'ioredis';
import type { ResourceKind } from '../domain/resource-types';
import { redisKeys, RedisKeys } from './redis-keys';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * A lease per resource across all worker processes. Jobs for one resource may sit in the queue
 * side by side (one per version); only one converges it at a time, so a user is never created twice.
 * The lease expires by itself if its worker dies.
 */
export class ResourceLock {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly leaseMs = 120_000,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Returns a release function, or null when another worker holds the resource. */
  async tryAcquire(kind: ResourceKind, id: string): Promise<(() => Promise<void>) | null> {
    const key = this.keys.syncLock(kind, id);
    const token = crypto.randomUUID();
    const ok = await this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
    if (ok !== 'OK') return null;
    return async () => {
      await this.redis.eval(RELEASE_LUA, 1, key, token);
    };
  }
}
