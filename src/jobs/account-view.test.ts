import { createSilentLogger } from '../logging/logger';
import type { SecretServerPage, SecretServerUser } from '../secret-server/secret-server-client';
import { AccountView } from './account-view';
import { CreateBurst } from './create-burst';

const user = (id: number, userName: string, emailAddress: string | null, extra: Partial<SecretServerUser> = {}): SecretServerUser => ({
  id,
  userName,
  displayName: userName,
  emailAddress,
  enabled: true,
  isLockedOut: false,
  isApplicationAccount: false,
  domainId: -1,
  domainName: null,
  created: null,
  ...extra,
});

/** A users list served two to a page, counting the pages asked for. */
function directory(users: SecretServerUser[]) {
  const reads = { pages: 0 };
  const listUsersPage = async (skip: number): Promise<SecretServerPage<SecretServerUser>> => {
    reads.pages++;
    const items = users.slice(skip, skip + 2);
    return { items, total: users.length, skip, take: 2, hasNext: skip + 2 < users.length, nextSkip: skip + 2 };
  };
  return { reads, listUsersPage };
}

function viewOver(users: SecretServerUser[], options: { maxAgeS?: number; linked?: Record<number, string> } = {}) {
  let now = 1_000_000;
  const dir = directory(users);
  const burst = new CreateBurst(2, 0, () => now);
  const view = new AccountView({
    maxAgeS: options.maxAgeS ?? 60,
    pageSize: 2,
    secretServer: dir,
    linkedScimId: async (id) => options.linked?.[id] ?? null,
    logger: createSilentLogger(),
    burst,
    clock: () => now,
  });
  return { view, burst, reads: dir.reads, advance: (ms: number) => (now += ms) };
}

