/**
 * The console in a real browser (Debian's Chromium through playwright-core): an admin signs in,
 * sees a user pushed through SCIM arrive as synced, sees a sync that Secret Server refused on the
 * Failed page, retries it once the cause is fixed and sees it synced, opens the queue dashboard,
 * switches to a second directory and back, and signs out. No page may trip its
 * Content-Security-Policy.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, Harness, TEST_ADMIN_TOKEN } from '../support/bridge-harness';
import { hasChromium, launchChromium } from '../support/console-browser';
import { createTestDirectory, type TestDirectory } from '../support/console-directory';

// CI installs Chromium (.ci/run), so there a missing browser fails the run instead of skipping it.
const runs = hasChromium || process.env.CI === 'true';
if (!runs) console.warn('/usr/bin/chromium not found: the console browser tests are skipped (apt-get install chromium to run them)');

(runs ? describe : describe.skip)('the console in a browser', () => {
  let h: Harness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let branch: TestDirectory;
  const policyViolations: string[] = [];

  const screenshot = (name: string) => screenshotTo(page, name);
  const rowOf = (text: string) => page.locator('tbody tr', { hasText: text });
  const stateOf = async (text: string) => (await rowOf(text).locator('[data-field=syncState]').textContent())?.trim();

  beforeAll(async () => {
    h = await startHarness({ log: { level: 'info' } });
    base = h.bridge.url!;
    // A second directory on the same Secret Server, so every page has the directory switch.
    branch = await createTestDirectory(h, 'branch');
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Content-Security-Policy/i.test(message.text())) policyViolations.push(`${page.url()}: ${message.text()}`);
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('when a signed-out admin opens /admin, then the sign-in page comes first, and the admin token opens the overview', async () => {
    await page.goto(`${base}/admin/users`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('input[name=token]', TEST_ADMIN_TOKEN);
    await Promise.all([page.waitForURL(`${base}/admin/users`), page.click('button:has-text("Sign in")')]);
    await page.click('nav >> text=Overview');
    await page.waitForURL(`${base}/admin`);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    expect(await page.locator('[data-fact=circuit]').textContent()).toBe('closed');
    const cookies = await context.cookies(`${base}/admin`);
    const session = cookies.find((c) => c.name === 'scimbridge_console')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin', secure: false });
  });

  it('when Okta pushes a user, then the Users page shows it arrive as synced, with its Secret Server id, and search finds it', async () => {
    const email = 'ada.browser@example.com';
    const created = await h.scim('POST', '/Users', {
      userName: email,
      name: { givenName: 'Ada', familyName: 'Browser' },
      emails: [{ value: email, primary: true }],
    });
    expect(created.status).toBe(201);
    await h.waitForSync();
    await page.click('nav >> text=Users');
    await page.waitForURL(`${base}/admin/users`);
    expect(await stateOf(email)).toBe('synced');
    const secretServerId = [...h.simulator.state.users.values()].find((u) => u.emailAddress === email)!.id;
    expect(await rowOf(email).textContent()).toContain(String(secretServerId));

    await page.fill('input[name=q]', String(secretServerId));
    await page.click('button:has-text("Search")');
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await stateOf(email)).toBe('synced');
    // The search went as a POST: the address bar never holds what was searched.
    expect(page.url()).toBe(`${base}/admin/users`);
  });

  it('when the admin opens that user, then its history shows the SCIM request, the job run and its Secret Server calls, newest first', async () => {
    const email = 'ada.browser@example.com';
    await page.click('nav >> text=Users');
    await Promise.all([page.waitForURL(/\/admin\/users\/[^/]+\/history$/), rowOf(email).locator('a').first().click()]);
    expect(await page.locator('h1').textContent()).toBe(`User ${email}`);
    expect(await page.locator('[data-field=syncState]').textContent()).toBe('synced');
    const whats = await page.locator('tr[data-event] td:nth-child(2)').allTextContents();
    expect(whats[0]).toBe('job sync-user: created');
    expect(whats.at(-1)).toBe('SCIM POST');
    expect(whats).toContain('Secret Server POST /api/v1/users');
    expect(await page.locator('tbody tr[data-event=scim]').textContent()).toMatch(/changed emails, name\.familyName, name\.givenName, userName/);
    await screenshot('console-history.png');
    await page.click('nav >> text=Overview');
    await screenshot('console-overview.png');
  });

  it('when someone renames and disables that user in Secret Server by hand, then the Drift page reports both, and Fix drift puts them back', async () => {
    const email = 'ada.browser@example.com';
    const account = [...h.simulator.state.users.values()].find((u) => u.emailAddress === email)!;
    account.displayName = 'Renamed By Hand';
    account.enabled = false;

    await page.click('nav >> text=Drift');
    await page.waitForURL(`${base}/admin/drift`);
    await page.click('button:has-text("Check now")');
    const rows = page.locator('tr[data-kind]', { hasText: email });
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).sort()).toEqual(['displayName', 'enabled']);
    await screenshot('console-drift.png');

    await page.click('button:has-text("Fix drift")');
    expect(await page.locator('[role=status]').textContent()).toMatch(/enqueued|queued/);
    await h.waitForSync();
    expect(account).toMatchObject({ displayName: 'Ada Browser', enabled: true });
    await page.click('button:has-text("Check now")');
    expect(await page.locator('tr[data-kind]', { hasText: email }).count()).toBe(0);
  });

  it('when Secret Server refuses a sync, then the Failed page shows it with what to do, and once fixed, Retry brings the user to synced', async () => {
    const email = 'grace.refused@example.com';
    const created = await h.scim('POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
    await h.waitForSync();
    h.simulator.setKnobs({ refuseDisable: [email] });
    expect(
      (
        await h.scim('PATCH', `/Users/${created.body.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', value: { active: false } }],
        })
      ).status,
    ).toBe(200);
    await waitFor(async () => (await h.bridge.admin.listFailed()).some((j) => j.resourceId === created.body.id));

    await page.click('nav >> text=Users');
    expect(await stateOf(email)).toBe('failed');
    expect(await rowOf(email).locator('td.error').textContent()).toMatch(/refused to disable/);

    await page.click('nav >> text=Failed');
    await page.waitForURL(`${base}/admin/failed`);
    const failed = page.locator('tbody tr', { hasText: email });
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toMatch(/refused to disable/);
    expect(await failed.textContent()).toMatch(/Secret Server refused the change and nothing changed/);

    h.simulator.setKnobs({ refuseDisable: [] });
    await failed.locator('button:has-text("Retry")').click();
    expect(await page.locator('[role=status]').textContent()).toMatch(/retried/);
    await h.waitForSync();
    await page.reload();
    expect(await page.locator('tbody tr', { hasText: email }).count()).toBe(0);

    await page.click('nav >> text=Users');
    expect(await stateOf(email)).toBe('synced');
    expect(await rowOf(email).locator('td').nth(3).textContent()).toBe('no');
    expect([...h.simulator.state.users.values()].find((u) => u.emailAddress === email)!.enabled).toBe(false);
  });

  it('when a row’s Retry is pressed, then a forced sync of that user runs and it stays synced', async () => {
    await page.click('nav >> text=Users');
    const email = 'ada.browser@example.com';
    await rowOf(email).locator('button:has-text("Retry")').click();
    expect(await page.locator('[role=status]').textContent()).toMatch(/forced sync of that user is queued/);
    await h.waitForSync();
    await page.reload();
    expect(await stateOf(email)).toBe('synced');
  });

  it('when the queue dashboard is opened after sign-in, then it renders, and its own Retry all passes the CSRF check through its X-XSRF-TOKEN header', async () => {
    const email = 'alan.dashboard@example.com';
    const created = await h.scim('POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
    await h.waitForSync();
    h.simulator.setKnobs({ refuseDisable: [email] });
    await h.scim('PATCH', `/Users/${created.body.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    await waitFor(async () => (await h.bridge.admin.listFailed()).some((j) => j.resourceId === created.body.id));
    h.simulator.setKnobs({ refuseDisable: [] });

    await page.goto(`${base}/admin/queues/queue/provision?status=failed`);
    await page.getByText(`User-${created.body.id}`, { exact: false }).first().waitFor({ timeout: 15_000 });
    const xsrf = (await context.cookies(`${base}/admin/queues`)).find((c) => c.name === 'XSRF-TOKEN')!;
    expect(xsrf).toMatchObject({ httpOnly: false, sameSite: 'Strict', path: '/admin/queues' });
    const action = page.waitForRequest((r) => r.method() !== 'GET' && r.url().includes('/admin/queues/api/'));
    const answered = page.waitForResponse((r) => r.request().method() !== 'GET' && r.url().includes('/admin/queues/api/'));
    await page.getByText('Retry all').click();
    const confirm = page.getByRole('button', { name: /confirm/i });
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
    expect((await action).headers()['x-xsrf-token']).toBe(xsrf.value);
    expect((await answered).status()).toBe(200);
    await h.waitForSync();
    expect((await h.bridge.admin.listFailed()).some((j) => j.resourceId === created.body.id)).toBe(false);
    expect((await h.bridge.container.store.getLink('User', created.body.id))?.state).toBe('synced');
  });

  it('when the admin switches to another directory, then its pages show its users only, its failed job is retried there, and the default directory is as it was', async () => {
    const own = 'lin.branch@example.com';
    const refused = 'ray.branch@example.com';
    const ids: Record<string, string> = {};
    for (const email of [own, refused]) {
      const created = await branch.scim('POST', '/Users', { userName: email, emails: [{ value: email, primary: true }] });
      expect(created.status).toBe(201);
      ids[email] = created.body.id;
    }
    await branch.waitForSync();
    h.simulator.setKnobs({ refuseDisable: [refused] });
    const patched = await branch.scim('PATCH', `/Users/${ids[refused]}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(patched.status).toBe(200);
    await branch.waitForSync({ failed: 1 });

    await page.goto(`${base}/admin/users`);
    const defaultUsers = await page.locator('tbody tr').allTextContents();
    expect(defaultUsers.length).toBeGreaterThan(0);
    expect(await page.locator('select[name=name]').inputValue()).toBe('default');
    await page.selectOption('select[name=name]', 'branch');
    await Promise.all([page.waitForURL(`${base}/admin/d/branch/users`), page.click('header button:has-text("Show")')]);
    expect(await page.locator('select[name=name]').inputValue()).toBe('branch');
    expect(await page.title()).toBe('Users · branch · scim-bridge');
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await stateOf(own)).toBe('synced');
    expect(await stateOf(refused)).toBe('failed');
    await screenshot('console-directory.png');

    await page.click('nav >> text=Failed');
    await page.waitForURL(`${base}/admin/d/branch/failed`);
    const failed = page.locator('tbody tr', { hasText: refused });
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await failed.textContent()).toMatch(/refused to disable/);
    h.simulator.setKnobs({ refuseDisable: [] });
    await Promise.all([page.waitForURL(`${base}/admin/d/branch/failed/retry`), failed.locator('button:has-text("Retry")').click()]);
    expect(await page.locator('[role=status]').textContent()).toMatch(/retried/);
    await branch.waitForSync();
    await page.click('nav >> text=Failed');
    expect(await page.locator('tbody tr').count()).toBe(0);
    await page.click('nav >> text=Users');
    await page.waitForURL(`${base}/admin/d/branch/users`);
    expect(await stateOf(refused)).toBe('synced');
    expect([...h.simulator.state.users.values()].find((u) => u.emailAddress === refused)!.enabled).toBe(false);

    await page.selectOption('select[name=name]', 'default');
    await Promise.all([page.waitForURL(`${base}/admin/users`), page.click('header button:has-text("Show")')]);
    expect(await page.locator('tbody tr').allTextContents()).toEqual(defaultUsers);
    expect(await rowOf(own).count()).toBe(0);
    await page.click('nav >> text=Overview');
    await page.waitForURL(`${base}/admin`);
    expect(await page.locator('[data-count=users-synced]').textContent()).toBe(String(defaultUsers.length));
  });

  it('when the admin signs out, then the sign-in page says so and /admin sends the browser back to it', async () => {
    await page.goto(`${base}/admin`);
    await Promise.all([page.waitForURL(/\/admin\/login/), page.click('button:has-text("Sign out")')]);
    expect(await page.locator('[role=status]').textContent()).toMatch(/signed out/);
    expect((await context.cookies(`${base}/admin`)).find((c) => c.name === 'scimbridge_console')).toBeUndefined();
    await page.goto(`${base}/admin/failed`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
  });

  it('when every page has been shown, then none tripped its Content-Security-Policy', () => {
    expect(policyViolations).toEqual([]);
  });
});

/**
 * The screenshots in docs/ come from this run: CONSOLE_SCREENSHOT_DIR=docs/images npx jest
 * test/console/console-browser.test.ts. Without the variable nothing is written.
 */
async function screenshotTo(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: `${dir}/${name}`, fullPage: true });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
