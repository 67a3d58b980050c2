/**
 * Everything stored under a prefix, as text: every key name and, for every type (string, hash,
 * list, set, sorted set, stream), every field and value. For "no secret anywhere in Redis".
 */
import { keysMatching, underPrefix } from '../../src/store/key-scan';
import type { RedisConnection } from '../../src/store/redis-connection';

export async function dumpPrefix(redis: RedisConnection, prefix: string): Promise<{ keys: number; text: string }> {
  const parts: string[] = [];
  let keys = 0;
  for (const key of await keysMatching(redis, underPrefix(prefix))) {
    keys += 1;
    parts.push(key);
    const type = await redis.type(key);
    switch (type) {
      case 'string':
        parts.push((await redis.get(key)) ?? '');
        break;
      case 'hash':
        parts.push(JSON.stringify(await redis.hgetall(key)));
        break;
      case 'list':
        parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        break;
      case 'set':
        parts.push(JSON.stringify(await redis.smembers(key)));
        break;
      case 'zset':
        parts.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
        break;
      case 'stream':
        parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        break;
      case 'none':
        break; // expired between SCAN and TYPE
      default:
        throw new Error(`unexpected Redis type ${type} at ${key}: extend dumpPrefix`);
    }
  }
  return { keys, text: parts.join('\n') };
}
