import type { RedisConnection } from '../store/redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import { redisKeys, type RedisKeys } from '../store/redis-keys';

/** Attempts kept: the console shows them, and an operator acts on the first few. */
export const PROTECTED_ATTEMPTS_KEPT = 100;

/** A sync that would have written to an account the bridge never claims, and what caused it. */
export interface ProtectedAttempt {
  at: string;
  secretServerId: number;
  reason: string;
  /** The SCIM resource whose sync it was, and the request that started that sync. */
  kind: ResourceKind;
  resourceId: string;
  requestId?: string;
  jobId?: string;
}

/**
 * The last attempts on protected accounts (SS_PROTECTED_USERS, the API account, application
 * accounts), newest first, across every resource: one capped Redis list. The overview lists them
 * so an admin sees which Okta assignment points at a break-glass or service account.
 */
export class ProtectedAttempts {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.keys = redisKeys(prefix);
  }

  async record(attempt: ProtectedAttempt): Promise<void> {
    const key = this.keys.protectedAttempts();
    try {
      await this.redis
        .multi()
        .lpush(key, JSON.stringify(attempt))
        .ltrim(key, 0, PROTECTED_ATTEMPTS_KEPT - 1)
        .exec();
    } catch (err) {
      this.logger.warn('protected-account attempt not recorded', { category: 'history', reason: (err as Error).message });
    }
  }

  async recent(limit = PROTECTED_ATTEMPTS_KEPT): Promise<ProtectedAttempt[]> {
    const raw = await this.redis.lrange(this.keys.protectedAttempts(), 0, Math.max(0, Math.min(limit, PROTECTED_ATTEMPTS_KEPT) - 1));
    return raw.flatMap((line) => {
      try {
        return [JSON.parse(line) as ProtectedAttempt];
      } catch {
        return [];
      }
    });
  }
}
