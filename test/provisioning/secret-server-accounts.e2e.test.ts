/**
 * Never the wrong account, end to end (real Redis, real BullMQ workers, the simulator over HTTP):
 * a restored backup that hands linked ids to strangers, refused disables, a taken userName, and
 * the accounts the bridge must never claim.
 */
import { Harness, TEST_ADMIN_TOKEN, startHarness } from '../support/bridge-harness';
import { oktaUserBuilder } from '../support/okta-user';

const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const EXT = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';
const oktaUser = oktaUserBuilder({ givenName: 'Test', familyName: 'User', password: 'placeholder-1' });
let counter = 0;
const unique = (label: string) => `${label}.${Date.now().toString(36)}${counter++}@example.com`;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type LogLine = { level: string; message: string; id?: string; [key: string]: unknown };
const lines = (h: Harness): LogLine[] => h.logs.map((l) => JSON.parse(l) as LogLine);

const ssUsersByEmail = (h: Harness, email: string) =>
  [...h.simulator.state.users.values()].filter((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());
const snapshot = (h: Harness, id: number) => {
  const u = h.simulator.state.users.get(id)!;
  return { userName: u.userName, displayName: u.displayName, emailAddress: u.emailAddress, enabled: u.enabled };
};

async function pushUser(h: Harness, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.scim('POST', '/Users', oktaUser(email, 'Test', 'User', extra));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function syncState(h: Harness, id: string): Promise<{ syncState: string; lastError?: string }> {
  // Before the first job touches it, a user has no Secret Server extension yet.
  return (await h.scim('GET', `/Users/${id}`)).body[EXT] ?? { syncState: 'none' };
}

/** Waits for this user alone: after a permanent failure elsewhere, the whole bridge never is idle. */
async function synced(h: Harness, id: string): Promise<void> {
  await until(`user ${id} synced`, async () => (await syncState(h, id)).syncState === 'synced');
}

/** The failure is in the failed list (service and /admin/failed) and in one log line at `level`. */
async function expectVisibleFailure(h: Harness, id: string, level: 'error' | 'warn', reason: RegExp): Promise<void> {
  const failed = await until('the failed list', async () => (await h.bridge.admin.listFailed()).find((f) => f.resourceId === id));
  expect(failed.failedReason).toMatch(reason);
  const viaHttp = await fetch(`${h.bridge.url}/admin/failed`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(((await viaHttp.json()) as { failed: Array<{ resourceId: string }> }).failed.map((f) => f.resourceId)).toContain(id);
  const logged = lines(h).filter((l) => l.id === id && /failed permanently/.test(l.message));
  expect(logged).toHaveLength(1);
  expect(logged[0].level).toBe(level);
  expect(String(logged[0].reason)).toMatch(reason);
}

describe('a Secret Server restored from a backup', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when the linked id now belongs to a stranger, then the next Okta update changes no stranger and the user exists exactly once with its current attributes', async () => {
    const email = unique('jane');
    const id = await pushUser(h, email);
    await h.waitForSync();
    const [before] = ssUsersByEmail(h, email);

    const strangers = h.simulator.restoreBackup({ strangers: 5 });
    const taken = strangers.find((s) => s.id === before.id)!;
    expect(taken).toBeDefined();
    const strangersBefore = strangers.map((s) => snapshot(h, s.id));
    expect(
      (await h.scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', path: 'displayName', value: 'Jane Restored' }] })).status,
    ).toBe(200);
    await h.waitForSync();

    expect(strangers.map((s) => snapshot(h, s.id))).toEqual(strangersBefore);
    const [after, ...twins] = ssUsersByEmail(h, email);
    expect(twins).toHaveLength(0);
    expect(after).toMatchObject({ displayName: 'Jane Restored', enabled: true, userName: email });
    expect(after.id).not.toBe(before.id);
    expect(await syncState(h, id)).toMatchObject({ syncState: 'synced', secretServerUserId: after.id });
    const warning = lines(h).find((l) => l.level === 'warn' && l.id === id);
    expect(warning?.message).toBe(`Secret Server user ${before.id} is now ${taken.userName} (was ${email}): linking by email again`);
  });

  it('when the import meets an id that now belongs to a stranger, then it drops the old link and imports the stranger as its own user', async () => {
    const email = unique('ken');
    const id = await pushUser(h, email);
    await h.waitForSync();
    const [before] = ssUsersByEmail(h, email);
    const strangers = h.simulator.restoreBackup({ strangers: before.id + 2 });
    expect(strangers.map((s) => s.id)).toContain(before.id);

    const jobId = await h.bridge.admin.importNow('cli');
    await until('the import', async () => {
      const job = await h.bridge.container.queue.import.getJob(jobId!);
      return job && (await job.isCompleted());
    });

    for (const stranger of strangers) {
      const found = await h.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${stranger.emailAddress}"`)}`);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0][EXT].secretServerUserId).toBe(stranger.id);
    }
    // The Okta user is marked for a sync that finds or creates its own account again.
    await h.waitForSync();
    const [own, ...twins] = ssUsersByEmail(h, email);
    expect(twins).toHaveLength(0);
    expect(await syncState(h, id)).toMatchObject({ syncState: 'synced', secretServerUserId: own.id });
    expect(strangers.map((s) => s.id)).not.toContain(own.id);
    expect(strangers.map((s) => snapshot(h, s.id).emailAddress)).toEqual(strangers.map((s) => s.emailAddress));
  });
});

describe('refusals from Secret Server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ worker: { attempts: 2 } });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when a disable by PATCH active=false is refused, then the user shows failed, is in the failed list and in one ERROR line, and stays enabled', async () => {
    const email = unique('refused.patch');
    const id = await pushUser(h, email);
    await synced(h, id);
    h.simulator.setKnobs({ refuseDisable: [email] });

    await h.scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });

    const ext = await until('syncState failed', async () => {
      const state = await syncState(h, id);
      return state.syncState === 'failed' && state;
    });
    expect(ext.lastError).toMatch(/refused to disable user \d+ .* and it is unchanged/);
    await expectVisibleFailure(h, id, 'error', /refused to disable/);
    expect(ssUsersByEmail(h, email)[0].enabled).toBe(true);
  });

  it('when the disable of a SCIM DELETE is refused, then it is in the failed list and in one ERROR line, and the user stays enabled', async () => {
    const email = unique('refused.delete');
    const id = await pushUser(h, email);
    await synced(h, id);
    h.simulator.setKnobs({ refuseDisable: [email] });

    expect((await h.scim('DELETE', `/Users/${id}`)).status).toBe(204);

    await expectVisibleFailure(h, id, 'error', /refused to disable/);
    expect(ssUsersByEmail(h, email)[0].enabled).toBe(true);
  });

  it('when the user to disable is gone from Secret Server, then the SCIM DELETE is done', async () => {
    const email = unique('gone');
    const id = await pushUser(h, email);
    await synced(h, id);
    h.simulator.restoreBackup({ strangers: 0 });

    expect((await h.scim('DELETE', `/Users/${id}`)).status).toBe(204);
    await until('the delete job', async () => lines(h).some((l) => l.id === id && l.message === 'sync-user skipped'));
    expect((await h.bridge.admin.listFailed()).map((f) => f.resourceId)).not.toContain(id);
  });
});

