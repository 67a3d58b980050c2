/**
 * Fault: the api process gets SIGTERM in the middle of an Okta burst (a rolling deploy). It
 * stops taking connections, finishes what it accepted and exits 0. Every write it answered 2xx
 * is in Redis afterwards and, once a worker runs, in Secret Server.
 */
import type { RunningBridge } from '../../src/lifecycle/bridge-process';
import { createSimulator } from '../../simulator/simulator-app';
import { TEST_SCIM_TOKEN, type Simulator } from '../support/bridge-harness';
import { BridgeChild, spawnBridge } from '../support/bridge-child';
import { expectConverged } from '../support/convergence';
import { oktaUser, pool, sized, uniqueEmail } from '../support/fault-mode';
import { startWorkerInProcess, systemOfWorker } from '../support/in-process-worker';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis';

const BURST = sized(1000, 200);

describe('the api sent SIGTERM during a burst', () => {
  const prefix = uniquePrefix('sigterm');
  let simulator: Simulator;
  let closeSimulator: () => Promise<void>;
  let simulatorUrl: string;
  let api: BridgeChild | undefined;
  let worker: RunningBridge | undefined;

  beforeAll(async () => {
    simulator = createSimulator();
    const listening = await simulator.listen(0);
    simulatorUrl = listening.url;
    closeSimulator = listening.close;
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await closeSimulator();
    const redis = connectRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it(
    `when SIGTERM arrives a third into a ${BURST}-request burst, then every 2xx is kept and provisioned`,
    async () => {
      const startedAt = Date.now();
      api = await spawnBridge({ role: 'api', redisUrl: TEST_REDIS_URL, prefix, secretServerUrl: simulatorUrl, env: { SHUTDOWN_TIMEOUT_MS: '15000' } });
      const scimUrl = api.scimUrl!;
      const accepted: string[] = [];
      const outcomes: Record<string, number> = {};
      let answered = 0;
      let signalled = false;

      await pool(
        Array.from({ length: BURST }, (_, i) => uniqueEmail(`sigterm${i}`)),
        24,
        async (email) => {
          let outcome: string;
          try {
            const res = await fetch(`${scimUrl}/Users`, {
              method: 'POST',
              headers: { Authorization: `Bearer ${TEST_SCIM_TOKEN}`, 'Content-Type': 'application/scim+json' },
              body: JSON.stringify(oktaUser(email)),
            });
            const body = (await res.json().catch(() => ({}))) as { id?: string };
            outcome = String(res.status);
            if (res.status >= 200 && res.status < 300 && body.id) accepted.push(body.id);
          } catch {
            outcome = 'no answer'; // refused or cut: Okta retries these
          }
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (++answered === Math.floor(BURST / 3) && !signalled) {
            signalled = true;
            api!.signal('SIGTERM');
          }
        },
      );
      const exit = await api.exited;

      expect(exit).toEqual({ code: 0, signal: null });
      expect(api.output.some((l) => l.includes('"message":"stopped"'))).toBe(true);
      expect(accepted.length).toBeGreaterThanOrEqual(Math.floor(BURST / 3));
      // Nothing but 201 and "no answer": a request is either taken whole or refused.
      expect(Object.keys(outcomes).filter((o) => o !== '201' && o !== 'no answer')).toEqual([]);

      worker = await startWorkerInProcess({ redisUrl: TEST_REDIS_URL, prefix, simulatorUrl });
      const stored = await worker.container.store.getMany('User', accepted);
      expect(accepted.filter((id, i) => stored[i] === null)).toEqual([]);

      const report = await expectConverged(systemOfWorker(worker, simulator), {
        name: `api SIGTERM during ${BURST} requests`,
        changes: accepted.length,
        startedAt,
        timeoutMs: 60_000,
      });
      expect(report.users).toBeGreaterThanOrEqual(accepted.length);
    },
    sized(180_000, 90_000),
  );
});