describe('the account view', () => {
  it('when fewer syncs of unlinked users run than a burst takes, then it answers nothing and reads nothing', async () => {
    const { view, burst, reads } = viewOver([user(1, 'jane', 'jane@x.com')]);
    const end = burst.started();
    expect(await view.lookup('jane@x.com', 'jane@x.com')).toBeUndefined();
    end();
    expect(reads.pages).toBe(0);
  });

  it('when a burst asks, then every page is read once for all concurrent askers, and emails and userNames are found in any case', async () => {
    const { view, burst, reads } = viewOver([user(1, 'jane', 'Jane@X.com'), user(2, 'bob@x.com', null), user(3, 'carol', 'carol@x.com')]);
    burst.started();
    burst.started();
    const [jane, bob, nobody] = await Promise.all([
      view.lookup('jane@x.com', 'jane@x.com'),
      view.lookup('BOB@x.com', 'bob@x.com'),
      view.lookup('new@x.com', 'CAROL'),
    ]);
    expect(reads.pages).toBe(2);
    expect(jane).toMatchObject({ owner: { id: 1 } });
    // An account with no email, named by the email, is that email's (ownerOfEmail).
    expect(bob).toMatchObject({ owner: { id: 2 } });
    expect(nobody).toEqual({ owner: null, userNameTaken: true });
  });

  it('when the view is older than its bound, then the next lookup reads it again; while fresh, what the bridge wrote is seen', async () => {
    const { view, burst, reads, advance } = viewOver([user(1, 'jane', 'jane@x.com')], { maxAgeS: 60 });
    burst.started();
    burst.started();
    await view.lookup('x@x.com', 'x@x.com');
    view.record(user(7, 'new@x.com', 'new@x.com'));
    expect(await view.lookup('new@x.com', 'new@x.com')).toMatchObject({ owner: { id: 7 } });
    // The bridge changed jane's email: the old one is free in the view, the new one hers.
    view.record(user(1, 'jane', 'jane.doe@x.com'));
    expect(await view.lookup('jane@x.com', 'other')).toEqual({ owner: null, userNameTaken: false });
    expect(await view.lookup('jane.doe@x.com', 'other')).toMatchObject({ owner: { id: 1 } });
    expect(reads.pages).toBe(1);
    advance(61_000);
    expect(await view.lookup('jane@x.com', 'jane')).toMatchObject({ owner: { id: 1, emailAddress: 'jane@x.com' } });
    expect(reads.pages).toBe(2);
  });

  it('when the view is off, then it never answers and records nothing', async () => {
    const { view, burst, reads } = viewOver([user(1, 'jane', 'jane@x.com')], { maxAgeS: 0 });
    burst.started();
    burst.started();
    expect(view.enabled).toBe(false);
    expect(await view.lookup('jane@x.com', 'jane')).toBeUndefined();
    expect(view.importFeed()).toBeUndefined();
    expect(reads.pages).toBe(0);
  });

  it('when an import completes while the view is in use, then its pages replace the reading, with what the bridge wrote meanwhile', async () => {
    const { view, burst, reads, advance } = viewOver([user(1, 'jane', 'jane@x.com')]);
    burst.started();
    burst.started();
    await view.lookup('x@x.com', 'x@x.com');
    advance(50_000);
    const feed = view.importFeed()!;
    feed.page([user(1, 'jane', 'jane@x.com'), user(5, 'late', 'late@x.com')]);
    view.record(user(9, 'made@x.com', 'made@x.com'));
    await feed.complete();
    advance(50_000);
    // 100 s after the first reading, 50 s after the import began: still fresh.
    expect(await view.lookup('late@x.com', 'late@x.com')).toMatchObject({ owner: { id: 5 } });
    expect(await view.lookup('made@x.com', 'made@x.com')).toMatchObject({ owner: { id: 9 } });
    expect(reads.pages).toBe(1);
  });

  it('when a reading finds an email the bridge linked held by two accounts, then it warns once', async () => {
    const logger = createSilentLogger();
    const warn = jest.spyOn(logger, 'warn');
    const burst = new CreateBurst(1, 0);
    let now = 0;
    const view = new AccountView({
      maxAgeS: 1,
      pageSize: 2,
      secretServer: directory([user(1, 'pat', 'pat@x.com'), user(2, 'pat.by.hand', 'PAT@x.com'), user(3, 'kim', 'kim@x.com'), user(4, 'kim2', 'kim@x.com')]),
      linkedScimId: async (id) => (id === 1 ? 'scim-pat' : null),
      logger,
      burst,
      clock: () => now,
    });
    burst.started();
    await view.lookup('a@x.com', 'a');
    now += 2000;
    await view.lookup('a@x.com', 'a');
    expect(warn).toHaveBeenCalledTimes(1);
    const [message, fields] = warn.mock.calls[0] as unknown[];
    expect(message).toBe('Secret Server holds pat@x.com on 2 accounts (1, 2), one of them (1) linked by the bridge: see the drift report');
    expect(fields).toMatchObject({ id: 'scim-pat', secretServerId: 1 });
  });

  it('when the users list cannot be read, then it answers nothing and the caller searches', async () => {
    const burst = new CreateBurst(1, 0);
    const view = new AccountView({
      maxAgeS: 60,
      pageSize: 2,
      secretServer: { listUsersPage: async () => Promise.reject(new Error('Secret Server is down')) },
      linkedScimId: async () => null,
      logger: createSilentLogger(),
      burst,
    });
    burst.started();
    expect(await view.lookup('a@x.com', 'a')).toBeUndefined();
  });
});

describe('a burst of new users', () => {
  it('when five syncs of unlinked users run at once, then it is a burst, and for the linger after', () => {
    let now = 0;
    const burst = new CreateBurst(5, 10_000, () => now);
    const ends = Array.from({ length: 4 }, () => burst.started());
    expect(burst.active).toBe(false);
    ends.push(burst.started());
    expect(burst.active).toBe(true);
    ends.forEach((end) => end());
    ends[0]();
    now += 10_000;
    expect(burst.active).toBe(true);
    now += 1;
    expect(burst.active).toBe(false);
    // An end called twice counts once: four more are not yet a burst.
    Array.from({ length: 4 }, () => burst.started());
    expect(burst.active).toBe(false);
  });
});
