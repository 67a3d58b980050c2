/** TokenService's Basic credentials (RFC 7617) on the real Redis: issued, verified, rotated, revoked, and kept apart from bearer tokens. */
import type Redis from 'ioredis';
import { TokenService } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

const CREDENTIAL = /^(scb-[0-9a-f]{10}):([A-Za-z0-9_-]{43})$/;
const prefix = uniquePrefix('basic-credentials');
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

function split(token: string): [string, string] {
  const match = CREDENTIAL.exec(token);
  if (!match) throw new Error(`not username:password: ${token}`);
  return [match[1], match[2]];
}

describe('Basic credentials', () => {
  it('when one is created, then its username is scb-<id>, it verifies, and Redis holds only the hash of its password', async () => {
    const service = new TokenService(store);
    const issued = await service.create('okta', 'basic');
    const [username, password] = split(issued.token);
    expect(issued).toMatchObject({ type: 'basic', name: 'okta', username: `scb-${issued.id}` });
    expect(username).toBe(issued.username);
    expect(await service.verifyBasic(username, password)).toEqual({ tokenId: issued.id });
    expect(await service.list()).toEqual([expect.objectContaining({ id: issued.id, type: 'basic' })]);
    const stored = JSON.stringify(await redis.hgetall(keys.tokens()));
    expect(stored).not.toContain(password);
  });

  it('when the password is wrong, the username unknown or malformed, then verifyBasic returns null', async () => {
    const service = new TokenService(store);
    const issued = await service.create('okta', 'basic');
    const [username, password] = split(issued.token);
    expect(await service.verifyBasic(username, password.slice(0, -1) + (password.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(await service.verifyBasic(username, '')).toBeNull();
    expect(await service.verifyBasic('scb-0000000000', password)).toBeNull();
    expect(await service.verifyBasic(username.toUpperCase(), password)).toBeNull();
    expect(await service.verifyBasic(issued.id, password)).toBeNull();
  });

  it('when a bearer token is presented as Basic, or a Basic password as a bearer token, then neither verifies', async () => {
    const service = new TokenService(store);
    const bearer = await service.create('okta');
    const basic = await service.create('okta', 'basic');
    const [, password] = split(basic.token);
    expect(await service.verifyBasic(`scb-${bearer.id}`, bearer.token)).toBeNull();
    expect(await service.verify(password)).toBeNull();
    // Even with the bearer prefix in front, the lookup finds no bearer record of that hash.
    expect(await service.verify(`scb_${password}`)).toBeNull();
  });

  it('when one is rotated with a grace, then the new one has a new username and the old one works until the grace ends', async () => {
    let now = Date.now();
    const service = new TokenService(store, { clock: () => now });
    const old = await service.create('okta', 'basic');
    const rotated = await service.rotate(old.id, 3_600_000);
    expect(rotated).toMatchObject({ type: 'basic', name: 'okta', previousId: old.id, username: `scb-${rotated.id}` });
    expect(rotated.username).not.toBe(old.username);
    expect(await service.verifyBasic(...split(old.token))).toEqual({ tokenId: old.id });
    expect(await service.verifyBasic(...split(rotated.token))).toEqual({ tokenId: rotated.id });
    now += 3_600_000;
    expect(await service.verifyBasic(...split(old.token))).toBeNull();
    expect(await service.verifyBasic(...split(rotated.token))).toEqual({ tokenId: rotated.id });
  });

  it('when one is revoked, then it fails at once', async () => {
    const service = new TokenService(store);
    const issued = await service.create('okta', 'basic');
    await service.revoke(issued.id);
    expect(await service.verifyBasic(...split(issued.token))).toBeNull();
  });

  it('when a verified Basic credential is flushed, then its last-used time is recorded', async () => {
    const service = new TokenService(store);
    const issued = await service.create('okta', 'basic');
    await service.verifyBasic(...split(issued.token));
    await service.flushLastUsed();
    expect((await store.get(issued.id))?.lastUsedAt).toBeDefined();
  });
});

describe('records written before Basic credentials existed', () => {
  it('when a record has no type, then it is a bearer token: it verifies as one and never as Basic', async () => {
    const service = new TokenService(store);
    const issued = await service.create('legacy');
    const json = JSON.parse((await redis.hget(keys.tokens(), issued.id)) ?? '{}') as Record<string, unknown>;
    delete json.type;
    await redis.hset(keys.tokens(), issued.id, JSON.stringify(json));

    expect(await store.get(issued.id)).toMatchObject({ type: 'bearer' });
    expect(await service.verify(issued.token)).toEqual({ tokenId: issued.id });
    expect(await service.verifyBasic(`scb-${issued.id}`, issued.token)).toBeNull();
    const rotated = await service.rotate(issued.id, 0);
    expect(rotated.type).toBe('bearer');
    expect(rotated.token).toMatch(/^scb_/);
  });
});
