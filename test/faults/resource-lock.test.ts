/**
 * The per-resource lock that keeps two workers off one Secret Server user: held for as long as
 * its holder works, gone by itself soon after its holder dies (a SIGKILLed worker never releases).
 */
import { redisKeys } from '../../src/store/redis-keys';
import { ResourceLock } from '../../src/store/resource-lock';
import { sleep } from '../support/fault-mode';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

describe('the per-resource lock', () => {
  const redis = connectRedis();
  const prefix = uniquePrefix('lock');
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('when the holder works for several lease periods, then nobody else gets the lock until it releases', async () => {
    const lock = new ResourceLock(redis, prefix, 300);
    const release = await lock.tryAcquire('User', 'long-job');
    expect(release).not.toBeNull();
    for (let i = 0; i < 6; i++) {
      await sleep(150);
      expect(await lock.tryAcquire('User', 'long-job')).toBeNull();
    }
    await release!();
    const next = await lock.tryAcquire('User', 'long-job');
    expect(next).not.toBeNull();
    await next!();
  });

  it('when the holder dies without releasing, then the lease runs out by itself', async () => {
    // A holder that stopped renewing: what a killed worker leaves behind.
    await redis.set(redisKeys(prefix).syncLock('User', 'orphan'), 'dead-worker', 'PX', 300);
    const lock = new ResourceLock(redis, prefix, 300);
    expect(await lock.tryAcquire('User', 'orphan')).toBeNull();
    await sleep(400);
    const release = await lock.tryAcquire('User', 'orphan');
    expect(release).not.toBeNull();
    await release!();
  });
});
