/**
 * The Redis namespace of one `npm run demo` run, and its removal. Used by scripts/demo.ts only.
 *
 * Every key the bridge writes is `<prefix>:...` (src/store/redis-keys.ts) and BullMQ's are
 * `<prefix>:bull:<queue>:...` (`bullPrefix` in src/queue/queue-registry.ts), so `<prefix>:*` is all of a run.
 */
import crypto from 'node:crypto';
import { underPrefix, unlinkMatching } from '../src/store/key-scan';
import type { RedisConnection } from '../src/store/redis-connection';

/**
 * A prefix no other run, and no `npm start`, uses: random, so two demos side by side (or one
 * killed with SIGKILL, whose keys stay behind) never see each other's users.
 */
export function demoPrefix(random: string = crypto.randomBytes(6).toString('hex')): string {
  return `scimbridge-demo-${random}`;
}

/** The banner line naming where this run's keys live, and that the configured prefix is left alone. */
export function prefixBannerLine(prefix: string, configuredPrefix: string, configuredExplicitly: boolean): string {
  const untouched = configuredExplicitly
    ? `REDIS_PREFIX "${configuredPrefix}" is not used by the demo and stays untouched`
    : `npm start's "${configuredPrefix}:*" stays untouched`;
  return `Redis keys of this run    ${prefix}:*  (deleted when the demo stops; ${untouched})`;
}

/** The shell line that does what deleteKeysUnder does, for when the demo could not. */
export function manualCleanupHint(prefix: string): string {
  return `redis-cli --scan --pattern '${underPrefix(prefix)}' | xargs -r redis-cli unlink`;
}

/**
 * Deletes every key under `<prefix>:` and returns how many were removed. SCAN walks the keyspace
 * in small steps instead of blocking Redis the way KEYS does, and UNLINK frees the memory in the
 * background (https://redis.io/docs/latest/commands/scan/, https://redis.io/docs/latest/commands/unlink/).
 * SCAN only promises the keys that exist for the whole iteration, so passes repeat (at most
 * three) until one finds nothing: a key written while the first pass ran is not left behind.
 */
export async function deleteKeysUnder(redis: RedisConnection, prefix: string): Promise<number> {
  const pattern = underPrefix(prefix);
  let removed = 0;
  for (let pass = 0; pass < 3; pass++) {
    const found = await unlinkMatching(redis, pattern);
    removed += found;
    if (found === 0) break;
  }
  return removed;
}
