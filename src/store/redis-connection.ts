import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { BridgeConfig } from '../config/config-schema';
import { parseHostPort } from '../config/config-formats';

/**
 * A connection the bridge sends commands on: one Redis (plain URL or through Sentinel) or a Redis
 * Cluster. Both speak the same commands; what differs (scans, the node a slot lives on) is handled
 * where it matters (key-scan.ts, replica-acknowledgement.ts).
 */
export type RedisConnection = Redis | Cluster;

/** Whether `connection` is a Redis Cluster (ioredis sets isCluster on both classes). */
export function isCluster(connection: RedisConnection): connection is Cluster {
  return connection.isCluster;
}

/**
 * Every Redis connection of the process, from one place: a plain URL; Redis Sentinel when
 * REDIS_SENTINELS is set (the primary is discovered through the sentinels under
 * REDIS_SENTINEL_NAME); or Redis Cluster when REDIS_CLUSTER_NODES is set (the nodes are seeds, the
 * rest of the cluster is discovered from them). With Sentinel or Cluster the URL only carries the
 * password, username, db (Sentinel) and TLS choice. `options` are written as for one Redis; for a
 * Cluster they are placed where ioredis's Cluster takes them.
 */
export function createRedis(config: BridgeConfig['redis'], options: RedisOptions = {}): RedisConnection {
  if (config.clusterNodes.trim() !== '') return createCluster(config, options);
  if (!config.sentinels) return new Redis(config.url, options);
  return new Redis({
    sentinels: hostPortList(config.sentinels),
    name: config.sentinelName,
    ...credentialsOf(config.url),
    db: dbOf(config.url),
    ...options,
  });
}

function createCluster(config: BridgeConfig['redis'], options: RedisOptions): Cluster {
  // Cluster-level settings (https://github.com/redis/ioredis#cluster): the cluster reconnects and
  // queues while it has no node, and pipelines per node; each node connection gets the rest. A
  // node's own retryStrategy stays ioredis's (none): a node that went away is found again through
  // the cluster's slot refresh, not by dialling its old address forever.
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy, enableReadyCheck, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect,
    enableOfflineQueue,
    enableAutoPipelining,
    enableReadyCheck,
    clusterRetryStrategy: retryStrategy ? (times) => retryStrategy(times) : retryStrategy,
    redisOptions: { ...credentialsOf(config.url), ...nodeOptions },
  };
  return new Cluster(hostPortList(config.clusterNodes), clusterOptions);
}

/** The loader has already refused anything that is not host:port (config-formats.ts). */
function hostPortList(list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((entry) => parseHostPort(entry.trim())!);
}

function credentialsOf(rawUrl: string): Pick<RedisOptions, 'password' | 'username' | 'tls'> {
  const url = new URL(rawUrl);
  return {
    password: url.password ? decodeURIComponent(url.password) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };
}

function dbOf(rawUrl: string): number {
  const { pathname } = new URL(rawUrl);
  return pathname.length > 1 ? Number(pathname.slice(1)) : 0;
}
