/**
 * The same provisioning against each kind of server the simulator reproduces (real Redis, real
 * BullMQ workers, HTTP): an older Web API without the group and membership PATCH, and a Delinea
 * Platform tenant whose vault is discovered.
 */
import { Job } from 'bullmq';
import { Harness, startHarness } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const EXT = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';
const oktaUser = oktaUserBuilder({ givenName: 'Test', familyName: 'User', password: 'placeholder-1' });
let counter = 0;
const unique = (label: string) => `${label}.${Date.now().toString(36)}${counter++}@example.com`;

const ssUserByEmail = (h: Harness, email: string) => [...h.simulator.state.users.values()].find((u) => u.emailAddress === email);
const ssGroupsByName = (h: Harness, name: string) => [...h.simulator.state.groups.values()].filter((g) => g.name === name);
const memberEmails = (h: Harness, groupId: number) =>
  [...h.simulator.state.groups.get(groupId)!.memberIds].map((id) => h.simulator.state.users.get(id)!.emailAddress).sort();

async function pushUsers(h: Harness, emails: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const email of emails) {
    const res = await h.scim('POST', '/Users', oktaUser(email));
    expect(res.status).toBe(201);
    ids.push(res.body.id as string);
  }
  return ids;
}

async function pushGroup(h: Harness, name: string, memberIds: string[]): Promise<string> {
  const res = await h.scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: name,
    members: memberIds.map((value) => ({ value })),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('an older Secret Server (legacy profile: no group or membership PATCH)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { profile: 'legacy' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when a group is pushed with members, then a member removed and the group renamed, then Secret Server ends with exactly that, one call per member changed', async () => {
    const emails = [unique('a'), unique('b'), unique('c')];
    const ids = await pushUsers(h, emails);
    await h.waitForSync();
    const name = `Finance ${counter++}`;
    const groupId = await pushGroup(h, name, ids);
    await h.waitForSync();
    const [group] = ssGroupsByName(h, name);
    expect(memberEmails(h, group.id)).toEqual([...emails].sort());

    h.simulator.stats.reset();
    await h.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }] });
    await h.waitForSync();
    expect(memberEmails(h, group.id)).toEqual([emails[1], emails[2]].sort());
    expect(h.simulator.stats.toJSON().byEndpoint['DELETE /api/v1/groups/{id}/users/{userId}']).toBe(1);
    expect(h.simulator.stats.toJSON().byEndpoint['PATCH /api/v1/groups/{id}/users']).toBeUndefined();

    await h.scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { displayName: `${name} renamed` } }] });
    await h.waitForSync();
    expect(h.simulator.state.groups.get(group.id)).toMatchObject({ name: `${name} renamed`, enabled: true });
    expect(h.logs.filter((l) => l.includes('no bulk membership PATCH'))).toHaveLength(1);
    expect(h.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it('when a pushed group matches a disabled Secret Server group, then that group is enabled again and linked', async () => {
    const name = `Old Team ${counter++}`;
    const disabled = h.simulator.state.addGroup({ name, enabled: false });
    await pushGroup(h, name, []);
    await h.waitForSync();
    expect(ssGroupsByName(h, name)).toHaveLength(1);
    expect(h.simulator.state.groups.get(disabled.id)!.enabled).toBe(true);
  });
});

describe('a Delinea Platform tenant (platform profile)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { profile: 'platform' });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when the bridge starts against the tenant root, then /readyz is 200 and names the kind and the vault URL', async () => {
    // Polled as an orchestrator would: the first probe may race the start-up detection on a busy machine.
    let res = await fetch(`${h.bridge.url}/readyz`);
    for (let tries = 0; res.status !== 200 && tries < 50; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      res = await fetch(`${h.bridge.url}/readyz`);
    }
    const body = (await res.json()) as { checks: { secretServer: { kind: string; apiBaseUrl: string } } };
    expect({ status: res.status, body }).toMatchObject({ status: 200 });
    expect(body.checks.secretServer).toMatchObject({ ok: true, kind: 'platform' });
    expect(body.checks.secretServer.apiBaseUrl).toBe(`${h.simulatorUrl}${h.simulator.basePath}`);
    const announced = h.logs.map((l) => JSON.parse(l) as { message: string; kind?: string }).find((l) => l.kind === 'platform');
    expect(announced?.message).toContain(body.checks.secretServer.apiBaseUrl);
  });

  it('when users are created and updated and a group is pushed, then they arrive in the vault through the Platform token', async () => {
    const emails = [unique('p1'), unique('p2')];
    const ids = await pushUsers(h, emails);
    await h.waitForSync();
    await h.scim('PATCH', `/Users/${ids[0]}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Platform Person' }] });
    const name = `Platform Group ${counter++}`;
    await pushGroup(h, name, ids);
    await h.waitForSync();

    expect(ssUserByEmail(h, emails[0])).toMatchObject({ displayName: 'Platform Person', enabled: true });
    expect(ssUserByEmail(h, emails[1])).toBeDefined();
    const [group] = ssGroupsByName(h, name);
    expect(memberEmails(h, group.id)).toEqual([...emails].sort());
    const calls = h.simulator.stats.toJSON().byEndpoint;
    expect(calls['POST /identity/api/oauth2/token/xpmplatform']).toBeGreaterThanOrEqual(1);
    expect(calls['POST /oauth2/token']).toBeUndefined();
  });

  it('when Okta imports, then the vault users are readable through SCIM', async () => {
    h.simulator.state.addUser({ userName: 'vault.native', displayName: 'Vault Native', emailAddress: 'vault.native@corp.example' });
    const jobId = await h.bridge.admin.importNow('cli');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const job = await Job.fromId(h.bridge.container.queue.import, jobId!);
      if (job && (await job.isCompleted())) break;
      if (Date.now() > deadline) throw new Error('import did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    const found = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "vault.native@corp.example"')}`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0]).toMatchObject({ displayName: 'Vault Native', name: { givenName: 'Vault', familyName: 'Native' } });
    expect(found.body.Resources[0][EXT].syncState).toBe('synced');
  });
});
