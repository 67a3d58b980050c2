import Redis, { RedisOptions } from 'ioredis';
import type { BridgeConfig } from '../config/config-schema';
import { parseHostPort } from '../config/config-formats';

/**
 * Every Redis connection of the process, from one place: a plain URL, or Redis Sentinel when
 * REDIS_SENTINELS is set (the URL then only carries the password, db and TLS choice, and the
 * primary is discovered through the sentinels under REDIS_SENTINEL_NAME).
 */
export function createRedis(config: BridgeConfig['redis'], options: RedisOptions = {}): Redis {
  if (!config.sentinels) return new Redis(config.url, options);
  const url = new URL(config.url);
  return new Redis({
    // The loader has already refused anything that is not host:port (config-formats.ts).
    sentinels: config.sentinels.split(',').map((entry) => parseHostPort(entry.trim())!),
    name: config.sentinelName,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    ...options,
  });
}
