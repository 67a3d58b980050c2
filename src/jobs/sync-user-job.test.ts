import {
  SecretServerAccountNotClaimableError,
  SecretServerPermanentError,
  SecretServerPermissionError,
  SecretServerRefusedError,
  SecretServerRetryableError,
} from '../secret-server/secret-server-errors';
import { FAKE_ENDPOINTS as SS } from '../secret-server/fake-secret-server';
import { syncWorld, type SyncWorld } from './sync-job-fixtures';
import { syncUser } from './sync-user-job';

/** Unit tests of the sync-user job against the fake Secret Server and the in-memory store (no Redis). */

const okta = (email: string, extra: Record<string, unknown> = {}) => ({
  userName: email,
  name: { givenName: 'Jane', familyName: 'Doe' },
  emails: [{ value: email, primary: true, type: 'work' }],
  active: true,
  ...extra,
});

let world: SyncWorld;
beforeEach(() => {
  world = syncWorld();
});

const run = (id: string) => world.run(syncUser, 'User', id);
const userAt = (id: number) => world.secretServer.state.users.get(id)!;
/** The people in Secret Server: every user but the API account. */
const people = () => [...world.secretServer.state.users.values()].filter((u) => u.id !== world.secretServer.state.apiUserId);

/** A SCIM user already converged into Secret Server, as a previous run left it. */
async function synced(email: string, extra: Record<string, unknown> = {}) {
  const scim = await world.store.create('User', okta(email, extra));
  const outcome = await run(scim.id);
  world.secretServer.calls.length = 0;
  return { scim, ssId: outcome.secretServerId! };
}

