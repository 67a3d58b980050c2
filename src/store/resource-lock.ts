import crypto from 'node:crypto';
import type { RedisConnection } from './redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import { redisKeys, RedisKeys } from './redis-keys';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/**
 * A lease per resource across all worker processes. Jobs for one resource may sit in the queue
 * side by side (one per version); only one converges it at a time, so a user is never created twice.
 * The holder renews the lease while it works, so a long job keeps it; if the worker dies the
 * lease runs out by itself within leaseMs, as BullMQ's own job lock (30 s) does.
 */
export class ResourceLock {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly leaseMs = 30_000,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Returns a release function, or null when another worker holds the resource. */
  async tryAcquire(kind: ResourceKind, id: string): Promise<(() => Promise<void>) | null> {
    const key = this.keys.syncLock(kind, id);
    const token = crypto.randomUUID();
    const ok = await this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
    if (ok !== 'OK') return null;
    const renewal = setInterval(
      () => {
        // A missed renewal (Redis briefly away) is retried at the next tick; the lease has two more.
        this.redis.eval(RENEW_LUA, 1, key, token, String(this.leaseMs)).catch(() => undefined);
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    return async () => {
      clearInterval(renewal);
      await this.redis.eval(RELEASE_LUA, 1, key, token);
    };
  }
}
