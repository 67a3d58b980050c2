import Redis, { RedisOptions } from 'ioredis';
import type { BridgeConfig } from '../config/config-schema';

/**
 * Every Redis connection of the process, from one place: a plain URL, or Redis Sentinel when
 * REDIS_SENTINELS is set (the URL then only carries the password, db and TLS choice, and the
 * primary is discovered through the sentinels under REDIS_SENTINEL_NAME).
 */
export function createRedis(config: BridgeConfig['redis'], options: RedisOptions = {}): Redis {
  if (!config.sentinels) return new Redis(config.url, options);
  const url = new URL(config.url);
  return new Redis({
    sentinels: config.sentinels.split(',').map((entry) => {
      const [host, port] = entry.trim().split(':');
      return { host, port: Number(port || 26379) };
    }),
    name: config.sentinelName,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    ...options,
  });
}