describe('sync-user job', () => {
  it('when the user is new to Secret Server, then exactly one enabled local user is created with the email as userName, and the link records it', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com'));

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'created', email: 'jane.doe@example.com' });
    expect(world.secretServer.count(SS.createUser)).toBe(1);
    const [created] = people();
    expect(created).toMatchObject({ userName: 'jane.doe@example.com', displayName: 'Jane Doe', emailAddress: 'jane.doe@example.com', enabled: true });
    expect(outcome.secretServerId).toBe(created.id);
    expect(await world.store.getLink('User', scim.id)).toMatchObject({
      state: 'synced',
      secretServerId: created.id,
      secretServerUserName: 'jane.doe@example.com',
      syncedVersion: 1,
    });
    expect(await world.store.findIdBySecretServerId('User', created.id)).toBe(scim.id);
    expect(world.store.isDirty('User', scim.id)).toBe(false);
  });

  it('when the same version runs again, then it is unchanged and Secret Server is not called', async () => {
    const { scim } = await synced('jane.doe@example.com');

    expect(await run(scim.id)).toMatchObject({ result: 'unchanged' });
    expect(world.secretServer.calls).toEqual([]);
  });

  it('when a disabled Secret Server user already holds the email in another case, then it is linked and enabled, never duplicated', async () => {
    const existing = world.secretServer.state.addUser({
      userName: 'jdoe',
      displayName: 'Jane Doe',
      emailAddress: 'Jane.Doe@Example.com',
      enabled: false,
    });
    const scim = await world.store.create('User', okta('jane.doe@example.com'));

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'linked', secretServerId: existing.id });
    expect(world.secretServer.count(SS.createUser)).toBe(0);
    expect(people()).toHaveLength(1);
    expect(userAt(existing.id)).toMatchObject({ enabled: true, emailAddress: 'jane.doe@example.com' });
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'synced', secretServerId: existing.id, secretServerUserName: 'jdoe' });
  });

  it('when an account without an email has the email as its userName, then it is linked, not created', async () => {
    const existing = world.secretServer.state.addUser({ userName: 'jane.doe@example.com', displayName: 'Jane', emailAddress: null });
    const scim = await world.store.create('User', okta('jane.doe@example.com'));

    expect(await run(scim.id)).toMatchObject({ result: 'linked', secretServerId: existing.id });
    expect(world.secretServer.count(SS.createUser)).toBe(0);
    expect(userAt(existing.id)).toMatchObject({ emailAddress: 'jane.doe@example.com', displayName: 'Jane Doe' });
  });

  it('when the create is refused because a disabled account without email holds the userName, then that account is linked', async () => {
    // The email search cannot find it (its userName is not the email), the userName is taken: the 400 is looked up.
    world = syncWorld({ usernameFormat: 'email-local-part' });
    const existing = world.secretServer.state.addUser({ userName: 'jane.doe', displayName: 'Old', emailAddress: null, enabled: false });
    const scim = await world.store.create('User', okta('jane.doe@example.com'));

    expect(await run(scim.id)).toMatchObject({ result: 'linked', secretServerId: existing.id });
    expect(world.secretServer.count(SS.createUser)).toBe(1);
    expect(people()).toHaveLength(1);
    expect(userAt(existing.id)).toMatchObject({ enabled: true, emailAddress: 'jane.doe@example.com', displayName: 'Jane Doe' });
  });

  it('when the userName is taken by an account with another email, then it fails permanently as not claimable, and the settled link says failed', async () => {
    world = syncWorld({ usernameFormat: 'email-local-part' });
    world.secretServer.state.addUser({ userName: 'jane.doe', displayName: 'Other Jane', emailAddress: 'jane.doe@elsewhere.example' });
    const scim = await world.store.create('User', okta('jane.doe@example.com'));

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerAccountNotClaimableError);
    const decision = await world.runAndSettle(syncUser, 'User', scim.id);

    expect(decision).toMatchObject({ action: 'unrecoverable', metric: 'failed', log: { level: 'warn' } });
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('another email') });
    expect(people()).toHaveLength(1);
  });

  it('when displayName, email and active change, then one PATCH sends exactly the fields that differ', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    await world.store.replace('User', scim.id, okta('jane.smith@example.com', { displayName: 'Jane Smith' }));

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'updated', secretServerId: ssId });
    expect(world.secretServer.calls.filter((c) => c.endpoint === SS.updateUser)).toEqual([
      { endpoint: SS.updateUser, method: 'updateUser', args: [ssId, { displayName: 'Jane Smith', emailAddress: 'jane.smith@example.com' }] },
    ]);
    expect(userAt(ssId)).toMatchObject({ userName: 'jane.doe@example.com', displayName: 'Jane Smith', emailAddress: 'jane.smith@example.com' });
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'synced', syncedVersion: 2 });
  });

  it('when nothing Secret Server holds changed, then no PATCH is sent', async () => {
    const { scim } = await synced('jane.doe@example.com');
    await world.store.replace('User', scim.id, okta('jane.doe@example.com', { title: 'Engineer' }));

    expect(await run(scim.id)).toMatchObject({ result: 'updated' });
    expect(world.secretServer.count(SS.updateUser)).toBe(0);
  });

  it('when active becomes false, then the linked user is disabled', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    await world.store.replace('User', scim.id, okta('jane.doe@example.com', { active: false }));

    expect(await run(scim.id)).toMatchObject({ result: 'disabled', secretServerId: ssId });
    expect(userAt(ssId).enabled).toBe(false);
    expect(world.secretServer.calls.find((c) => c.endpoint === SS.updateUser)?.args).toEqual([ssId, { enabled: false }]);
  });

  it('when the SCIM user is deleted, then the linked user is disabled, never deleted', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    await world.store.remove('User', scim.id);

    const outcome = await run(scim.id);

    expect(outcome).toMatchObject({ result: 'disabled', secretServerId: ssId, detail: 'SCIM delete disables, never deletes' });
    expect(userAt(ssId)).toMatchObject({ enabled: false, emailAddress: 'jane.doe@example.com' });
    expect(world.store.isDirty('User', scim.id)).toBe(false);
  });

  it('when the SCIM user is deleted before it reached Secret Server, then the job is skipped without a call', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com'));
    await world.store.remove('User', scim.id);

    expect(await run(scim.id)).toMatchObject({ result: 'skipped', detail: 'deleted before it reached Secret Server' });
    expect(world.secretServer.calls).toEqual([]);
  });

  it('when Okta sends blank names, then the displayName Secret Server requires is filled from the email', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com', { displayName: ' ', name: { givenName: '', familyName: '' } }));

    await run(scim.id);

    expect(people()[0]).toMatchObject({ displayName: 'Jane Doe' });
    // What the fill spares the job: Secret Server's answer to a blank displayName.
    await expect(
      world.secretServer.createUser({ userName: 'x@example.com', displayName: '', emailAddress: 'x@example.com', enabled: true, password: 'Aa1!aaaaaaaaaaaa' }),
    ).rejects.toMatchObject({ name: 'SecretServerPermanentError', status: 400, modelState: { 'args.DisplayName': ['The DisplayName field is required.'] } });
  });

  it('when a resync finds the linked id holding another account (a restored backup), then the link is dropped and the user found by email again', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    world.secretServer.state.restoreBackup(ssId);
    const stranger = { ...userAt(ssId) };

    const outcome = await world.run(syncUser, 'User', scim.id, { force: true });

    expect(outcome.result).toBe('created');
    expect(outcome.secretServerId).not.toBe(ssId);
    expect(userAt(ssId)).toEqual(stranger);
    expect(world.secretServer.count(SS.updateUser)).toBe(0);
  });

  it('when the email belongs to an account on SS_PROTECTED_USERS, then nothing is written and the failure is permanent', async () => {
    world = syncWorld({ protectedUsers: ['breakglass'] });
    const admin = world.secretServer.state.addUser({ userName: 'breakglass', displayName: 'Break Glass', emailAddress: 'jane.doe@example.com' });
    const scim = await world.store.create('User', okta('jane.doe@example.com', { displayName: 'Jane' }));

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerAccountNotClaimableError);
    expect(world.secretServer.count(SS.updateUser)).toBe(0);
    expect(userAt(admin.id).displayName).toBe('Break Glass');
  });

  it('when the SCIM user has no email, then the failure is permanent before any call', async () => {
    const scim = await world.store.create('User', { userName: 'jdoe', active: true });

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerPermanentError);
    expect(world.secretServer.calls).toEqual([]);
  });

  it('when Secret Server answers 403 to the PATCH, then the failure is permanent and the settled link says failed', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    await world.store.replace('User', scim.id, okta('jane.doe@example.com', { displayName: 'Jane Q. Doe' }));
    world.secretServer.failNext(SS.updateUser, { status: 403, body: { message: 'Access to this resource is denied.' } });

    const decision = await world.runAndSettle(syncUser, 'User', scim.id);

    expect(decision).toMatchObject({ action: 'unrecoverable', metric: 'failed', log: { level: 'error' } });
    expect(decision.action === 'unrecoverable' && decision.reason).toBe(
      'Secret Server PATCH /api/v1/users/{id} answered 403: Access to this resource is denied.',
    );
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('answered 403') });
    expect(userAt(ssId).displayName).toBe('Jane Doe');
    world.secretServer.failNext(SS.updateUser, { status: 403, body: { message: 'denied' } });
    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerPermissionError);
  });

  it('when Secret Server refuses to disable the user (API_AccessDenied) and it is unchanged, then the failure is a permanent refusal', async () => {
    const { scim, ssId } = await synced('jane.doe@example.com');
    world.secretServer.refuseDisable = ['jane.doe@example.com'];
    await world.store.replace('User', scim.id, okta('jane.doe@example.com', { active: false }));

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerRefusedError);
    // The refusal was read back before it was called one.
    expect(world.secretServer.calls.map((c) => c.endpoint)).toEqual([SS.getUser, SS.updateUser, SS.getUser]);
    expect(userAt(ssId).enabled).toBe(true);
    expect(await world.runAndSettle(syncUser, 'User', scim.id)).toMatchObject({ action: 'unrecoverable', links: [{ state: 'failed' }] });
  });

  it('when Secret Server is unavailable, then the error propagates for a retry, the link says pending, and the retry creates exactly one user', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com'));
    world.secretServer.failNext(SS.createUser, { status: 503 });

    await expect(run(scim.id)).rejects.toBeInstanceOf(SecretServerRetryableError);
    world.secretServer.failNext(SS.createUser, { status: 503 });
    const decision = await world.runAndSettle(syncUser, 'User', scim.id);
    expect(decision).toMatchObject({ action: 'retry', metric: 'retry', links: [{ state: 'pending' }] });
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'pending', lastError: 'Secret Server POST /api/v1/users answered 503' });
    expect(people()).toHaveLength(0);

    expect(await run(scim.id)).toMatchObject({ result: 'created' });
    expect(people()).toHaveLength(1);
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'synced', lastError: undefined });
  });

  it('when Secret Server is still unavailable on the last attempt, then the job fails and the link says failed', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com'));
    world.secretServer.failNext(SS.searchUsers, { status: 502 });

    const decision = await world.runAndSettle(syncUser, 'User', scim.id, { attemptsMade: 11, attempts: 12 });

    expect(decision).toMatchObject({ action: 'fail', links: [{ state: 'pending' }, { state: 'failed' }] });
    expect(await world.store.getLink('User', scim.id)).toMatchObject({ state: 'failed' });
  });

  it('when Secret Server answers 429 with Retry-After, then the job waits that long without spending an attempt', async () => {
    const scim = await world.store.create('User', okta('jane.doe@example.com'));
    world.secretServer.failNext(SS.searchUsers, { status: 429, body: { message: 'Too many requests.' }, retryAfterSeconds: 7 });

    expect(await world.runAndSettle(syncUser, 'User', scim.id)).toMatchObject({ action: 'delay', delayMs: 7000, links: [{ state: 'pending' }] });
  });
});
