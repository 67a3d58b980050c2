/**
 * Fault: the worker process is killed with SIGKILL again and again during a burst, and
 * restarted each time. What it was doing is recovered by BullMQ's stalled-job check, the dirty
 * sweeper and the per-resource lock: at the end every user is in Secret Server exactly once.
 * The api and the simulator run in this process; each worker is a real child (src/main.ts).
 * Full mode adds a crash loop: the jobs cut by one kill are cut again when they are re-run.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { BridgeChild, spawnBridge } from '../support/bridge-child';
import { expectConverged, systemOf } from '../support/convergence';
import { FAULTS_FULL, oktaUser, pool, sized, sleep, uniqueEmail } from '../support/fault-mode';
import { pushWorkload } from '../support/fault-workload';
import { TEST_REDIS_URL } from '../support/redis';

const USERS = sized(1000, 150);
const KILLS = sized(10, 3);

describe('the worker killed with SIGKILL during a burst', () => {
  let h: Harness;
  let worker: BridgeChild | undefined;
  const exits: Array<{ code: number | null; signal: string | null }> = [];

  const startWorker = async () => {
    worker = await spawnBridge({
      role: 'worker',
      redisUrl: TEST_REDIS_URL,
      prefix: h.prefix,
      secretServerUrl: h.simulatorUrl,
      env: { WORKER_CONCURRENCY: '8', JOB_BACKOFF_MS: '100', SS_TIMEOUT_MS: '5000' },
    });
    // Up when its BullMQ connection is registered.
    const deadline = Date.now() + 30_000;
    while ((await h.bridge.container.queue.provision.getWorkersCount()) === 0) {
      if (Date.now() > deadline) throw new Error(`the worker did not connect:\n${worker.output.join('\n')}`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    // Some latency, so that jobs are in flight (between a Secret Server write and markSynced) when the kill lands.
    h = await startHarness({ role: 'api', log: { level: 'warn' } }, { knobs: { latencyMs: 15, latencyJitterMs: 30 } });
  });
  afterAll(async () => {
    await worker?.stop();
    await h.stop();
  });

  it(`when the worker is killed -9 ${KILLS} times during a ${USERS}-user burst, then every user is in Secret Server exactly once`, async () => {
    const startedAt = Date.now();
    await startWorker();
    const push = pushWorkload(h, { users: USERS, perSecond: 30, label: 'sigkill' });
    let caughtMidJob = 0;

    for (let kill = 0; kill < KILLS; kill++) {
      // Let the worker get busy, then kill it in the middle of whatever it is doing.
      const callsBefore = h.simulator.stats.total;
      const busyBy = Date.now() + 10_000;
      while (h.simulator.stats.total - callsBefore < 20 && Date.now() < busyBy) await sleep(50);
      await sleep(Math.floor(Math.random() * 300));
      worker!.signal('SIGKILL');
      exits.push(await worker!.exited);
      // Jobs the dead worker held: only BullMQ's stalled-job check can give them back.
      caughtMidJob += (await h.bridge.container.queue.provision.getJobCounts('active')).active;
      await startWorker();
    }
    const pushed = await push;

    expect(exits).toEqual(Array.from({ length: KILLS }, () => ({ code: null, signal: 'SIGKILL' })));
    expect(pushed.statuses[201]).toBe(USERS + 1);
    expect(caughtMidJob).toBeGreaterThan(0);
    // Recovery waits for BullMQ's stalled-job check: the killed job's lock (30 s) must run out
    // and two checks (every 30 s) must see it; the per-resource lease (30 s) runs out meanwhile.
    await expectConverged(systemOf(h), {
      name: `worker SIGKILL x${KILLS} (${caughtMidJob} jobs cut mid-flight), ${USERS} users`,
      changes: pushed.changes,
      startedAt,
      timeoutMs: 240_000,
    });
    expect(worker!.output.filter((l) => /"level":"error"/.test(l))).toEqual([]);
  }, 420_000);

  // Two stalled-job recoveries take BullMQ at least a minute each, so only `npm run test:faults` runs this.
  (FAULTS_FULL ? it : it.skip)(
    'when the worker crash-loops, killed again while it re-runs the jobs cut last time, then they still land once',
    async () => {
      const startedAt = Date.now();
      const queue = h.bridge.container.queue.provision;
      // Slow calls keep every job in flight for seconds, so each kill cuts some, again and again.
      h.simulator.setKnobs({ latencyMs: 1000, latencyJitterMs: 0 });
      await worker?.stop();
      await startWorker();
      let changes = 0;
      await pool(
        Array.from({ length: 40 }, (_, i) => uniqueEmail(`crashloop${i}`)),
        16,
        async (email) => {
          if ((await h.scim('POST', '/Users', oktaUser(email))).status === 201) changes++;
        },
      );
      let kills = 0;
      let callsAtStart = h.simulator.stats.total;
      while (Date.now() - startedAt < 150_000) {
        if (h.simulator.stats.total > callsAtStart) {
          worker!.signal('SIGKILL');
          exits.push(await worker!.exited);
          kills++;
          await startWorker();
          callsAtStart = h.simulator.stats.total;
        }
        await sleep(250);
      }
      h.simulator.setKnobs({ latencyMs: 15, latencyJitterMs: 30 });

      await expectConverged(systemOf(h), { name: `worker crash loop, ${kills} kills, 40 users`, changes, startedAt, timeoutMs: 240_000 });
      // The point of the scenario: some job lost its worker more than once (BullMQ's default allows one).
      const completed = await queue.getCompleted(0, 999);
      expect(Math.max(...completed.map((j) => j.stalledCounter ?? 0))).toBeGreaterThanOrEqual(2);
    },
    480_000,
  );
});
