/**
 * Fault: Secret Server goes down in the middle of an Okta push. Okta keeps getting its answers
 * from Redis at once; when Secret Server is back, every change lands, once.
 * Full: 60 s outage during a 2,000-user push. Bounded: 8 s during 200.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { sized, sleep } from '../support/fault-mode';
import { pushWorkload } from '../support/fault-workload';

const USERS = sized(2000, 200);
const OUTAGE_MS = sized(60_000, 8_000);
const PUSH_PER_SECOND = 25;

describe('a Secret Server outage in the middle of a push', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' }, worker: { backoffMs: 100 } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it(
    `when Secret Server is down for ${OUTAGE_MS / 1000} s during a ${USERS}-user push, then every change lands once and Okta never waited`,
    async () => {
      const startedAt = Date.now();
      // The outage starts a quarter into the push and ends while the push (or its sync) goes on.
      const outage = (async () => {
        await sleep((USERS * 0.25 * 1000) / PUSH_PER_SECOND);
        h.simulator.setKnobs({ outage: true });
        await sleep(OUTAGE_MS);
        h.simulator.setKnobs({ outage: false });
      })();
      const push = await pushWorkload(h, { users: USERS, perSecond: PUSH_PER_SECOND, label: 'outage' });
      await outage;

      expect(push.statuses).toEqual({ 200: expect.any(Number), 201: USERS + 1 });
      expect(push.slowestMs).toBeLessThan(2000);
      expect(h.simulator.stats.byStatus['503']).toBeGreaterThan(0);
      await expectConverged(systemOf(h), {
        name: `outage ${OUTAGE_MS / 1000} s during ${USERS} users`,
        changes: push.changes,
        startedAt,
        timeoutMs: sized(180_000, 60_000),
      });
    },
    sized(420_000, 120_000),
  );
});
