/**
 * Several directories on one bridge, end to end: the real CLI creates them and their tokens, the
 * bridge (api + workers, real Redis and BullMQ) serves each at its own base URL, and two Secret
 * Server simulators over HTTP receive what each directory provisions.
 */
import { runCli, lastLine } from '../cli/cli-child';
import { startHarness, TEST_SCIM_TOKEN, type Harness } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';
import { scimClient, waitForDirectorySync } from '../support/console-directory';
import { createSimulator } from '../../simulator/simulator-app';
import { connectRedis } from '../support/redis';
import { underPrefix, keysMatching } from '../../src/store/key-scan';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const EXTENSION = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';
const PASSWORD_ENV = 'SCB_TEST_SUBSIDIARY_SS_PASSWORD';
const oktaUser = oktaUserBuilder({ givenName: 'Dir', familyName: 'Test', password: 'placeholder-1' });
let counter = 0;
const unique = (label: string) => `${label}.${Date.now().toString(36)}${counter++}@example.com`;

describe('directories', () => {
  let h: Harness;
  let subsidiary: ReturnType<typeof createSimulator>;
  let subsidiaryUrl: string;
  let closeSubsidiary: () => Promise<void>;
  const tokens: Record<string, string> = {};
  const cli = (...args: string[]) => runCli(h.prefix, ...args);

  /** A SCIM request to a directory's base URL with that directory's token (or the one given). */
  const scim = (directory: string, method: string, path: string, body?: unknown, token = tokens[directory]) =>
    scimClient(directory === 'default' ? h.scimUrl : `${h.scimUrl}/d/${directory}`, token)(method, path, body);

  const waitForDirectory = async (name: string, options: { failed?: number; timeoutMs?: number } = {}) => {
    const services = await h.bridge.container.directories.get(name);
    if (!services) throw new Error(`no directory ${name}`);
    await waitForDirectorySync(services, options);
  };
  const usersIn = (sim: Harness['simulator'], email: string) =>
    [...sim.state.users.values()].filter((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    process.env[PASSWORD_ENV] = 'simulator-password';
    subsidiary = createSimulator();
    const listening = await subsidiary.listen(0);
    subsidiaryUrl = listening.url;
    closeSubsidiary = () => listening.close();
    h = await startHarness();
    tokens.default = TEST_SCIM_TOKEN;

    // "preview" shares the default directory's Secret Server; "subsidiary" has its own.
    const preview = await cli('directory', 'create', '--name', 'preview');
    expect(preview).toMatchObject({ code: 0 });
    expect(lastLine(preview.stdout)).toBe('/scim/v2/d/preview');
    const own = await cli(
      'directory',
      'create',
      '--name',
      'subsidiary',
      '--ss-url',
      subsidiaryUrl,
      '--ss-username',
      'scim-bridge',
      '--ss-password-env',
      PASSWORD_ENV,
    );
    expect(own).toMatchObject({ code: 0 });
    for (const name of ['preview', 'subsidiary']) {
      const created = await cli('token', 'create', '--name', 'okta', '--directory', name);
      expect(created.code).toBe(0);
      tokens[name] = lastLine(created.stdout);
      expect(tokens[name]).toMatch(/^\S{32,}$/);
    }
    // The bridge starts the new directories' workers within its poll interval.
    await until('the directories workers', () => h.bridge.workers.length >= 6, 20_000);
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    await closeSubsidiary?.();
    delete process.env[PASSWORD_ENV];
  });

  it('when directories are listed, then each shows its base path and Secret Server', async () => {
    const listed = await cli('directory', 'list');

    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^default\s+\/scim\/v2\s+SS_BASE_URL/m);
    expect(listed.stdout).toMatch(/^preview\s+\/scim\/v2\/d\/preview\s+SS_BASE_URL/m);
    expect(listed.stdout).toContain(`/scim/v2/d/subsidiary  ${subsidiaryUrl}`);
  });

  it("when one directory's token is presented to another directory, then it is refused with 401", async () => {
    expect((await scim('subsidiary', 'GET', '/Users')).status).toBe(200);
    expect((await scim('default', 'GET', '/Users', undefined, tokens.subsidiary)).status).toBe(401);
    expect((await scim('preview', 'GET', '/Users', undefined, tokens.subsidiary)).status).toBe(401);
    expect((await scim('subsidiary', 'GET', '/Users', undefined, TEST_SCIM_TOKEN)).status).toBe(401);
  });

  it('when a base URL names no directory, then it is a SCIM 404', async () => {
    const res = await scim('nowhere', 'GET', '/Users', undefined, TEST_SCIM_TOKEN);

    expect(res.status).toBe(404);
    expect(res.body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    const defaultByName = await scim('default', 'GET', '/d/default/Users', undefined, TEST_SCIM_TOKEN);
    expect(defaultByName.status).toBe(404);
    expect(defaultByName.body.detail).toContain('The default directory is at /scim/v2');
  });

  it('when the same email is pushed to two directories, then they are two SCIM users, each in its own Secret Server', async () => {
    const email = unique('same.person');
    const [inDefault, inSubsidiary] = await Promise.all([
      scim('default', 'POST', '/Users', oktaUser(email)),
      scim('subsidiary', 'POST', '/Users', oktaUser(email)),
    ]);
    expect([inDefault.status, inSubsidiary.status]).toEqual([201, 201]);
    // A second create in the same directory is a conflict; in the other it was not.
    expect((await scim('subsidiary', 'POST', '/Users', oktaUser(email))).status).toBe(409);

    await Promise.all([h.waitForSync(), waitForDirectory('subsidiary')]);

    expect(usersIn(h.simulator, email)).toHaveLength(1);
    expect(usersIn(subsidiary, email)).toHaveLength(1);
    const filter = `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`;
    expect((await scim('preview', 'GET', filter)).body.totalResults).toBe(0);
    const listed = (await scim('subsidiary', 'GET', filter)).body;
    expect(listed.Resources.map((u: { id: string }) => u.id)).toEqual([inSubsidiary.body.id]);
    expect(listed.Resources[0].meta.location).toContain('/scim/v2/d/subsidiary/Users/');
    expect((await scim('default', 'GET', `/Users/${inSubsidiary.body.id}`)).status).toBe(404);
  });

  it("when one directory's Secret Server is down, then another directory's changes still arrive at once", async () => {
    subsidiary.knobs.outage = true;
    try {
      const stuck = unique('during.outage');
      await scim('subsidiary', 'POST', '/Users', oktaUser(stuck));
      const emails = Array.from({ length: 5 }, () => unique('unaffected'));
      const started = Date.now();
      await Promise.all(emails.map((email) => scim('default', 'POST', '/Users', oktaUser(email))));
      await until('the default directory users', () => emails.every((email) => usersIn(h.simulator, email).length === 1), 10_000);
      const tookMs = Date.now() - started;

      expect(tookMs).toBeLessThan(10_000);
      expect(usersIn(subsidiary, stuck)).toHaveLength(0);
      subsidiary.knobs.outage = false;
      await waitForDirectory('subsidiary', { timeoutMs: 60_000 });
      expect(usersIn(subsidiary, stuck)).toHaveLength(1);
    } finally {
      subsidiary.knobs.outage = false;
    }
  }, 90_000);

  it('when two directories target one Secret Server, then an account linked by one is never changed by the other, which fails naming the owner', async () => {
    const email = unique('owned');
    await scim('default', 'POST', '/Users', oktaUser(email, 'Owner', 'Default'));
    await h.waitForSync();
    const [account] = usersIn(h.simulator, email);
    expect(account.displayName).toBe('Owner Default');

    const intruder = await scim('preview', 'POST', '/Users', oktaUser(email, 'Other', 'Preview'));
    // A failed change stays dirty (nothing is lost): wait for its job to fail, not for the directory to be clean.
    await waitForDirectory('preview', { failed: 1 });

    expect(usersIn(h.simulator, email)).toHaveLength(1);
    expect(h.simulator.state.users.get(account.id)).toMatchObject({ displayName: 'Owner Default', enabled: true });
    const ext = (await scim('preview', 'GET', `/Users/${intruder.body.id}`)).body[EXTENSION];
    expect(ext.syncState).toBe('failed');
    expect(ext.lastError).toContain('directory "default" linked it first');
    const logged = h.logs.map((l) => JSON.parse(l)).find((l) => l.directory === 'preview' && /failed permanently/.test(l.message));
    expect(logged).toMatchObject({ level: 'error', reason: expect.stringContaining('directory "default" linked it first') });
    expect(logged.message).toContain('provision this person from one directory only');

    const failedHere = await cli('failed', 'list', '--directory', 'preview');
    expect(failedHere.stdout).toContain('directory "default" linked it first');
    expect((await cli('failed', 'list')).stdout).not.toContain(intruder.body.id);
    expect((await cli('history', email, '--directory', 'preview')).code).toBe(0);

    // A deactivation in preview does not reach the account either.
    await scim('preview', 'PATCH', `/Users/${intruder.body.id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    await waitForDirectory('preview', { failed: 2 });
    expect(h.simulator.state.users.get(account.id)!.enabled).toBe(true);
  });

  it('when two directories on one Secret Server push a group of one name, then the second never renames, deletes or regroups it', async () => {
    const member = unique('group.member');
    const memberId = (await scim('default', 'POST', '/Users', oktaUser(member))).body.id;
    const name = `Shared Ops ${Date.now()}`;
    await scim('default', 'POST', '/Groups', { displayName: name, members: [{ value: memberId }] });
    await h.waitForSync();
    const [ssGroup] = [...h.simulator.state.groups.values()].filter((g) => g.name === name);
    expect([...ssGroup.memberIds]).toHaveLength(1);

    const failedBefore = (await (await h.bridge.container.directories.get('preview'))!.queue.provision.getJobCounts('failed')).failed;
    const theirs = await scim('preview', 'POST', '/Groups', { displayName: name, members: [] });
    expect(theirs.status).toBe(201);
    await waitForDirectory('preview', { failed: failedBefore + 1 });
    await scim('preview', 'DELETE', `/Groups/${theirs.body.id}`);
    await waitForDirectory('preview', { failed: failedBefore + 1 });

    expect(h.simulator.state.groups.get(ssGroup.id)).toMatchObject({ name, enabled: true });
    expect([...h.simulator.state.groups.get(ssGroup.id)!.memberIds]).toEqual([...ssGroup.memberIds]);
    const failed = await cli('failed', 'list', '--directory', 'preview');
    expect(failed.stdout).toContain(`group ${ssGroup.id} (${name}) is not the bridge's to claim for directory "preview": directory "default" linked it first`);
  });

  it("when a directory is removed, then its base URL, tokens and keys are gone and the others' are untouched", async () => {
    const email = unique('kept');
    await scim('default', 'POST', '/Users', oktaUser(email));
    await h.waitForSync();
    expect((await cli('directory', 'remove', 'preview')).code).toBe(2);

    const removed = await cli('directory', 'remove', 'preview', '--yes');

    expect(removed.code).toBe(0);
    const redis = connectRedis();
    try {
      expect(await keysMatching(redis, underPrefix(`${h.prefix}:{preview}`))).toEqual([]);
    } finally {
      redis.disconnect();
    }
    await until('the removed directory to answer 404', async () => (await scim('preview', 'GET', '/Users')).status === 404, 20_000);
    expect((await scim('default', 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${email}"`)}`)).body.totalResults).toBe(1);
    expect((await scim('subsidiary', 'GET', '/Users')).status).toBe(200);
    expect((await cli('token', 'list', '--directory', 'preview')).stderr).toContain('no directory "preview"');
  }, 40_000);

  it('when /metrics is scraped, then job outcomes and queue depths carry the directory', async () => {
    const text = await (await fetch(`${h.bridge.url}/metrics`)).text();

    expect(text).toMatch(/scimbridge_job_outcomes_total\{job="sync-user",result="created",directory="subsidiary"\} [1-9]/);
    expect(text).toMatch(/scimbridge_queue_jobs\{queue="provision",state="waiting",directory="subsidiary"\}/);
    expect(text).toContain('route="/scim/v2/d/subsidiary/Users/"');
  });
});

describe('directories sharing one Secret Server budget', () => {
  let h: Harness;
  const cli = (...args: string[]) => runCli(h.prefix, ...args);

  beforeAll(async () => {
    // SS_MAX_RPS low enough that a backlog in one directory lasts many seconds.
    h = await startHarness({ secretServer: { maxRps: 20 } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("when one directory has a backlog, then another directory's few changes still arrive within seconds", async () => {
    expect((await cli('directory', 'create', '--name', 'small')).code).toBe(0);
    const token = lastLine((await cli('token', 'create', '--name', 'okta', '--directory', 'small')).stdout);
    const deadline = Date.now() + 20_000;
    while (h.bridge.workers.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

    // About 400 Secret Server calls at 20 per second: a backlog of some 20 s in the default directory.
    const backlog = Array.from({ length: 200 }, () => unique('backlog'));
    for (let i = 0; i < backlog.length; i += 20) await Promise.all(backlog.slice(i, i + 20).map((email) => h.scim('POST', '/Users', oktaUser(email))));
    const few = Array.from({ length: 3 }, () => unique('few'));
    const started = Date.now();
    await Promise.all(
      few.map((email) =>
        fetch(`${h.scimUrl}/d/small/Users`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
          body: JSON.stringify(oktaUser(email)),
        }),
      ),
    );
    const landed = (email: string) => [...h.simulator.state.users.values()].some((u) => u.emailAddress === email);
    while (!few.every(landed) && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 100));
    const tookMs = Date.now() - started;
    const backlogLanded = backlog.filter(landed).length;

    expect(few.every(landed)).toBe(true);
    expect(tookMs).toBeLessThan(5_000);
    expect(backlogLanded).toBeLessThan(backlog.length);
  }, 60_000);
});
