import os from 'node:os';
import type { RedisConnection } from '../store/redis-connection';
import type { Logger } from '../logging/logger';
import { literalPattern } from '../store/key-scan';
import { redisKeys } from '../store/redis-keys';

/**
 * A worker process serves no HTTP, so "is it alive and can it reach Redis?" is answered in Redis:
 * every HEARTBEAT_INTERVAL_MS it writes `<prefix>:worker:heartbeat:<hostname>-<pid>` with a TTL
 * of HEARTBEAT_TTL_S. The key exists only while the process keeps writing it; a worker that hangs,
 * dies or loses Redis has none after at most the TTL. `scim-bridge healthcheck` (the image's
 * HEALTHCHECK) reads it for BRIDGE_ROLE=worker.
 *
 * Three intervals per TTL: one missed write (a slow Redis, a long GC pause) does not make a live
 * worker look dead, and a dead one is noticed within half a minute.
 */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TTL_S = 30;

/** What the key holds: who wrote it and when, so the healthcheck can say how fresh it is. */
export interface HeartbeatValue {
  hostname: string;
  pid: number;
  /** When this process started its heartbeat (ISO 8601). */
  startedAt: string;
  /** When this value was written (ISO 8601). */
  at: string;
}

/**
 * The part of the key after `worker:heartbeat:`. The host name first: in a container it is the
 * container's own (Docker sets it to the container id, https://docs.docker.com/engine/network/#ip-address-and-hostname),
 * so a container's healthcheck finds its worker's key and no other container's; the pid tells
 * several workers of one host apart. With host networking every container has the host's name
 * (https://docs.docker.com/engine/network/drivers/host/), so there a healthcheck counts any live
 * worker of that host under the same REDIS_PREFIX.
 */
export function heartbeatInstance(hostname: string = os.hostname(), pid: number = process.pid): string {
  return `${hostname}-${pid}`;
}

export function heartbeatKey(prefix: string, instance: string = heartbeatInstance()): string {
  return redisKeys(prefix).workerHeartbeat(instance);
}

/** SCAN MATCH pattern for every heartbeat of one host, the prefix and host name taken literally. */
export function hostHeartbeatPattern(prefix: string, hostname: string = os.hostname()): string {
  return `${literalPattern(heartbeatKey(prefix, hostname))}-*`;
}

export interface HeartbeatOptions {
  intervalMs?: number;
  ttlS?: number;
  hostname?: string;
  pid?: number;
}

/** Writes this process's heartbeat until stop(); startBridge runs one wherever workers run. */
export class WorkerHeartbeat {
  readonly key: string;
  private readonly intervalMs: number;
  private readonly ttlS: number;
  private readonly hostname: string;
  private readonly pid: number;
  private readonly startedAt = new Date().toISOString();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly logger: Logger,
    options: HeartbeatOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.ttlS = options.ttlS ?? HEARTBEAT_TTL_S;
    this.hostname = options.hostname ?? os.hostname();
    this.pid = options.pid ?? process.pid;
    this.key = heartbeatKey(prefix, heartbeatInstance(this.hostname, this.pid));
  }

  /** Writes at once, then every interval. The timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops writing and removes the key, so a stopping worker is not reported healthy for the rest of the TTL. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
    try {
      await this.redis.del(this.key);
    } catch {
      // Redis is gone: the key expires by itself within the TTL.
    }
  }

  /** One write at a time: a write held up by a slow Redis is not stacked behind by the next tick. */
  private beat(): Promise<void> {
    this.writing ??= this.write().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async write(): Promise<void> {
    const value: HeartbeatValue = { hostname: this.hostname, pid: this.pid, startedAt: this.startedAt, at: new Date().toISOString() };
    try {
      await this.redis.set(this.key, JSON.stringify(value), 'EX', this.ttlS);
      if (this.failing) this.logger.info('worker heartbeat written again', { category: 'lifecycle', key: this.key });
      this.failing = false;
    } catch (err) {
      // Once per outage: Redis's own loss is already logged by the reachability watcher.
      if (!this.failing) this.logger.warn(`worker heartbeat not written: ${(err as Error).message}`, { category: 'lifecycle', key: this.key });
      this.failing = true;
    }
  }
}
