import type Redis from 'ioredis';
import crypto from 'node:crypto';
import { STATIC_TOKEN_ID, TokenService } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

const prefix = uniquePrefix('tokens');
const keys = redisKeys(prefix);
let redis: Redis;
let store: RedisTokenStore;

beforeAll(() => {
  redis = connectRedis();
  store = new RedisTokenStore(redis, keys);
});

afterEach(() => deletePrefix(redis, prefix));

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

/** A clock the test moves by hand. */
function manualClock(start = Date.now()) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Every value stored under the prefix, as text: keys, strings, hash fields and values. */
async function dumpPrefix(): Promise<string> {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    for (const key of found) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else parts.push(`unexpected type ${type}`);
    }
    cursor = next;
  } while (cursor !== '0');
  return parts.join('\n');
}

describe('TokenService', () => {
  it('when a token is created, then it verifies as its id and has the scb_ form', async () => {
    const service = new TokenService(store);
    const { id, token, name } = await service.create('okta');
    expect(name).toBe('okta');
    expect(token).toMatch(/^scb_[A-Za-z0-9_-]{43}$/);
    expect(await service.verify(token)).toEqual({ tokenId: id });
  });

  it('when tokens are listed, then neither the token nor its hash appears', async () => {
    const service = new TokenService(store);
    const { id, token } = await service.create('okta');
    const stored = await store.get(id);
    const listed = await service.list();
    expect(listed).toEqual([{ id, name: 'okta', type: 'bearer', createdAt: stored?.createdAt }]);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(token);
    expect(text).not.toContain(stored?.hash);
    expect(listed[0]).not.toHaveProperty('hash');
  });

  it('when tokens are created and rotated, then Redis holds no plaintext token anywhere under the prefix', async () => {
    const service = new TokenService(store);
    const first = await service.create('okta');
    const second = await service.rotate(first.id, 60_000);
    const third = await service.rotate(second.id, 0);
    const dump = await dumpPrefix();
    expect(dump).toContain(first.id);
    for (const { token } of [first, second, third]) {
      expect(dump).not.toContain(token);
      expect(dump).not.toContain(token.slice(4)); // not even without its prefix
    }
  });

  it('when a token is rotated with a grace period, then the old one works until the grace ends and fails after', async () => {
    const clock = manualClock();
    const service = new TokenService(store, { clock: clock.now });
    const old = await service.create('okta');
    const rotated = await service.rotate(old.id, 3_600_000);

    expect(rotated.name).toBe('okta');
    expect(rotated.previousId).toBe(old.id);
    expect(rotated.previousExpiresAt).toBe(new Date(clock.now() + 3_600_000).toISOString());
    expect(await service.verify(old.token)).toEqual({ tokenId: old.id });
    expect(await service.verify(rotated.token)).toEqual({ tokenId: rotated.id });

    clock.advance(3_600_000);
    expect(await service.verify(old.token)).toBeNull();
    expect(await service.verify(rotated.token)).toEqual({ tokenId: rotated.id });
    expect(await store.get(old.id)).toMatchObject({ replacedBy: rotated.id, expiresAt: rotated.previousExpiresAt });
  });

  it('when a short grace passes in real time, then Redis drops the lookup key and the old token fails', async () => {
    const service = new TokenService(store);
    const old = await service.create('okta');
    await service.rotate(old.id, 300);
    const hash = (await store.get(old.id))?.hash ?? '';
    expect(await redis.pttl(keys.tokenByHash(hash))).toBeGreaterThan(0);
    expect(await service.verify(old.token)).toEqual({ tokenId: old.id });

    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await redis.exists(keys.tokenByHash(hash))).toBe(0);
    expect(await service.verify(old.token)).toBeNull();
  });

  it('when a token is rotated with grace 0, then the old one fails at once and the new one works', async () => {
    const service = new TokenService(store);
    const old = await service.create('okta');
    const rotated = await service.rotate(old.id, 0);
    expect(await service.verify(old.token)).toBeNull();
    expect(await service.verify(rotated.token)).toEqual({ tokenId: rotated.id });
  });

  it('when a token in its grace period is rotated again, then its expiry does not move later', async () => {
    const service = new TokenService(store);
    const old = await service.create('okta');
    const first = await service.rotate(old.id, 60_000);
    await expect(service.rotate(old.id, 3_600_000)).resolves.toMatchObject({ previousExpiresAt: first.previousExpiresAt });
  });

  it('when a token is revoked, then it fails at once, stays listed as expired, and cannot be rotated', async () => {
    const service = new TokenService(store);
    const { id, token } = await service.create('okta');
    const other = await service.create('other');
    const revoked = await service.revoke(id);
    expect(revoked.expiresAt).toBeDefined();
    expect(await service.verify(token)).toBeNull();
    expect(await service.verify(other.token)).toEqual({ tokenId: other.id });
    expect((await service.list()).find((t) => t.id === id)?.expiresAt).toBe(revoked.expiresAt);
    await expect(service.rotate(id, 0)).rejects.toThrow('already stopped working');
  });

  it('when an unknown id is rotated or revoked, then a not-found error names it', async () => {
    const service = new TokenService(store);
    await expect(service.rotate('nope', 0)).rejects.toMatchObject({ statusCode: 404, message: 'token nope not found' });
    await expect(service.revoke('nope')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('when the static token is configured, then it is accepted as "static" and cannot be rotated or revoked', async () => {
    const service = new TokenService(store, { staticToken: 'static-secret-value' });
    expect(await service.verify('static-secret-value')).toEqual({ tokenId: STATIC_TOKEN_ID });
    expect(await service.verify('static-secret-valuE')).toBeNull();
    await expect(service.revoke(STATIC_TOKEN_ID)).rejects.toThrow('SCIM_TOKEN');
    await expect(service.rotate(STATIC_TOKEN_ID, 0)).rejects.toThrow('SCIM_TOKEN');
  });

  it('when no static token is configured, then an empty or arbitrary token is rejected', async () => {
    const service = new TokenService(store, { staticToken: '' });
    expect(await service.verify('')).toBeNull();
    expect(await service.verify('static')).toBeNull();
  });

  it('when a wrong token is presented, then verify returns null', async () => {
    const service = new TokenService(store);
    const { token } = await service.create('okta');
    expect(await service.verify(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await service.verify('scb_' + 'A'.repeat(43))).toBeNull();
    expect(await service.verify('Bearer ' + token)).toBeNull();
  });

  it('when the lookup key points at a record whose hash differs, then verify returns null', async () => {
    const service = new TokenService(store);
    const victim = await service.create('victim');
    const attacker = 'scb_' + 'x'.repeat(43);
    await redis.set(keys.tokenByHash(crypto.createHash('sha256').update(attacker).digest('hex')), victim.id);
    expect(await service.verify(attacker)).toBeNull();
  });

  it('when a token is verified many times, then nothing is written until flushLastUsed, which writes one batch', async () => {
    const clock = manualClock();
    const service = new TokenService(store, { clock: clock.now });
    const a = await service.create('a');
    const b = await service.create('b');
    const recordLastUsed = jest.spyOn(store, 'recordLastUsed');

    for (let i = 0; i < 20; i++) {
      clock.advance(1000);
      await service.verify(i % 2 ? a.token : b.token);
    }
    expect(recordLastUsed).not.toHaveBeenCalled();
    expect((await store.get(a.id))?.lastUsedAt).toBeUndefined();

    await service.flushLastUsed();
    expect(recordLastUsed).toHaveBeenCalledTimes(1);
    expect((await store.get(a.id))?.lastUsedAt).toBe(new Date(clock.now()).toISOString());
    expect((await store.get(b.id))?.lastUsedAt).toBe(new Date(clock.now() - 1000).toISOString());

    await service.flushLastUsed();
    expect(recordLastUsed).toHaveBeenCalledTimes(1); // nothing new, no write
    recordLastUsed.mockRestore();
  });

  it('when the service is started, then last-used times are flushed on the interval and stop() flushes the rest', async () => {
    const service = new TokenService(store, { lastUsedFlushMs: 50 });
    const { id, token } = await service.create('okta');
    service.start();
    try {
      await service.verify(token);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await store.get(id))?.lastUsedAt).toBeDefined();
    } finally {
      await service.stop();
    }
    const other = await service.create('other');
    await service.verify(other.token);
    await service.stop();
    expect((await store.get(other.id))?.lastUsedAt).toBeDefined();
  });

  it('when a flush fails, then the batch is kept for the next flush', async () => {
    const service = new TokenService(store);
    const { id, token } = await service.create('okta');
    await service.verify(token);
    const failOnce = jest.spyOn(store, 'recordLastUsed').mockRejectedValueOnce(new Error('redis down'));
    await expect(service.flushLastUsed()).rejects.toThrow('redis down');
    await service.flushLastUsed();
    expect((await store.get(id))?.lastUsedAt).toBeDefined();
    failOnce.mockRestore();
  });

  it('when a name is blank or has control characters, then create refuses it', async () => {
    const service = new TokenService(store);
    await expect(service.create('  ')).rejects.toMatchObject({ statusCode: 400 });
    await expect(service.create('a\nb')).rejects.toMatchObject({ statusCode: 400 });
  });

  it('when a token expired more than 30 days ago, then the next create drops its record', async () => {
    const clock = manualClock();
    const service = new TokenService(store, { clock: clock.now });
    const old = await service.create('old');
    await service.revoke(old.id);
    clock.advance(31 * 24 * 3600_000);
    await service.create('new');
    expect(await store.get(old.id)).toBeUndefined();
  });
});

describe('RedisTokenStore', () => {
  const record = { id: 'abc', name: 'okta', type: 'bearer' as const, hash: 'f'.repeat(64), createdAt: '2024-01-01T00:00:00.000Z' };

  it('when an id is taken, then create refuses to overwrite it', async () => {
    expect(await store.create(record)).toBe(true);
    expect(await store.create({ ...record, name: 'other' })).toBe(false);
    expect((await store.get('abc'))?.name).toBe('okta');
  });

  it('when last-used times are recorded, then they only move forward, keep expiresAt and skip unknown ids', async () => {
    await store.create(record);
    const expiry = new Date(Date.now() + 60_000);
    await store.setExpiry('abc', expiry, 'def');
    await store.recordLastUsed(
      new Map([
        ['abc', '2024-02-01T00:00:00.000Z'],
        ['gone', '2024-02-01T00:00:00.000Z'],
      ]),
    );
    await store.recordLastUsed(new Map([['abc', '2024-01-15T00:00:00.000Z']]));
    expect(await store.get('abc')).toEqual({ ...record, expiresAt: expiry.toISOString(), replacedBy: 'def', lastUsedAt: '2024-02-01T00:00:00.000Z' });
    expect(await store.get('gone')).toBeUndefined();
  });

  it('when a record is deleted, then its lookup key goes with it', async () => {
    await store.create(record);
    expect(await store.findIdByHash(record.hash)).toBe('abc');
    expect(await store.delete('abc')).toBe(true);
    expect(await store.findIdByHash(record.hash)).toBeUndefined();
    expect(await store.delete('abc')).toBe(false);
  });
});
