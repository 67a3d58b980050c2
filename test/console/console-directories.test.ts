/**
 * The console of a bridge with several directories, over plain HTTP: each directory's pages at
 * /admin/d/<name> show and act on that directory alone (its users, its queue, its Secret Server),
 * the default directory's stay at /admin, and a name the bridge does not know is a 404 page.
 */
import { createSimulator } from '../../simulator/simulator-app';
import { DirectoryAdmin } from '../../src/directories/directory-admin';
import { startHarness, type Harness } from '../support/bridge-harness';
import { consoleGet, consolePost, signIn, type SignedIn } from '../support/console-client';
import { createTestDirectory, type TestDirectory } from '../support/console-directory';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ISLAND_PASSWORD_ENV = 'SCB_TEST_ISLAND_SS_PASSWORD';

describe('the console of each directory', () => {
  let h: Harness;
  let base: string;
  let session: SignedIn;
  let branch: TestDirectory;
  let island: ReturnType<typeof createSimulator>;
  let closeIsland: () => Promise<void>;
  const get = (path: string) => consoleGet(base, path, session.cookie);
  const post = (path: string, fields: Record<string, string> = {}) => consolePost(base, path, { ...fields, _csrf: session.csrfToken }, session.cookie);
  /** Every console address a page links or posts to. */
  const consoleTargets = (page: string) => [...page.matchAll(/(?:href|action)="(\/admin[^"]*)"/g)].map((m) => m[1]);
  const createUser = async (scim: Harness['scim'] | TestDirectory['scim'], email: string) => {
    const created = await scim('POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const disable = () => ({ schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });

  beforeAll(async () => {
    h = await startHarness();
    base = h.bridge.url!;
    session = await signIn(base);
  }, 30_000);
  afterAll(async () => {
    await h?.stop();
    await closeIsland?.();
    delete process.env[ISLAND_PASSWORD_ENV];
  });

  it('when the bridge has one directory, then the header has no directory switch', async () => {
    const overview = await get('/admin');
    expect(overview.status).toBe(200);
    expect(overview.text).not.toContain('name="name"');
    expect(overview.text).toContain('<title>Overview · scim-bridge</title>');
  });

  it('when directories are added, then every page has the switch, and it leads to the same page of the directory chosen', async () => {
    branch = await createTestDirectory(h, 'branch');
    process.env[ISLAND_PASSWORD_ENV] = 'simulator-password';
    island = createSimulator({ knobs: { outage: true } });
    const listening = await island.listen(0);
    closeIsland = () => listening.close();
    await createTestDirectory(h, 'island', { baseUrl: listening.url, username: 'scim-bridge', passwordEnv: ISLAND_PASSWORD_ENV, domain: '', platform: 'auto' });

    for (const path of ['/admin', '/admin/users', '/admin/failed', '/admin/d/branch/groups', '/admin/d/branch/drift']) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/<form method="get" action="\/admin\/directory" class="directory">/);
      const shown = path.startsWith('/admin/d/branch') ? 'branch' : 'default';
      expect(page.text).toMatch(new RegExp(`<option value="${shown}"\\s+selected>`));
      expect(page.text).toMatch(/<option value="island"/);
    }
    expect((await get('/admin/directory?name=branch&section=users')).location).toBe('/admin/d/branch/users');
    expect((await get('/admin/directory?name=default&section=failed')).location).toBe('/admin/failed');
    expect((await get('/admin/directory?name=island')).location).toBe('/admin/d/island');
    // The default directory has one address: /admin/d/default sends the browser there.
    expect((await get('/admin/d/default/users?page=2')).location).toBe('/admin/users?page=2');
  });

  it('when a directory the bridge does not know is asked for, then the console answers a 404 page, for a GET, a POST and the switch', async () => {
    for (const answer of [
      await get('/admin/d/nowhere'),
      await get('/admin/d/nowhere/users'),
      await get('/admin/d/Not_A_Name/failed'),
      await get('/admin/directory?name=nowhere&section=users'),
      await post('/admin/d/nowhere/failed/retry'),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
      expect(answer.text).toContain('No such directory');
    }
    // A POST without the session's CSRF token is refused before any directory is looked up.
    expect((await consolePost(base, '/admin/d/branch/failed/retry', {}, session.cookie)).status).toBe(403);
  });

  it("when a named directory's pages are shown, then every link and form stays in that directory, and its users are its own", async () => {
    const own = 'only.branch@example.com';
    expect((await branch.scim('POST', '/Users', { userName: own, emails: [{ value: own, primary: true }] })).status).toBe(201);
    expect(
      (await h.scim('POST', '/Users', { userName: 'only.default@example.com', emails: [{ value: 'only.default@example.com', primary: true }] })).status,
    ).toBe(201);
    await Promise.all([branch.waitForSync(), h.waitForSync()]);

    const users = await get('/admin/d/branch/users');
    expect(users.text).toContain(own);
    expect(users.text).not.toContain('only.default@example.com');
    expect((await get('/admin/users')).text).not.toContain(own);
    for (const path of ['', '/users', '/groups', '/failed', '/drift']) {
      const page = await get(`/admin/d/branch${path}`);
      expect(page.status).toBe(200);
      const targets = consoleTargets(page.text);
      expect(targets.length).toBeGreaterThan(4);
      // Only the shared sign-out and the switch lead out of /admin/d/branch; the dashboard shows the default directory's queues, so it is not offered.
      expect(targets.filter((t) => !t.startsWith('/admin/d/branch') && t !== '/admin/logout' && t !== '/admin/directory')).toEqual([]);
    }
  });

  it("when a named directory's overview is shown, then it reports its own Secret Server and checks drift against it, while the default directory's uses the default one", async () => {
    await h.waitForSync();
    const [defaults, islandPage] = [await get('/admin'), await get('/admin/d/island')];
    expect(defaults.text).toMatch(/data-fact="secret-server-ok">yes</);
    expect(islandPage.status).toBe(200);
    expect(islandPage.text).toMatch(/data-fact="secret-server-ok">no</);
    expect(islandPage.text).toContain('<title>Overview · island · scim-bridge</title>');

    // Check now compares against the directory's own Secret Server: the island's is down, the default one answers.
    const islandDrift = await post('/admin/d/island/drift');
    expect(islandDrift.status).toBe(200);
    expect(islandDrift.text).toContain('Secret Server could not be read, so nothing was compared');
    const defaultDrift = await post('/admin/drift');
    expect(defaultDrift.text).toMatch(/\d+ drift item\(s\) found\./);
    expect(defaultDrift.text).not.toContain('could not be read');
  });

  it('when a failed job is retried on one directory’s Failed page, then only that directory’s jobs are retried, and the other’s stay failed', async () => {
    const inDefault = await createUser(h.scim, 'refused.default@example.com');
    const inBranch = await createUser(branch.scim, 'refused.branch@example.com');
    await Promise.all([branch.waitForSync(), h.waitForSync()]);
    h.simulator.setKnobs({ refuseDisable: ['refused.default@example.com', 'refused.branch@example.com'] });
    expect((await h.scim('PATCH', `/Users/${inDefault}`, disable())).status).toBe(200);
    expect((await branch.scim('PATCH', `/Users/${inBranch}`, disable())).status).toBe(200);
    await Promise.all([branch.waitForSync({ failed: 1 }), waitForFailed(h, inDefault)]);
    h.simulator.setKnobs({ refuseDisable: [] });
    const defaultJob = (await h.bridge.admin.listFailed()).find((j) => j.resourceId === inDefault)!;
    const branchJob = (await branch.services.admin.listFailed()).find((j) => j.resourceId === inBranch)!;

    // Each Failed page lists its own directory's job only.
    const branchFailed = await get('/admin/d/branch/failed');
    expect(branchFailed.text).toContain(`data-job="${branchJob.jobId}"`);
    expect(branchFailed.text).not.toContain(`data-job="${defaultJob.jobId}"`);
    expect((await get('/admin/failed')).text).not.toContain(`data-job="${branchJob.jobId}"`);

    // The default directory's job id, posted to the branch's page, names no job there.
    const crossed = await post('/admin/d/branch/failed/retry', { jobId: defaultJob.jobId });
    expect(crossed.status).toBe(200);
    expect(crossed.text).toContain('No job has that id any more.');
    // Nor does the default directory's user id on the branch's Users page.
    expect((await post('/admin/d/branch/users/retry', { id: inDefault })).text).toContain('No such user');

    // Retry all on the branch's page retries the branch's job and leaves the default directory's failed.
    const all = await post('/admin/d/branch/failed/retry');
    expect(all.text).toMatch(/1 failed job\(s\) retried/);
    await branch.waitForSync();
    expect((await branch.services.store.getLink('User', inBranch))?.state).toBe('synced');
    expect((await h.bridge.admin.listFailed()).map((j) => j.jobId)).toContain(defaultJob.jobId);
    expect((await h.bridge.container.store.getLink('User', inDefault))?.state).toBe('failed');

    const retried = await post('/admin/failed/retry', { jobId: defaultJob.jobId });
    expect(retried.text).toContain('The job is retried');
    await h.waitForSync();
    expect((await h.bridge.container.store.getLink('User', inDefault))?.state).toBe('synced');
  });

  it('when a directory is removed, then the switch stops listing it at once, and its pages become the 404 page once the bridge has seen the removal', async () => {
    expect((await get('/admin/d/island')).status).toBe(200);
    await new DirectoryAdmin(h.bridge.container.config, h.bridge.container.redis).remove('island');
    expect((await get('/admin')).text).not.toContain('<option value="island"');
    const deadline = Date.now() + 15_000;
    while ((await get('/admin/d/island')).status !== 404) {
      if (Date.now() > deadline) throw new Error('the removed directory still has pages');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await get('/admin/d/branch')).status).toBe(200);
  });
});

async function waitForFailed(h: Harness, resourceId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await h.bridge.admin.listFailed()).some((j) => j.resourceId === resourceId)) {
    if (Date.now() > deadline) throw new Error(`no failed job for ${resourceId} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
