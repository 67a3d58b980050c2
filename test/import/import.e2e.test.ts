/**
 * Okta "Import Now". The simulator is seeded like a real Secret Server (blank and
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
    // One email is one SCIM user: a member whose email an earlier account holds is that user's twin, not a member of its own.
    const users = await pageAll(h, 'Users');
    const scimIdBySecretServerId = new Map(users.map((u) => [u[EXT]?.secretServerUserId as number, u.id as string]));
    const memberIds = [...withMembers.memberIds];
    for (const id of memberIds.filter((m) => !scimIdBySecretServerId.has(m))) {
      const twin = h.simulator.state.users.get(id)!;
      expect(users.some((u) => u.userName.toLowerCase() === (twin.emailAddress ?? twin.userName).toLowerCase())).toBe(true);
    }
    const expected = memberIds.filter((m) => scimIdBySecretServerId.has(m)).map((m) => scimIdBySecretServerId.get(m));
    expect(expected.length).toBeGreaterThan(0);
    expect(scimGroup.members.map((m: { value: string }) => m.value).sort()).toEqual(expected.sort());
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

describe('import order within and across pages', () => {
  let h: Harness;
  const people: Record<string, number> = {};

  beforeAll(async () => {
    // Four objects a page: page 1 is Secret Server users 1-4 (1 is the bridge's API account), page 2 is 5-8, page 3 9-11.
    h = await startHarness({ secretServer: { pageSize: 4 } });
    const sim = h.simulator.state;
    const add = (userName: string, displayName: string, emailAddress: string | null) => {
      people[userName] = sim.addUser({ userName, displayName, emailAddress }).id;
    };
    add('alice', 'Alice First', 'shared@example.com');
    add('bob', 'Bob Other', 'bob@example.com');
    add('carol', 'Carol Same Page', 'SHARED@Example.com');
    add('dave', 'Dave Other', 'dave@example.com');
    add('erin', 'Erin Next Page', 'shared@example.com');
    add('Shared@Example.COM', 'Same As userName', null);
    add('frank', 'Frank Other', 'frank@example.com');
    add('gina', 'Gina First', 'okta@example.com');
    add('hank', 'Hank Same Page', 'Okta@Example.com');
    add('ivan', 'Ivan Other', 'ivan@example.com');
    // An Okta-managed SCIM user that gina and hank both match by email; not synced yet (no link).
    await h.bridge.container.store.create(
      'User',
      {
        userName: 'okta@example.com',
        displayName: 'Okta Owned',
        name: { givenName: 'Okta', familyName: 'Owned' },
        emails: [{ value: 'okta@example.com', primary: true }],
        active: true,
      },
      { origin: 'okta', markDirty: false },
    );
  });
  afterAll(async () => {
    await h.stop();
  });

  const usersWithUserName = async (userName: string) => {
    const filter = encodeURIComponent(`userName eq "${userName}"`);
    return (await h.scim('GET', `/Users?filter=${filter}&startIndex=1&count=10`)).body.Resources as any[];
  };

  it('when users share an email (any case) on the same page and on the next, then the first in page order is the one SCIM user', async () => {
    const summary = await runImport(h);
    // Created: alice, bob, dave, frank, ivan. Linked: gina. Skipped: the API account, carol, erin, the no-email user, hank.
    expect(summary.users).toEqual({ seen: 11, created: 5, updated: 0, linked: 1, skipped: 5 });
    const [shared, ...sharedCopies] = await usersWithUserName('shared@example.com');
    expect(sharedCopies).toHaveLength(0);
    expect(shared[EXT].secretServerUserId).toBe(people.alice);
    expect(shared.displayName).toBe('Alice First');
    const [okta, ...oktaCopies] = await usersWithUserName('okta@example.com');
    expect(oktaCopies).toHaveLength(0);
    expect(okta[EXT].secretServerUserId).toBe(people.gina);
    expect(okta.displayName).toBe('Okta Owned');
    expect(await pageAll(h, 'Users')).toHaveLength(6);

    // Again: the same SCIM users, still the first ones', nothing created or linked.
    const again = await runImport(h);
    expect(again.users).toEqual({ seen: 11, created: 0, updated: 0, linked: 0, skipped: 11 });
    expect((await usersWithUserName('shared@example.com')).map((u) => [u.id, u[EXT].secretServerUserId])).toEqual([[shared.id, people.alice]]);
    expect((await usersWithUserName('okta@example.com')).map((u) => [u.id, u[EXT].secretServerUserId])).toEqual([[okta.id, people.gina]]);
  });

  it('when a page of groups is imported, then members are read from Secret Server concurrently and each group gets exactly its own', async () => {
    const sim = h.simulator.state;
    const ids = Object.values(people);
    const groups = Array.from({ length: 10 }, (_, g) => sim.addGroup({ name: `Team ${g}`, memberIds: ids.filter((_, i) => (i + g) % 3 !== 0) }));
    // Same name in another case, later on the same page: one by one, it is merged into the first one's SCIM group.
    const ops = sim.addGroup({ name: 'Ops', memberIds: [people.bob] });
    const opsLater = sim.addGroup({ name: 'OPS', memberIds: [people.dave, people.alice, people.carol] });

    const client = h.bridge.container.secretServer;
    const listGroupMembers = client.listGroupMembers.bind(client);
    let inFlight = 0;
    let mostInFlight = 0;
    client.listGroupMembers = async (groupId: number) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      try {
        return await listGroupMembers(groupId);
      } finally {
        inFlight--;
      }
    };
    h.simulator.knobs.latencyMs = 30;
    try {
      const summary = await runImport(h);
      expect(summary.groups).toEqual({ seen: 12, created: 11, updated: 1, linked: 0, skipped: 0 });
    } finally {
      h.simulator.knobs.latencyMs = 0;
      client.listGroupMembers = listGroupMembers;
    }
    expect(mostInFlight).toBeGreaterThan(1);
    expect(mostInFlight).toBeLessThanOrEqual(8);

    // Members are SCIM users; the users skipped as duplicates (carol, erin) are in no group.
    const scimIdOf = new Map((await pageAll(h, 'Users')).map((u) => [u[EXT].secretServerUserId as number, u.id as string]));
    const scimGroups = await pageAll(h, 'Groups');
    expect(scimGroups).toHaveLength(11);
    for (const group of [...groups, opsLater]) {
      const scimGroup = scimGroups.find((g) => g.displayName === group.name);
      const expected = [...group.memberIds].map((id) => scimIdOf.get(id)).filter((id): id is string => id !== undefined);
      expect((scimGroup.members ?? []).map((m: { value: string }) => m.value).sort()).toEqual(expected.sort());
    }
    expect(scimGroups.find((g) => g.displayName === ops.name)).toBeUndefined();
  });
});

describe('deletes stay deleted (RFC 7644 §3.6)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const person = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: 'leaver@example.com',
    name: { givenName: 'Lee', familyName: 'Leaver' },
    emails: [{ value: 'leaver@example.com', primary: true, type: 'work' }],
    active: true,
  };

  it('when a user deleted through SCIM is still in Secret Server (disabled), then the import leaves it out and pushing the person again links the same account', async () => {
    const created = await h.scim('POST', '/Users', person);
    expect(created.status).toBe(201);
    await h.waitForSync();
    const account = [...h.simulator.state.users.values()].find((u) => u.emailAddress === 'leaver@example.com')!;
    const group = await h.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Leavers',
      members: [{ value: created.body.id }],
    });
    expect(group.status).toBe(201);
    await h.waitForSync();

    expect((await h.scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    await h.waitForSync();
    expect(h.simulator.state.users.get(account.id)!.enabled).toBe(false);

    const summary = await runImport(h);
    expect(summary.users.created).toBe(0);
    const byName = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "leaver@example.com"')}`);
    expect(byName.body.totalResults).toBe(0);
    const all = await h.scim('GET', '/Users?count=100');
    expect(all.body.Resources.map((u: { userName: string }) => u.userName)).not.toContain('leaver@example.com');
    // The group, read back from Secret Server, no longer lists the deleted user.
    const leavers = (await h.scim('GET', `/Groups/${group.body.id}`)).body;
    expect(leavers.members ?? []).toEqual([]);

    const again = await h.scim('POST', '/Users', { ...person, name: { givenName: 'Lee', familyName: 'Returner' } });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(created.body.id);
    await h.waitForSync();
    const copies = [...h.simulator.state.users.values()].filter((u) => u.emailAddress?.toLowerCase() === 'leaver@example.com');
    expect(copies.map((u) => u.id)).toEqual([account.id]);
    expect(copies[0].enabled).toBe(true);
    expect(copies[0].displayName).toBe('Lee Returner');
    const linked = (await h.scim('GET', `/Users/${again.body.id}`)).body[EXT];
    expect(linked.secretServerUserId).toBe(account.id);

    // The import after the return links to the new SCIM user, not to the deleted one.
    await runImport(h);
    const found = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "leaver@example.com"')}`);
    expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([again.body.id]);
  });
});

describe("Okta's Import Now without an import run by hand", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ import: { intervalS: 0, refreshAgeS: 300, refreshWaitS: 20 } });
  });
  afterAll(async () => {
    await h.stop();
  });

  const passes = () => h.logs.filter((l) => l.includes('an import pass started')).length;

  it("when Test API Credentials probes, then nothing is imported; when Import Now's first page comes, then a user created in Secret Server a moment before is in it", async () => {
    const probe = await h.scim('GET', '/Users?startIndex=1&count=2');
    expect(probe.status).toBe(200);
    expect(passes()).toBe(0);

    h.simulator.state.addUser({ userName: 'just.hired', displayName: 'Just Hired', emailAddress: 'just.hired@example.com', enabled: true });
    const page = await h.scim('GET', '/Users?startIndex=1&count=100');
    expect(page.status).toBe(200);
    const hired = page.body.Resources.find((u: { userName: string }) => u.userName === 'just.hired@example.com');
    expect(hired).toMatchObject({ name: { givenName: 'Just', familyName: 'Hired' }, active: true });
    expect(passes()).toBe(1);

    // The next pages of the pass, and a pass soon after, answer from what was just imported.
    await h.scim('GET', '/Users?startIndex=101&count=100');
    await h.scim('GET', '/Users?startIndex=1&count=100');
    expect(passes()).toBe(1);
  });
});
