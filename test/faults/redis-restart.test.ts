/**
 * Fault: Redis crashes (SIGKILL) in the middle of a push and comes back, with append-only
 * persistence fsynced on every write. Every write answered 2xx before the crash survives it, and
 * everything that survived is provisioned afterwards, once.
 */
import fs from 'node:fs';
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { oktaUser, pacedPool, sized, sleep, uniqueEmail } from '../support/fault-mode';
import { createPrivateRedis, PrivateRedis } from '../support/private-redis';

const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const USERS = sized(1000, 200);
const DOWN_MS = sized(10_000, 3_000);

describe('Redis restarted in the middle of a push', () => {
  let redis: PrivateRedis;
  let h: Harness;

  beforeAll(async () => {
    redis = await createPrivateRedis({ appendonly: true });
    await redis.start();
    h = await startHarness({ redis: { url: redis.url }, log: { level: 'error' }, worker: { backoffMs: 100 } });
  });
  afterAll(async () => {
    await h?.stop();
    await redis?.stop();
    if (redis) fs.rmSync(redis.dir, { recursive: true, force: true });
  });

  it(
    `when Redis is killed and restarted with appendonly during a ${USERS}-user push, then every 2xx survives and is provisioned`,
    async () => {
      const startedAt = Date.now();
      const acceptedBeforeCrash: string[] = [];
      const accepted: string[] = [];
      const outcomes: Record<string, number> = {};
      const bareRefusals: unknown[] = [];
      let crashed = false;

      const crash = (async () => {
        while (accepted.length < USERS / 3) await sleep(20);
        crashed = true;
        acceptedBeforeCrash.push(...accepted);
        await redis.stop('SIGKILL'); // a crash: only what was fsynced survives
        await sleep(DOWN_MS);
        await redis.start();
      })();
      await pacedPool(
        Array.from({ length: USERS }, (_, i) => uniqueEmail(`redis${i}`)),
        sized(40, 30),
        16,
        async (email) => {
          const res = await h.scim('POST', '/Users', oktaUser(email)).catch(() => ({ status: 0, body: undefined, headers: new Headers() }));
          outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
          if (res.status === 201) accepted.push(res.body.id);
          if (res.status === 503 && !(res.body?.schemas?.includes(ERROR_SCHEMA) && Number(res.headers.get('retry-after')) > 0)) bareRefusals.push(res.body);
        },
      );
      await crash;

      expect(crashed).toBe(true);
      // While Redis is away the api refuses writes with 503, a SCIM error and Retry-After ("try
      // again"); it never answers 2xx for what it could not keep.
      expect(outcomes[201]).toBe(accepted.length);
      expect(Object.keys(outcomes).filter((s) => s !== '201' && s !== '503')).toEqual([]);
      expect(bareRefusals).toEqual([]);
      const store = h.bridge.container.store;
      const survivors = await store.getMany('User', accepted);
      expect(acceptedBeforeCrash.filter((id) => !survivors[accepted.indexOf(id)])).toEqual([]);
      expect(accepted.filter((id, i) => !survivors[i])).toEqual([]);

      // A job whose per-resource lock could not be released while Redis was away waits for the
      // lease (30 s) to run out: the timeout allows for it.
      await expectConverged(systemOf(h), {
        name: `Redis SIGKILL + restart (appendonly), ${USERS} users`,
        changes: accepted.length,
        startedAt,
        timeoutMs: 120_000,
      });
    },
    sized(240_000, 120_000),
  );
});
