import crypto from 'node:crypto';
import type { RedisConnection } from './redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import { redisKeys, RedisKeys } from './redis-keys';

const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** KEYS: lock, rerun. ARGV: token, leaseMs, rerunTtlMs. 1: acquired; 0: held, and the holder is asked to converge again. */
const ACQUIRE_OR_ASK_RERUN_LUA = `
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
return 0
`;
/** KEYS: lock, rerun. ARGV: token. Releases the lock and takes the rerun request: 1 when one was there. */
const RELEASE_AND_TAKE_RERUN_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return redis.call('DEL', KEYS[2])
`;
/** A request to converge again outlives any holder that could take it; a stale one costs one more pass. */
const RERUN_TTL_MS = 24 * 3600 * 1000;

/** The holder's side of a lock taken with askRerun. */
export interface CoalescingLease {
  /** Releases the lock; true when another job asked, meanwhile, for the resource to be converged again. */
  releaseAndTakeRerun(): Promise<boolean>;
  /** Releases the lock and leaves any rerun request for the next holder. */
  release(): Promise<void>;
}
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

  /**
   * Like tryAcquire, but a job that finds the lock held leaves a rerun request in the same
   * script, so it can end at once: the holder takes the request when it releases
   * (releaseAndTakeRerun) and converges once more, on what was written meanwhile. Either the
   * holder's release sees the request or the asking job gets the lock: the two scripts cannot
   * interleave, so no change waits behind a holder that has left.
   */
  async tryAcquireCoalescing(kind: ResourceKind, id: string): Promise<CoalescingLease | null> {
    const key = this.keys.syncLock(kind, id);
    const rerunKey = this.keys.syncRerun(kind, id);
    const token = crypto.randomUUID();
    const ok = await this.redis.eval(ACQUIRE_OR_ASK_RERUN_LUA, 2, key, rerunKey, token, String(this.leaseMs), String(RERUN_TTL_MS));
    if (ok !== 1) return null;
    const stopRenewal = this.renew(key, token);
    return {
      releaseAndTakeRerun: async () => {
        stopRenewal();
        return (await this.redis.eval(RELEASE_AND_TAKE_RERUN_LUA, 2, key, rerunKey, token)) === 1;
      },
      release: async () => {
        stopRenewal();
        await this.redis.eval(RELEASE_LUA, 1, key, token);
      },
    };
  }

  private renew(key: string, token: string): () => void {
    const renewal = setInterval(
      () => {
        this.redis.eval(RENEW_LUA, 1, key, token, String(this.leaseMs)).catch(() => undefined);
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    return () => clearInterval(renewal);
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
