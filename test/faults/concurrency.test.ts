/**
 * Concurrency: Okta (or two Okta tasks) sending the same thing at once. One user POSTed 50 times
 * at once is created once; 500 membership PATCHes at once on one group all count.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { expectConverged, systemOf } from '../support/convergence';
import { oktaUser, patchOp, pool, sized, uniqueEmail } from '../support/fault-mode';

const SAME_USER_POSTS = 50;
const MEMBER_PATCHES = sized(500, 200);

describe('concurrent writes', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'warn' } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it(`when one user is POSTed ${SAME_USER_POSTS} times at once, then exactly one 201 and the rest 409 uniqueness`, async () => {
    const startedAt = Date.now();
    const email = uniqueEmail('same.user');
    const answers = await Promise.all(Array.from({ length: SAME_USER_POSTS }, () => h.scim('POST', '/Users', oktaUser(email))));
    const statuses = answers.map((a) => a.status).sort();

    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(SAME_USER_POSTS - 1);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.scimType).toBe('uniqueness');
    const listed = await h.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`);
    expect(listed.body.totalResults).toBe(1);
    await expectConverged(systemOf(h), { name: `${SAME_USER_POSTS} simultaneous POSTs of one user`, changes: 1, startedAt });
  });

  it(`when ${MEMBER_PATCHES} membership PATCHes on one group arrive at once, then SCIM and Secret Server end with exactly those members`, async () => {
    const startedAt = Date.now();
    const ids: string[] = [];
    await pool(
      Array.from({ length: MEMBER_PATCHES }, (_, i) => uniqueEmail(`member${i}`)),
      32,
      async (email) => {
        const res = await h.scim('POST', '/Users', oktaUser(email));
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      },
    );
    const group = await h.scim('POST', '/Groups', { displayName: `Crowd ${uniqueEmail('g')}`, members: [] });
    expect(group.status).toBe(201);

    const answers = await Promise.all(
      ids.map((id) => h.scim('PATCH', `/Groups/${group.body.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: id }] }))),
    );
    const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    expect(byStatus).toEqual({ [answers[0].status]: MEMBER_PATCHES });
    expect([200, 204]).toContain(answers[0].status);

    const members = (await h.scim('GET', `/Groups/${group.body.id}`)).body.members as Array<{ value: string }>;
    expect(members.map((m) => m.value).sort()).toEqual([...ids].sort());
    const report = await expectConverged(systemOf(h), {
      name: `${MEMBER_PATCHES} concurrent membership PATCHes`,
      changes: MEMBER_PATCHES * 2 + 1,
      startedAt,
      timeoutMs: 90_000,
    });
    expect(report.groups).toBe(1);
    const ssGroup = [...h.simulator.state.groups.values()].find((g) => g.name === group.body.displayName)!;
    expect(ssGroup.memberIds.size).toBe(MEMBER_PATCHES);
  }, 120_000);
});
