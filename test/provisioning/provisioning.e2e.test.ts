/**
 * Provisioning end to end: real Redis, real BullMQ workers, the Secret Server simulator over HTTP.
 * Every test drives the SCIM API as Okta does and then looks inside the simulated Secret Server.
 */
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
let counter = 0;
const unique = (label: string) => `${label}.${Date.now().toString(36)}${counter++}@example.com`;

const PLACEHOLDER_PASSWORD = 'placeholder-1';
const oktaUser = oktaUserBuilder({ givenName: 'Test', familyName: 'User', password: PLACEHOLDER_PASSWORD });

describe('provisioning into Secret Server', () => {
  let h: Harness;
  const ssUsersByEmail = (email: string) => [...h.simulator.state.users.values()].filter((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
  const ssGroupsByName = (name: string) => [...h.simulator.state.groups.values()].filter((g) => g.name === name);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when Okta creates a user with blank given and family names, then Secret Server gets a non-blank displayName and the email', async () => {
    const email = `jane.doe+${Date.now().toString(36)}@example.com`;
    const res = await h.scim('POST', '/Users', oktaUser(email, '', ''));
    expect(res.status).toBe(201);
    await h.waitForSync();
    const [ssUser, ...others] = ssUsersByEmail(email);
    expect(others).toHaveLength(0);
    expect(ssUser.displayName).toBe('Jane Doe');
    expect(ssUser.userName).toBe(email);
    expect(ssUser.enabled).toBe(true);
    expect(ssUser.password.length).toBeGreaterThanOrEqual(24);
    expect(ssUser.password).not.toBe(PLACEHOLDER_PASSWORD);
    const scim = await h.scim('GET', `/Users/${res.body.id}`);
    const ext = scim.body['urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User'];
    expect(ext).toMatchObject({ secretServerUserId: ssUser.id, syncState: 'synced' });
  });

  it('when a Secret Server user already has the email in another case, then it is linked, not duplicated', async () => {
    const email = unique('existing.person');
    const existing = h.simulator.state.addUser({ userName: 'legacy-login', displayName: 'Legacy Person', emailAddress: email.toUpperCase(), enabled: false });
    const res = await h.scim('POST', '/Users', oktaUser(email, 'Existing', 'Person'));
    await h.waitForSync();
    expect(ssUsersByEmail(email)).toHaveLength(1);
    expect(h.simulator.state.users.get(existing.id)).toMatchObject({ displayName: 'Existing Person', enabled: true, emailAddress: email });
    const ext = (await h.scim('GET', `/Users/${res.body.id}`)).body['urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User'];
    expect(ext.secretServerUserId).toBe(existing.id);
  });

  it('when Okta updates the profile, then displayName and email change on the same Secret Server user', async () => {
    const email = unique('update.me');
    const created = (await h.scim('POST', '/Users', oktaUser(email, 'Before', 'Name'))).body;
    await h.waitForSync();
    const [before] = ssUsersByEmail(email);
    const newEmail = unique('updated');
    await h.scim('PUT', `/Users/${created.id}`, {
      ...created,
      name: { givenName: 'After', familyName: 'Name' },
      emails: [{ value: newEmail, primary: true, type: 'work' }],
    });
    await h.waitForSync();
    const after = h.simulator.state.users.get(before.id)!;
    expect(after.displayName).toBe('After Name');
    expect(after.emailAddress).toBe(newEmail);
    expect(after.userName).toBe(before.userName);
  });

  it('when Okta deactivates then reactivates, then the same Secret Server user is disabled then enabled', async () => {
    const email = unique('toggle');
    const created = (await h.scim('POST', '/Users', oktaUser(email))).body;
    await h.waitForSync();
    const [ssUser] = ssUsersByEmail(email);
    await h.scim('PATCH', `/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    await h.waitForSync();
    expect(h.simulator.state.users.get(ssUser.id)!.enabled).toBe(false);
    await h.scim('PATCH', `/Users/${created.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: true } }] });
    await h.waitForSync();
    expect(h.simulator.state.users.get(ssUser.id)!.enabled).toBe(true);
    expect(ssUsersByEmail(email)).toHaveLength(1);
  });

  it('when a SCIM DELETE arrives, then the Secret Server user is disabled, never deleted', async () => {
    const email = unique('deleted');
    const created = (await h.scim('POST', '/Users', oktaUser(email))).body;
    await h.waitForSync();
    expect((await h.scim('DELETE', `/Users/${created.id}`)).status).toBe(204);
    await h.waitForSync();
    const [ssUser] = ssUsersByEmail(email);
    expect(ssUser).toBeDefined();
    expect(ssUser.enabled).toBe(false);
  });

  it('when a group is pushed with members, renamed, members changed and deleted, then Secret Server follows', async () => {
    const emails = [unique('g1'), unique('g2'), unique('g3')];
    const ids: string[] = [];
    for (const e of emails) ids.push((await h.scim('POST', '/Users', oktaUser(e))).body.id);
    const name = `Ops ${Date.now()}`;
    const group = (await h.scim('POST', '/Groups', { displayName: name, members: [{ value: ids[0] }, { value: ids[1] }] })).body;
    await h.waitForSync();
    const [ssGroup] = ssGroupsByName(name);
    const ssId = (email: string) => ssUsersByEmail(email)[0].id;
    expect([...ssGroup.memberIds].sort()).toEqual([ssId(emails[0]), ssId(emails[1])].sort());

    await h.scim('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [{ op: 'replace', value: { id: group.id, displayName: `${name} renamed` } }],
    });
    await h.scim('PATCH', `/Groups/${group.id}`, {
      schemas: [PATCH],
      Operations: [
        { op: 'remove', path: `members[value eq "${ids[0]}"]` },
        { op: 'add', path: 'members', value: [{ value: ids[2] }] },
      ],
    });
    await h.waitForSync();
    const renamed = h.simulator.state.groups.get(ssGroup.id)!;
    expect(renamed.name).toBe(`${name} renamed`);
    expect([...renamed.memberIds].sort()).toEqual([ssId(emails[1]), ssId(emails[2])].sort());

    await h.scim('DELETE', `/Groups/${group.id}`);
    await h.waitForSync();
    const gone = h.simulator.state.groups.get(ssGroup.id);
    expect(gone === undefined || gone.enabled === false).toBe(true);
    for (const e of emails) expect(ssUsersByEmail(e)).toHaveLength(1);
  });

  it('when the Secret Server token expires in the middle of a run, then every change still lands', async () => {
    const emails = Array.from({ length: 10 }, (_, i) => unique(`expiry${i}`));
    for (const [i, e] of emails.entries()) {
      await h.scim('POST', '/Users', oktaUser(e));
      if (i === 4) h.simulator.expireAllTokens();
    }
    await h.waitForSync();
    for (const e of emails) expect(ssUsersByEmail(e)).toHaveLength(1);
  });

  it('when the same jobs are replayed and duplicated, then no duplicate users appear', async () => {
    const email = unique('replayed');
    const created = (await h.scim('POST', '/Users', oktaUser(email))).body;
    await h.waitForSync();
    const queue = h.bridge.container.queue;
    // Duplicate enqueues of the same version, then forced replays with fresh job ids, concurrently.
    await Promise.all([queue.enqueueSync('User', created.id, 1), queue.enqueueSync('User', created.id, 1)]);
    await queue.enqueueResync('User', [{ id: created.id, version: 1 }]);
    await queue.enqueueResync('User', [{ id: created.id, version: 1 }]);
    await h.waitForSync();
    expect(ssUsersByEmail(email)).toHaveLength(1);
  });

  it('when Secret Server is down for 30 seconds, then every change made meanwhile lands afterwards', async () => {
    h.simulator.setKnobs({ outage: true });
    const emails = Array.from({ length: 20 }, (_, i) => unique(`outage${i}`));
    for (const e of emails) expect((await h.scim('POST', '/Users', oktaUser(e))).status).toBe(201);
    await new Promise((r) => setTimeout(r, 30_000));
    h.simulator.setKnobs({ outage: false });
    await h.waitForSync(60_000);
    for (const e of emails) expect(ssUsersByEmail(e)).toHaveLength(1);
    expect(await h.bridge.admin.listFailed()).toHaveLength(0);
  }, 120_000);
});
