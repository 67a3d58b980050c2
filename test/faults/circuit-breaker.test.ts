/**
 * The circuit breaker in front of Secret Server: while Secret Server is down it pauses calls
 * (a few probes, not one call per job and attempt), shows in /metrics and /readyz, and closes by
 * itself when Secret Server is back, with no admin action.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { oktaUser, pool, sized, sleep, uniqueEmail } from '../support/fault-mode';

const JOBS = sized(500, 100);
const ATTEMPTS = 12;
const OUTAGE_MS = sized(30_000, 6_000);

async function circuitGauge(h: Harness): Promise<number> {
  const text = await (await fetch(`${h.bridge.url}/metrics`)).text();
  const match = /^scimbridge_secret_server_circuit_open (\S+)$/m.exec(text);
  if (!match) throw new Error('scimbridge_secret_server_circuit_open is missing from /metrics');
  return Number(match[1]);
}

async function readiness(h: Harness): Promise<{ status: number; secretServer: { ok: boolean; detail?: string } }> {
  const res = await fetch(`${h.bridge.url}/readyz`);
  const body = (await res.json()) as { checks: { secretServer: { ok: boolean; detail?: string } } };
  return { status: res.status, secretServer: body.checks.secretServer };
}

describe('the Secret Server circuit breaker', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' }, worker: { attempts: ATTEMPTS, backoffMs: 100 }, breaker: { failureThreshold: 5, openMs: 1000 } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it(
    `when Secret Server is down with ${JOBS} jobs queued, then calls pause, /metrics and /readyz say so, and it all resumes by itself`,
    async () => {
      const startedAt = Date.now();
      expect((await readiness(h)).status).toBe(200);
      expect(await circuitGauge(h)).toBe(0);

      h.simulator.setKnobs({ outage: true });
      // Idle, with a token cached from the check above: readiness must still see the outage, from its
      // background refresh (a probe never calls Secret Server itself), within a few seconds.
      let idle = await readiness(h);
      for (let i = 0; i < 80 && idle.status !== 503; i++) {
        await sleep(100);
        idle = await readiness(h);
      }
      expect(idle).toMatchObject({ status: 503, secretServer: { ok: false } });
      const outageSeenAt = Date.now();
      const callsBefore = h.simulator.stats.total;
      let changes = 0;
      await pool(
        Array.from({ length: JOBS }, (_, i) => uniqueEmail(`breaker${i}`)),
        16,
        async (email) => {
          if ((await h.scim('POST', '/Users', oktaUser(email))).status === 201) changes++;
        },
      );

      // Sample the ops surfaces through the outage, once the breaker has had time to trip.
      await sleep(1000);
      const samples: Array<{ gauge: number; ready: number; ssOk: boolean; detail?: string }> = [];
      while (Date.now() - outageSeenAt < OUTAGE_MS) {
        const [gauge, ready] = await Promise.all([circuitGauge(h), readiness(h)]);
        samples.push({ gauge, ready: ready.status, ssOk: ready.secretServer.ok, detail: ready.secretServer.detail });
        await sleep(250);
      }
      const callsDuringOutage = h.simulator.stats.total - callsBefore;
      h.simulator.setKnobs({ outage: false });

      expect(changes).toBe(JOBS);
      expect(samples.length).toBeGreaterThan(5);
      // Not ready for as long as Secret Server is down; the gauge says open (1) or probing (0.5).
      expect(samples.filter((s) => s.ready !== 503 || s.ssOk)).toEqual([]);
      expect(samples.filter((s) => s.gauge === 0)).toEqual([]);
      expect(samples.some((s) => s.gauge === 1 && /circuit open/.test(s.detail ?? ''))).toBe(true);
      // A probe per open period, not a call per job and attempt.
      const probesAllowed = Math.ceil(OUTAGE_MS / 1000) * 3 + 10;
      expect(callsDuringOutage).toBeLessThanOrEqual(probesAllowed);
      expect(callsDuringOutage).toBeLessThan((JOBS * ATTEMPTS) / 20);

      // Back with no admin action: the next probe closes the circuit and the queue drains.
      await expectConverged(systemOf(h), {
        name: `circuit breaker, ${OUTAGE_MS / 1000} s outage, ${JOBS} jobs, ${callsDuringOutage} Secret Server calls while down`,
        changes,
        startedAt,
        timeoutMs: 60_000,
      });
      expect(await circuitGauge(h)).toBe(0);
      expect((await readiness(h)).status).toBe(200);
      expect(await h.bridge.admin.listFailed()).toHaveLength(0);
    },
    sized(180_000, 90_000),
  );
});
