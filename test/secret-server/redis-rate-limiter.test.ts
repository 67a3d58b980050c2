import type Redis from 'ioredis';
import { RedisRateLimiter } from '../../src/secret-server/redis-rate-limiter';
import { bridgeKeys } from '../../src/store/redis-keys';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

let redis: Redis;
const prefixes: string[] = [];

function prefix(): string {
  const p = uniquePrefix('ss-rate');
  prefixes.push(p);
  return p;
}

/** A clock that only moves when the limiter sleeps. */
function fakeTime(startMs: number) {
  let now = startMs;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
  };
}

beforeAll(() => {
  redis = connectRedis();
});

afterAll(async () => {
  for (const p of prefixes) await deletePrefix(redis, p);
  await redis.quit();
});

describe('RedisRateLimiter', () => {
  it('when the per-second budget is used up, then the next caller waits for the next second', async () => {
    const p = prefix();
    const t = fakeTime(1_700_000_000_250);
    const limiter = new RedisRateLimiter({ redis, prefix: p, secretServer: 'ss', maxRps: 5, now: t.now, sleep: t.sleep });

    for (let i = 0; i < 5; i++) await limiter.acquire();
    expect(t.sleeps).toEqual([]);
    await limiter.acquire();

    expect(t.sleeps).toHaveLength(1);
    expect(t.sleeps[0]).toBeGreaterThanOrEqual(750);
    expect(t.sleeps[0]).toBeLessThan(800);
    const keys = bridgeKeys(p);
    expect(await redis.get(keys.secretServerRate('ss', 1_700_000_000))).toBe('6');
    expect(await redis.get(keys.secretServerRate('ss', 1_700_000_001))).toBe('1');
    const ttl = await redis.ttl(keys.secretServerRate('ss', 1_700_000_001));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2);
  });

  it('when two processes share the prefix, then they share one budget', async () => {
    const p = prefix();
    const t = fakeTime(1_700_000_100_000);
    const a = new RedisRateLimiter({ redis, prefix: p, secretServer: 'ss', maxRps: 4, now: t.now, sleep: t.sleep });
    const b = new RedisRateLimiter({ redis, prefix: p, secretServer: 'ss', maxRps: 4, now: t.now, sleep: t.sleep });

    await Promise.all([a.acquire(), b.acquire(), a.acquire(), b.acquire()]);
    expect(t.sleeps).toEqual([]);
    await b.acquire();

    expect(t.sleeps).toHaveLength(1);
  });

  it('when two directories target different Secret Servers, then each has its own budget', async () => {
    const p = prefix();
    const t = fakeTime(1_700_000_200_000);
    const a = new RedisRateLimiter({ redis, prefix: p, secretServer: 'ss-a', maxRps: 2, now: t.now, sleep: t.sleep });
    const b = new RedisRateLimiter({ redis, prefix: p, secretServer: 'ss-b', maxRps: 2, now: t.now, sleep: t.sleep });

    await Promise.all([a.acquire(), a.acquire(), b.acquire(), b.acquire()]);

    expect(t.sleeps).toEqual([]);
  });

  it('when maxRps is 0, then acquire never touches Redis', async () => {
    const unusable = {
      multi: () => {
        throw new Error('must not be called');
      },
    } as unknown as Redis;
    const limiter = new RedisRateLimiter({ redis: unusable, prefix: prefix(), secretServer: 'ss', maxRps: 0 });

    await expect(limiter.acquire()).resolves.toBeUndefined();
  });

  it('when 9 calls race at 4 per second on the real clock, then they spread over at least three seconds', async () => {
    const limiter = new RedisRateLimiter({ redis, prefix: prefix(), secretServer: 'ss', maxRps: 4 });
    const seconds: number[] = [];

    await Promise.all(
      Array.from({ length: 9 }, async () => {
        await limiter.acquire();
        seconds.push(Math.floor(Date.now() / 1000));
      }),
    );

    const perSecond = new Map<number, number>();
    for (const s of seconds) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    expect(perSecond.size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(4);
  });
});
