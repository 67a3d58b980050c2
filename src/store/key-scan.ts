import type Redis from 'ioredis';
import { isCluster, type RedisConnection } from './redis-connection';

/**
 * Walking the keyspace by pattern: SCAN in steps (ioredis's scanStream) instead of KEYS, which
 * blocks Redis for the whole keyspace (https://redis.io/docs/latest/commands/scan/). SCAN may
 * return a key twice, so callers that count or list see each key once. In a Redis Cluster each
 * master holds its own part of the keyspace and SCAN walks only the node it is sent to, so every
 * master is walked and the results merged
 * (https://github.com/redis/ioredis#running-commands-on-all-nodes).
 */
const SCAN_COUNT = 1000;

/** The connections that together hold every key: the one Redis, or each master of a Cluster. */
function keyspaceNodes(redis: RedisConnection): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/** Every key matching `pattern`, sorted. */
export async function keysMatching(redis: RedisConnection, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  for (const node of keyspaceNodes(redis)) {
    for await (const keys of node.scanStream({ match: pattern, count: SCAN_COUNT })) for (const key of keys as string[]) found.add(key);
  }
  return [...found].sort();
}

/**
 * Removes every key matching `pattern` (UNLINK frees memory off the main thread) and returns how
 * many went. Each batch is unlinked on the node that returned it: the keys of one SCAN batch all
 * live there, whichever slots they hash to, and a multi-key command sent through a Cluster would
 * be refused as CROSSSLOT.
 */
export async function unlinkMatching(redis: RedisConnection, pattern: string): Promise<number> {
  let removed = 0;
  for (const node of keyspaceNodes(redis)) {
    for await (const keys of node.scanStream({ match: pattern, count: SCAN_COUNT })) {
      removed += await unlinkOn(node, keys as string[], isCluster(redis));
    }
  }
  return removed;
}

async function unlinkOn(node: Redis, keys: string[], clustered: boolean): Promise<number> {
  if (keys.length === 0) return 0;
  if (!clustered) return node.unlink(...keys);
  // A cluster node refuses a multi-key command over several slots even when it owns them all.
  const counts = await Promise.all(keys.map((key) => node.unlink(key)));
  return counts.reduce((sum, n) => sum + n, 0);
}

/** `text` as a MATCH pattern that matches only itself: * ? [ ] and \ escaped (https://redis.io/docs/latest/commands/keys/). */
export function literalPattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A MATCH pattern for every key under `prefix:`, the prefix taken literally. */
export function underPrefix(prefix: string): string {
  return `${literalPattern(prefix)}:*`;
}
