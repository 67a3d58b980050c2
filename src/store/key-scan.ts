import type Redis from 'ioredis';

/**
 * Walking the keyspace by pattern: SCAN in steps (ioredis's scanStream) instead of KEYS, which
 * blocks Redis for the whole keyspace (https://redis.io/docs/latest/commands/scan/). SCAN may
 * return a key twice, so callers that count or list see each key once.
 */
const SCAN_COUNT = 1000;

/** Every key matching `pattern`, sorted. */
export async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  for await (const keys of redis.scanStream({ match: pattern, count: SCAN_COUNT })) for (const key of keys as string[]) found.add(key);
  return [...found].sort();
}

/** Removes every key matching `pattern` (UNLINK frees memory off the main thread) and returns how many went. */
export async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let removed = 0;
  for await (const keys of redis.scanStream({ match: pattern, count: SCAN_COUNT })) {
    if ((keys as string[]).length > 0) removed += await redis.unlink(...(keys as string[]));
  }
  return removed;
}

/** `text` as a MATCH pattern that matches only itself: * ? [ ] and \ escaped (https://redis.io/docs/latest/commands/keys/). */
export function literalPattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A MATCH pattern for every key under `prefix:`, the prefix taken literally. */
export function underPrefix(prefix: string): string {
  return `${literalPattern(prefix)}:*`;
}
