/**
 * Issue 4: Okta "Import Now". The simulator is seeded like a real Secret Server (blank and
 * single-word display names, disabled users, groups with members); after an import, Okta-style
 * paging returns every user once with the names Okta requires.
 */
import { Job } from 'bullmq';
import { startHarness, Harness } from '../support/bridge-harness';

const EXT = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';

async function runImport(h: Harness): Promise<Record<string, any>> {
  const jobId = await h.bridge.admin.importNow('cli');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await Job.fromId(h.bridge.container.queue.import, jobId!);
    if (job && (await job.isCompleted())) return job.returnvalue;
    if (job && (await job.isFailed())) throw new Error(`import failed: ${job.failedReason}`);
    if (Date.now() > deadline) throw new Error('import did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pageAll(h: Harness, resource: 'Users' | 'Groups'): Promise<any[]> {
  const all: any[] = [];
  let total = -1;
  for (let start = 1; total === -1 || start <= total; start += 100) {
    const res = await h.scim('GET', `/${resource}?startIndex=${start}&count=100`);
    expect(res.status).toBe(200);
    if (total === -1) total = res.body.totalResults;
    expect(res.body.totalResults).toBe(total);
    all.push(...res.body.Resources);
  }
  return all;
}

describe('import from Secret Server', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ secretServer: { pageSize: 50 } });
    h.simulator.seedUsers(240, { disabledRatio: 0.1, blankDisplayNameRatio: 0.15, singleWordNameRatio: 0.1, seed: 7 });
    h.simulator.state.addUser({ userName: 'no-email-user', displayName: '', emailAddress: null, enabled: true });
    h.simulator.seedGroups(12, { membersPerGroup: 6, synchronizedRatio: 0, seed: 7 });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when the import runs, then an Okta-style paging pass returns every Secret Server user exactly once with names filled', async () => {
    const summary = await runImport(h);
    const people = [...h.simulator.state.users.values()].filter((u) => !u.isApplicationAccount);
    // Secret Server does not enforce unique emails; one email is one SCIM user, the first one wins.
    const keys = new Set(people.map((p) => (p.emailAddress ?? p.userName).toLowerCase()));
    expect(summary.users.created).toBe(keys.size);
    expect(summary.users.created + summary.users.skipped).toBe(people.length + 1);

    const users = await pageAll(h, 'Users');
    expect(users).toHaveLength(keys.size);
    expect(new Set(users.map((u) => u.id)).size).toBe(users.length);
    for (const u of users.filter((x) => x.active)) {
      expect(u.userName).toBeTruthy();
      expect(u.name.givenName).toBeTruthy();
      expect(u.name.familyName).toBeTruthy();
      if (u.userName.includes('@')) {
        expect(u.emails[0]).toMatchObject({ value: u.userName, primary: true, type: 'work' });
      }
    }
    const importedIds = new Set(users.map((u) => u[EXT]?.secretServerUserId));
    const disabled = people.filter((p) => !p.enabled && importedIds.has(p.id)).length;
    expect(disabled).toBeGreaterThan(0);
    expect(users.filter((u) => u.active === false)).toHaveLength(disabled);
    const blank = people.find((p) => p.displayName === '' && p.emailAddress);
    const imported = users.find((u) => u[EXT]?.secretServerUserId === blank!.id);
    expect(imported.name.givenName.length).toBeGreaterThan(0);
  });

  it('when groups are imported, then they come back with their members', async () => {
    const groups = await pageAll(h, 'Groups');
    const simGroups = [...h.simulator.state.groups.values()];
    expect(groups).toHaveLength(simGroups.length);
    const withMembers = simGroups.find((g) => g.memberIds.size > 0)!;
    const scimGroup = groups.find((g) => g.displayName === withMembers.name);
    expect(scimGroup.members).toHaveLength(withMembers.memberIds.size);
  });

  it('when the import runs again, then ids stay the same and nothing is duplicated', async () => {
    const before = (await pageAll(h, 'Users')).map((u) => u.id).sort();
    const summary = await runImport(h);
    expect(summary.users.created).toBe(0);
    const after = (await pageAll(h, 'Users')).map((u) => u.id).sort();
    expect(after).toEqual(before);
  });

  it("when Okta's existence check finds an imported user and pushes to it, then the same Secret Server user is updated, not duplicated", async () => {
    const all = [...h.simulator.state.users.values()];
    const target = all.find(
      (u) => u.enabled && u.emailAddress && !u.isApplicationAccount && all.filter((o) => o.emailAddress === u.emailAddress).length === 1,
    )!;
    const found = await h.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${target.emailAddress!.toUpperCase()}"`)}&startIndex=1&count=100`);
    expect(found.body.totalResults).toBe(1);
    const user = found.body.Resources[0];
    const res = await h.scim('PUT', `/Users/${user.id}`, { ...user, displayName: 'Okta Owned Name', name: { givenName: 'Okta', familyName: 'Owned' } });
    expect(res.status).toBe(200);
    await h.waitForSync();
    const copies = [...h.simulator.state.users.values()].filter((u) => u.emailAddress?.toLowerCase() === target.emailAddress!.toLowerCase());
    expect(copies).toHaveLength(1);
    expect(copies[0].id).toBe(target.id);
    expect(copies[0].displayName).toBe('Okta Owned Name');

    // Okta wins: a change made in Secret Server between imports does not overwrite Okta's values.
    h.simulator.state.users.get(target.id)!.displayName = 'Changed In Secret Server';
    await runImport(h);
    expect((await h.scim('GET', `/Users/${user.id}`)).body.displayName).toBe('Okta Owned Name');
  });
});

describe('scheduled import', () => {
  it('when SS_IMPORT_INTERVAL_S is set, then imports run by themselves', async () => {
    const h = await startHarness({ import: { intervalS: 1 } });
    try {
      h.simulator.seedUsers(5, { seed: 3 });
      const deadline = Date.now() + 15_000;
      let total = 0;
      while (total < 5 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        total = (await h.scim('GET', '/Users?count=0')).body.totalResults;
      }
      expect(total).toBeGreaterThanOrEqual(5);
      const status = JSON.parse((await h.bridge.container.redis.get(h.bridge.container.store.keys.importStatus())) ?? '{}');
      expect(status.finishedAt).toBeTruthy();
    } finally {
      await h.stop();
    }
  }, 30_000);
});
