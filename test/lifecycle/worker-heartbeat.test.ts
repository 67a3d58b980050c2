/**
 * The worker heartbeat against the real Redis: written at once with its TTL, refreshed, removed on
 * stop, quiet about a Redis that is gone; and started by startBridge wherever workers run.
 */
import os from 'node:os';
import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import { createLogger, type Logger } from '../../src/logging/logger';
import { HEARTBEAT_TTL_S, WorkerHeartbeat, heartbeatKey, hostHeartbeatPattern, type HeartbeatValue } from '../../src/lifecycle/worker-heartbeat';
import { startHarness } from '../support/bridge-harness';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { logger: createLogger({ level: 'info', format: 'json', stream, silentConsole: true }), lines };
}

describe('WorkerHeartbeat', () => {
  const prefix = uniquePrefix('heartbeat');
  let redis: Redis;

  beforeAll(() => {
    redis = connectRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('when started, then it writes <prefix>:worker:heartbeat:<hostname>-<pid> at once, with its TTL and who wrote it', async () => {
    const heartbeat = new WorkerHeartbeat(redis, prefix, capturingLogger().logger);
    heartbeat.start();
    try {
      const key = `${prefix}:worker:heartbeat:${os.hostname()}-${process.pid}`;
      expect(heartbeat.key).toBe(key);
      await sleep(50);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(HEARTBEAT_TTL_S - 3);
      expect(ttl).toBeLessThanOrEqual(HEARTBEAT_TTL_S);
      const value = JSON.parse((await redis.get(key))!) as HeartbeatValue;
      expect(value).toEqual({ hostname: os.hostname(), pid: process.pid, startedAt: expect.any(String), at: expect.any(String) });
      expect(Date.now() - Date.parse(value.at)).toBeLessThan(2000);
    } finally {
      await heartbeat.stop();
    }
  });

  it('when time passes, then it writes again every interval, and a key nobody refreshes expires after the TTL', async () => {
    const heartbeat = new WorkerHeartbeat(redis, prefix, capturingLogger().logger, { intervalMs: 100, ttlS: 1, hostname: 'refresh-host', pid: 7 });
    heartbeat.start();
    await sleep(50);
    const first = JSON.parse((await redis.get(heartbeat.key))!) as HeartbeatValue;
    await sleep(1500);
    const later = JSON.parse((await redis.get(heartbeat.key))!) as HeartbeatValue;
    expect(Date.parse(later.at)).toBeGreaterThan(Date.parse(first.at) + 1000);
    expect(later.startedAt).toBe(first.startedAt);

    // A process that hangs stops writing; the key is gone within the TTL (stop() not called here).
    clearInterval((heartbeat as unknown as { timer: NodeJS.Timeout }).timer);
    await sleep(1300);
    expect(await redis.exists(heartbeat.key)).toBe(0);
  });

  it('when stopped, then its key is removed and nothing is written afterwards', async () => {
    const heartbeat = new WorkerHeartbeat(redis, prefix, capturingLogger().logger, { intervalMs: 50, hostname: 'stop-host', pid: 8 });
    heartbeat.start();
    await sleep(80);
    expect(await redis.exists(heartbeat.key)).toBe(1);
    await heartbeat.stop();
    expect(await redis.exists(heartbeat.key)).toBe(0);
    await sleep(150);
    expect(await redis.exists(heartbeat.key)).toBe(0);
  });

  it('when Redis cannot be written, then it keeps trying without throwing and warns once, not on every beat', async () => {
    // What ioredis answers while the connection is down and its offline queue is off.
    const refused = () => Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    let writes = 0;
    const down = { set: () => (writes++, refused()), del: refused } as unknown as Redis;
    const { logger, lines } = capturingLogger();
    const heartbeat = new WorkerHeartbeat(down, prefix, logger, { intervalMs: 20, hostname: 'down-host', pid: 9 });
    heartbeat.start();
    await sleep(200);
    await heartbeat.stop();
    expect(writes).toBeGreaterThan(3);
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; message: string }).filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(/^worker heartbeat not written: /);
  });

  it('the pattern the healthcheck scans matches every pid of one host and nothing else, with glob characters taken literally', () => {
    expect(hostHeartbeatPattern('scimbridge', 'web-1')).toBe('scimbridge:worker:heartbeat:web-1-*');
    expect(hostHeartbeatPattern('p', 'a*b?[c]')).toBe('p:worker:heartbeat:a\\*b\\?\\[c\\]-*');
    expect(heartbeatKey('p', 'web-1-42')).toBe('p:worker:heartbeat:web-1-42');
  });
});

describe('startBridge and the heartbeat', () => {
  const key = (prefix: string) => heartbeatKey(prefix);

  it('when workers run (BRIDGE_ROLE all), then the heartbeat is in Redis, and it is gone once the bridge stopped', async () => {
    const h = await startHarness({ role: 'all', log: { level: 'error' } });
    const redis = connectRedis();
    try {
      expect(await redis.exists(key(h.prefix))).toBe(1);
      await h.bridge.stop();
      expect(await redis.exists(key(h.prefix))).toBe(0);
    } finally {
      await h.stop();
      redis.disconnect();
    }
  });

  it('when BRIDGE_ROLE is worker, then it writes the heartbeat; when it is api, then there is none', async () => {
    const worker = await startHarness({ role: 'worker', log: { level: 'error' } });
    const api = await startHarness({ role: 'api', log: { level: 'error' } });
    const redis = connectRedis();
    try {
      expect(await redis.exists(key(worker.prefix))).toBe(1);
      expect(await redis.exists(key(api.prefix))).toBe(0);
    } finally {
      await worker.stop();
      await api.stop();
      redis.disconnect();
    }
  });
});
