/**
 * The drift report end to end: users and a group pushed through SCIM and synced by the real
 * workers into the simulator; then an administrator changes Secret Server behind the bridge's
 * back through its REST API (signed in as themselves); then the report lists each change (CLI,
 * console page, /metrics), "Fix drift" converges what the bridge manages, and what it never
 * deletes (a duplicate, unmanaged accounts) is still reported.
 */
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run-cli';
import '../../src/cli/main';
import type { DriftItem, DriftReport } from '../../src/domain/drift-report';
import { startHarness, Harness } from '../support/bridge-harness';
import { expectAlignedTable } from '../cli/cli-child';
import { consoleGet, consolePost, signIn } from '../support/console-client';
import { oktaUserBuilder } from '../support/okta-user';
import { TEST_REDIS_URL } from '../support/redis';

const oktaUser = oktaUserBuilder({ givenName: 'Test', familyName: 'User', password: 'placeholder-1' });
const ADMIN = { userName: 'ss-admin', password: 'Adm1n!Password-of-the-test' };
const STRONG_PASSWORD = 'Str0ng!Passw0rd-for-new-users';

async function cli(h: Harness, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString('utf8')));
  stderr.on('data', (c: Buffer) => err.push(c.toString('utf8')));
  const code = await runCli(args, {
    stdout,
    stderr,
    env: {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: h.prefix,
      SS_BASE_URL: h.simulatorUrl,
      SS_MAX_RPS: '20',
      SS_PAGE_SIZE: '2',
      SS_PROTECTED_USERS: 'breakglass',
      ...env,
    },
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('drift report', () => {
  let h: Harness;
  let admin: (method: string, path: string, body?: unknown) => Promise<any>;
  const ssIdOf = async (scimId: string) =>
    (await h.scim('GET', `/Users/${scimId}`)).body['urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User'].secretServerUserId as number;
  const ids: Record<string, string> = {};
  const ss: Record<string, number> = {};
  let groupSsId: number;

  beforeAll(async () => {
    // A small page size, so the report has to page through the users.
    h = await startHarness({ secretServer: { protectedUsers: 'breakglass', pageSize: 2 } });
    // The administrator's own account: they sign in to Secret Server as themselves.
    h.simulator.state.addUser({ userName: ADMIN.userName, displayName: 'Secret Server Admin', password: ADMIN.password, emailAddress: 'ss-admin@example.org' });
    const grant = await fetch(`${h.simulatorUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', username: ADMIN.userName, password: ADMIN.password }).toString(),
    });
    const { access_token: token } = (await grant.json()) as { access_token: string };
    admin = async (method, path, body) => {
      const res = await fetch(`${h.simulatorUrl}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };

    for (const [key, given] of [
      ['jane', 'Jane'],
      ['john', 'John'],
      ['mary', 'Mary'],
    ] as const) {
      const res = await h.scim('POST', '/Users', oktaUser(`${key}@example.com`, given, 'Drift'));
      expect(res.status).toBe(201);
      ids[key] = res.body.id as string;
    }
    const group = await h.scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Drift Admins',
      members: [{ value: ids.jane }, { value: ids.john }],
    });
    expect(group.status).toBe(201);
    await h.waitForSync();
    for (const key of Object.keys(ids)) ss[key] = await ssIdOf(ids[key]);
    groupSsId = [...h.simulator.state.groups.values()].find((g) => g.name === 'Drift Admins')!.id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('when nothing was checked yet, then the page says so and offers both buttons; no drift gauge is exported', async () => {
    const { cookie } = await signIn(h.bridge.url!);
    const page = await consoleGet(h.bridge.url!, '/admin/drift', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Never run');
    expect(page.text).toMatch(/<form method="post" action="\/admin\/drift" class="inline">\s*<input type="hidden" name="_csrf"/);
    expect(page.text).toMatch(/<form method="post" action="\/admin\/drift\/fix" class="inline">\s*<input type="hidden" name="_csrf"/);
    expect(page.text).toMatch(/href="\/admin\/drift"\s+aria-current="page"/);
    const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
    expect(metrics).not.toMatch(/^scimbridge_drift_items\{/m);

    const report = await cli(h, {}, 'drift', '--json');
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout) as DriftReport;
    // Only the administrator's own account: no SCIM user is linked to it.
    expect(parsed.items.filter((i) => !i.protectedReason).map((i) => [i.kind, i.name])).toEqual([['unmanaged', ADMIN.userName]]);
    expect(parsed.summary.total).toBe(1);
  });

  it('when an administrator changes Secret Server behind the bridge, then the report lists each change, the page and /metrics show it, and fix converges what the bridge manages', async () => {
    await admin('PATCH', `/users/${ss.jane}`, { id: ss.jane, displayName: { dirty: true, value: 'Edited By Hand' } });
    await admin('PATCH', `/users/${ss.mary}`, { id: ss.mary, enabled: { dirty: true, value: false } });
    const stray = await admin('POST', '/users', {
      userName: 'stray',
      displayName: 'Stray',
      password: STRONG_PASSWORD,
      emailAddress: 'stray@example.org',
      enabled: true,
    });
    const twin = await admin('POST', '/users', {
      userName: 'john2',
      displayName: 'John Again',
      password: STRONG_PASSWORD,
      emailAddress: 'JOHN@example.com',
      enabled: true,
    });
    const breakglass = await admin('POST', '/users', { userName: 'breakglass', displayName: 'Break Glass', password: STRONG_PASSWORD, enabled: true });
    await admin('DELETE', `/groups/${groupSsId}/users/${ss.john}`);
    await admin('POST', `/groups/${groupSsId}/users`, { userId: stray.id });

    const run = await cli(h, {}, 'drift', '--json');
    expect(run.code).toBe(0);
    const { items, summary } = JSON.parse(run.stdout) as DriftReport;
    const find = (kind: DriftItem['kind'], match: Partial<DriftItem>) =>
      items.find((i) => i.kind === kind && Object.entries(match).every(([k, v]) => i[k as keyof DriftItem] === v));
    expect(find('displayName', { name: 'jane@example.com', secretServerId: ss.jane, fixable: true })?.detail).toBe(
      'Secret Server: "Edited By Hand"; wanted: "Jane Drift"',
    );
    expect(find('enabled', { name: 'mary@example.com', secretServerId: ss.mary, fixable: true })).toBeDefined();
    expect(find('duplicate', { name: 'john@example.com', fixable: false })?.detail).toContain(`${twin.id} (john2)`);
    expect(find('members-missing', { name: 'Drift Admins', secretServerId: groupSsId })?.detail).toBe(`Secret Server user ${ss.john} (john@example.com)`);
    expect(find('members-extra', { name: 'Drift Admins', secretServerId: groupSsId })?.detail).toBe(`Secret Server user ${stray.id} (stray)`);
    expect(find('unmanaged', { name: 'stray', secretServerId: stray.id, fixable: false })?.protectedReason).toBeUndefined();
    expect(find('unmanaged', { name: 'breakglass', secretServerId: breakglass.id })?.protectedReason).toBe('it is on SS_PROTECTED_USERS');
    expect(find('unmanaged', { name: 'scim-bridge' })?.protectedReason).toBe('it is an application account');
    expect(find('unmanaged', { name: ADMIN.userName })?.protectedReason).toBeUndefined();
    expect(items.find((i) => i.secretServerId === twin.id && i.kind === 'unmanaged')).toBeUndefined();
    expect(summary.counts).toEqual({
      missing: 0,
      duplicate: 1,
      enabled: 1,
      displayName: 1,
      email: 0,
      'members-missing': 1,
      'members-extra': 1,
      unmanaged: 2,
    });
    expect(summary.protectedAccounts).toBe(2);

    // The table, for a human: the same items, and a summary line.
    const human = await cli(h, {}, 'drift');
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    const rows = expectAlignedTable(lines.slice(0, -1).join('\n'), ['KIND', 'SCIM ID', 'NAME', 'SECRET SERVER ID', 'WHAT', 'DETAIL']);
    expect(rows).toHaveLength(items.length);
    expect(rows.find((r) => r.startsWith('displayName'))).toContain(ids.jane);
    expect(lines.at(-1)).toBe(
      'drift: 7 (duplicate 1, enabled 1, displayName 1, members-missing 1, members-extra 1, unmanaged 2); 2 protected account(s) listed, not counted; 0 not yet synced, not compared',
    );
    expect(human.stderr).toContain('--fix');

    // The api process reads the CLI's report from Redis: the page and the gauge.
    const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/^scimbridge_drift_items\{kind="displayName"\} 1$/m);
    expect(metrics).toMatch(/^scimbridge_drift_items\{kind="members-extra"\} 1$/m);
    expect(metrics).toMatch(/^scimbridge_drift_items\{kind="missing"\} 0$/m);
    expect(metrics).toMatch(/^scimbridge_drift_last_run_timestamp_seconds \d+/m);
    expect(metrics).not.toContain('jane@example.com');
    const { cookie, csrfToken } = await signIn(h.bridge.url!);
    const page = await consoleGet(h.bridge.url!, '/admin/drift', cookie);
    expect(page.text).toContain('data-count="drift-total">7<');
    expect(page.text).toContain('Edited By Hand');
    expect(page.text.match(/<tr data-kind="/g)).toHaveLength(items.length);

    // A form without the session's token changes nothing.
    const forged = await consolePost(h.bridge.url!, '/admin/drift/fix', {}, cookie);
    expect(forged.status).toBe(403);
    expect(h.simulator.state.users.get(ss.jane)!.displayName).toBe('Edited By Hand');

    const fixed = await consolePost(h.bridge.url!, '/admin/drift/fix', { _csrf: csrfToken }, cookie);
    expect(fixed.status).toBe(200);
    expect(fixed.text).toContain('7 drift item(s) found. 3 forced sync(s) enqueued');
    await h.waitForSync();

    expect(h.simulator.state.users.get(ss.jane)).toMatchObject({ displayName: 'Jane Drift', enabled: true });
    expect(h.simulator.state.users.get(ss.mary)).toMatchObject({ enabled: true });
    expect([...h.simulator.state.groups.get(groupSsId)!.memberIds].sort()).toEqual([ss.jane, ss.john].sort());
    // What the bridge never deletes is still there, and still reported.
    expect(h.simulator.state.users.get(twin.id)?.enabled).toBe(true);

    // Secret Server down while checking: the page says so, and the last report stays.
    h.simulator.setKnobs({ outage: true });
    const unreachable = await consolePost(h.bridge.url!, '/admin/drift', { _csrf: csrfToken }, cookie);
    h.simulator.setKnobs({ outage: false });
    expect(unreachable.status).toBe(200);
    expect(unreachable.text).toContain('Secret Server could not be read, so nothing was compared');
    expect(unreachable.text).toContain('data-count="drift-total">7<');

    const checked = await consolePost(h.bridge.url!, '/admin/drift', { _csrf: csrfToken }, cookie);
    expect(checked.text).toContain('3 drift item(s) found.');
    const after = JSON.parse((await cli(h, {}, 'drift', '--json', '--fix')).stdout) as DriftReport & { fix: { enqueued: number } };
    expect(after.items.filter((i) => !i.protectedReason).map((i) => [i.kind, i.name])).toEqual([
      ['duplicate', 'john@example.com'],
      ['unmanaged', ADMIN.userName],
      ['unmanaged', 'stray'],
    ]);
    expect(after.fix).toEqual({ enqueued: 0 });
  });

  it('when Secret Server cannot be reached, then the command fails with one error line and exit 1', async () => {
    const down = await cli(h, { SS_BASE_URL: 'http://127.0.0.1:9/SecretServer', SS_TIMEOUT_MS: '2000' }, 'drift');
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^error: cannot read Secret Server \(SS_BASE_URL\): .*ECONNREFUSED/);
  });
});
