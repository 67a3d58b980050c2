import Redis from 'ioredis';
import crypto from 'node:crypto';
import { underPrefix, unlinkMatching } from '../../src/store/key-scan';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique REDIS_PREFIX per test file, so tests share one real Redis without seeing each other. */
export function uniquePrefix(label: string): string {
  return `test-${label}-${crypto.randomBytes(4).toString('hex')}`;
}

export function connectRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  await unlinkMatching(redis, underPrefix(prefix));
}