describe('accounts the bridge may claim', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      secretServer: { usernameFormat: 'email-local-part', protectedUsers: 'breakglass, admin.ops@corp.example' },
      worker: { attempts: 2 },
    });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when the userName is taken by an account without email, then that account is linked (not duplicated) and gets the email', async () => {
    const dana = h.simulator.state.addUser({ userName: 'dana', displayName: '', emailAddress: null });
    const id = await pushUser(h, 'dana@example.com');
    await synced(h, id);

    expect([...h.simulator.state.users.values()].filter((u) => u.userName.toLowerCase() === 'dana')).toHaveLength(1);
    expect(snapshot(h, dana.id)).toMatchObject({ emailAddress: 'dana@example.com', displayName: 'Test User' });
    expect(await syncState(h, id)).toMatchObject({ syncState: 'synced', secretServerUserId: dana.id });
  });

  it('when the userName is taken by an account with another email, then it is not linked and the failure says so', async () => {
    const erin = h.simulator.state.addUser({ userName: 'erin', displayName: 'Erin Admin', emailAddress: 'erin@corp.example' });
    const before = snapshot(h, erin.id);
    const id = await pushUser(h, 'erin@evil.example');

    await expectVisibleFailure(h, id, 'warn', /already has this userName with another email/);
    expect(snapshot(h, erin.id)).toEqual(before);
  });

  const cases: Array<{ label: string; reason: RegExp; account: (h: Harness) => number; push: string }> = [
    {
      label: 'the API account, by userName',
      reason: /the API account the bridge signs in with/,
      account: (h) => {
        const api = h.simulator.state.users.get(h.simulator.state.apiUserId)!;
        api.isApplicationAccount = false; // a plain user account, as many installs use
        return api.id;
      },
      push: 'scim-bridge@evil.example',
    },
    {
      label: 'the API account, by email',
      reason: /the API account the bridge signs in with/,
      account: (h) => {
        const api = h.simulator.state.users.get(h.simulator.state.apiUserId)!;
        api.isApplicationAccount = false;
        api.emailAddress = 'svc-sec@corp.example';
        return api.id;
      },
      push: 'svc-sec@corp.example',
    },
    {
      label: 'an application account, by userName',
      reason: /an application account/,
      account: (h) => h.simulator.state.addUser({ userName: 'svc-backup', displayName: 'Backup', isApplicationAccount: true }).id,
      push: 'svc-backup@evil.example',
    },
    {
      label: 'an application account, by email',
      reason: /an application account/,
      account: (h) =>
        h.simulator.state.addUser({ userName: 'svc-report', displayName: 'Reports', emailAddress: 'reports@corp.example', isApplicationAccount: true }).id,
      push: 'reports@corp.example',
    },
    {
      label: 'a protected account, by userName',
      reason: /on SS_PROTECTED_USERS/,
      account: (h) => h.simulator.state.addUser({ userName: 'breakglass', displayName: 'Break Glass' }).id,
      push: 'breakglass@evil.example',
    },
    {
      label: 'a protected account, by email',
      reason: /on SS_PROTECTED_USERS/,
      account: (h) => h.simulator.state.addUser({ userName: 'ops.admin', displayName: 'Ops Admin', emailAddress: 'admin.ops@corp.example' }).id,
      push: 'admin.ops@corp.example',
    },
  ];

  it.each(cases)('when $label is pushed, then it is left untouched and the failure is visible', async ({ reason, account, push }) => {
    const accountId = account(h);
    const before = snapshot(h, accountId);
    const id = await pushUser(h, push);

    await expectVisibleFailure(h, id, 'warn', reason);
    expect(await syncState(h, id)).toMatchObject({ syncState: 'failed' });
    expect(snapshot(h, accountId)).toEqual(before);

    // A later active=false must not disable it either.
    await h.scim('PATCH', `/Users/${id}`, { schemas: [PATCH], Operations: [{ op: 'replace', value: { active: false } }] });
    await until('the second failure', async () => (await h.bridge.admin.listFailed()).filter((f) => f.resourceId === id).length >= 2);
    expect(snapshot(h, accountId)).toEqual(before);
  });
});
