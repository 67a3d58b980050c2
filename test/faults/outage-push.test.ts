/**
 * Fault: Secret Server goes down in the middle of an Okta push. Okta keeps getting its answers
 * from Redis at once; when Secret Server is back, every change lands, once.
 * Full: 60 s outage during a 2,000-user push. Bounded: 8 s during 200.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { oktaUser, pacedPool, patchOp, sized, sleep, uniqueEmail } from '../support/fault-mode';

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

  it(`when Secret Server is down for ${OUTAGE_MS / 1000} s during a ${USERS}-user push, then every change lands once and Okta never waited`, async () => {
    const startedAt = Date.now();
    const group = await h.scim('POST', '/Groups', { displayName: `Outage ${uniqueEmail('g')}` });
    expect(group.status).toBe(201);
    let changes = 1;
    let slowestMs = 0;
    const statuses: Record<number, number> = {};
    const write = async (method: string, path: string, body: unknown) => {
      const t0 = Date.now();
      const res = await h.scim(method, path, body);
      slowestMs = Math.max(slowestMs, Date.now() - t0);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (res.status < 300) changes++;
      return res;
    };

    // The outage starts a quarter into the push and ends while the push (or its sync) goes on.
    const outageAt = (USERS * 0.25 * 1000) / PUSH_PER_SECOND;
    const outage = (async () => {
      await sleep(outageAt);
      h.simulator.setKnobs({ outage: true });
      await sleep(OUTAGE_MS);
      h.simulator.setKnobs({ outage: false });
    })();

    const emails = Array.from({ length: USERS }, (_, i) => uniqueEmail(`outage${i}`));
    await pacedPool(emails, PUSH_PER_SECOND, 16, async (email, i) => {
      const created = await write('POST', '/Users', oktaUser(email, `Given${i}`, `Family${i}`));
      if (created.status !== 201) return;
      if (i % 10 === 0) await write('PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', value: { active: false } }));
      if (i % 7 === 0) await write('PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', path: 'displayName', value: `Renamed ${i}` }));
      if (i % 5 === 0) await write('PATCH', `/Groups/${group.body.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: created.body.id }] }));
    });
    await outage;

    expect(statuses).toEqual({ 200: expect.any(Number), 201: USERS });
    expect(slowestMs).toBeLessThan(2000);
    await expectConverged(systemOf(h), { name: `outage ${OUTAGE_MS / 1000} s during ${USERS} users`, changes, startedAt, timeoutMs: sized(180_000, 60_000) });
  }, sized(420_000, 120_000));
});
