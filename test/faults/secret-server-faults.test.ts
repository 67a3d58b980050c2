/**
 * Faults of Secret Server itself, each under an Okta-like push (fault-workload.ts): a 30% 503
 * rate, 429 storms with Retry-After, latency spikes past the client timeout, and a token that
 * expires every few seconds. Each ends with Secret Server matching the SCIM state exactly.
 */
import type { DeepPartial } from '../../src/config/load-config';
import type { BridgeConfig } from '../../src/config/config-schema';
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { sized, sleep } from '../support/fault-mode';
import { pushWorkload } from '../support/fault-workload';

const PER_SECOND = 25;
const SCENARIO_TIMEOUT = sized(300_000, 90_000);

describe('Secret Server misbehaving during a push', () => {
  let h: Harness | undefined;
  const start = async (overrides: DeepPartial<BridgeConfig> = {}, simulator: Parameters<typeof startHarness>[1] = {}) => {
    h = await startHarness({ log: { level: 'warn' }, worker: { backoffMs: 100 }, ...overrides }, simulator);
    return h;
  };
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it(
    'when 30% of calls are answered 503, then every change still lands once',
    async () => {
      const h = await start();
      const startedAt = Date.now();
      const users = sized(1000, 100);
      h.simulator.setKnobs({ errorRate: 0.3 });
      const push = await pushWorkload(h, { users, perSecond: PER_SECOND, label: 'flaky' });
      await sleep(sized(10_000, 1_000));
      h.simulator.setKnobs({ errorRate: 0 });

      expect(push.statuses[201]).toBe(users + 1);
      expect(h.simulator.stats.byStatus['503']).toBeGreaterThan(users / 10);
      await expectConverged(systemOf(h), { name: `503 on 30% of calls, ${users} users`, changes: push.changes, startedAt });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'when 429 storms with Retry-After hit, then jobs wait as told, spend no attempt and every change lands once',
    async () => {
      // One attempt only: a 429 that spent an attempt would fail its job at once.
      const h = await start({ worker: { attempts: 1 } });
      const startedAt = Date.now();
      const users = sized(1000, 100);
      const stormMs = sized(10_000, 2_500);
      let callsInStorm = 0;
      h.simulator.setKnobs({ rateLimit: { rate: 0.5, retryAfterSeconds: 1 } });
      const storms = (async () => {
        await sleep((users * 500) / PER_SECOND);
        // Then every call is refused for a while, Retry-After given as an HTTP date.
        const before = h.simulator.stats.total;
        h.simulator.setKnobs({ rateLimit: { rate: 1, retryAfterSeconds: 2, httpDate: true } });
        await sleep(stormMs);
        callsInStorm = h.simulator.stats.total - before;
        h.simulator.setKnobs({ rateLimit: null });
      })();
      const push = await pushWorkload(h, { users, perSecond: PER_SECOND, label: 'storm' });
      await storms;

      expect(push.statuses[201]).toBe(users + 1);
      // How many 429s there are depends on when the breaker trips (a handful to hundreds): that there
      // were some, that no job failed with one attempt each, and that nothing was lost is the point.
      expect(h.simulator.stats.byStatus['429']).toBeGreaterThan(0);
      expect(callsInStorm).toBeGreaterThan(0);
      // Told to wait, the bridge waits: a handful of probes, not a call per job.
      expect(callsInStorm).toBeLessThan(Math.max(20, stormMs / 100));
      await expectConverged(systemOf(h), {
        name: `429 storms, ${users} users, ${callsInStorm} calls during a ${stormMs / 1000} s storm of 429s`,
        changes: push.changes,
        startedAt,
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'when Secret Server answers slower than the client timeout for a while, then calls time out, are retried and land once',
    async () => {
      const h = await start({ secretServer: { timeoutMs: 250 } });
      const startedAt = Date.now();
      const users = sized(600, 100);
      h.simulator.setKnobs({ latencyMs: 600 });
      const push = await pushWorkload(h, { users, perSecond: PER_SECOND, label: 'slow' });
      // A timed-out call may still run in a real Secret Server later: keep the spike on until any
      // such call would have run, so none can overtake a newer write after the spike.
      await sleep(sized(10_000, 1_500));
      h.simulator.setKnobs({ latencyMs: 0 });

      expect(push.statuses[201]).toBe(users + 1);
      expect(h.logs.join('\n')).not.toMatch(/"level":"error"/);
      await expectConverged(systemOf(h), { name: `latency 600 ms past a 250 ms timeout, ${users} users`, changes: push.changes, startedAt });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    'when the Secret Server token expires every few seconds and is revoked besides, then the bridge re-authenticates and every change lands once',
    async () => {
      const ttl = sized(5, 2);
      const h = await start({}, { tokenTtlSeconds: ttl, knobs: { latencyMs: 5 } });
      const startedAt = Date.now();
      const users = sized(1000, 150);
      let revoking = true;
      const revoker = (async () => {
        while (revoking) {
          await sleep(3_000);
          h.simulator.expireAllTokens();
        }
      })();
      const push = await pushWorkload(h, { users, perSecond: PER_SECOND, label: 'token' });
      // Calls went on for the whole push: at least one new token per lifetime was needed.
      const pushSeconds = (Date.now() - startedAt) / 1000;
      const grants = h.simulator.stats.count('POST /oauth2/token');
      revoking = false;
      await revoker;

      expect(push.statuses[201]).toBe(users + 1);
      expect(grants).toBeGreaterThanOrEqual(Math.floor(pushSeconds / ttl));
      await expectConverged(systemOf(h), { name: `token expiring every ${ttl} s, ${users} users`, changes: push.changes, startedAt });
    },
    SCENARIO_TIMEOUT,
  );
});
