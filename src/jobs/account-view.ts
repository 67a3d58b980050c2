import type { Logger } from '../logging/logger';
import { ownerOfEmail, type SecretServerClient, type SecretServerUser } from '../secret-server/secret-server-client';
import { KeyedMutex } from '../store/keyed-mutex';
import { CreateBurst } from './create-burst';
import { pagesOf } from './secret-server-import';

/**
 * A view of Secret Server's accounts by email and userName, so that during a burst of new users
 * (create-burst.ts) a create need not search first: an email the view does not know is created at
 * once (one call), one it knows is read by id and linked. It is built by paging the users list,
 * inactive users included, a page of SS_PAGE_SIZE in the client's stable order, when a burst
 * needs it and it is older than SS_ACCOUNT_VIEW_MAX_AGE_S; the bridge's own creates and links and
 * the import keep it current meanwhile.
 *
 * What it costs: an account someone else gives an email in Secret Server after the view was read
 * is not seen until the view is read again, so for at most SS_ACCOUNT_VIEW_MAX_AGE_S a create may
 * make a second account with that email. The drift report lists such a pair (`duplicate`), and
 * the next refresh logs one WARN for it.
 */
export interface AccountViewOptions {
  /** SS_ACCOUNT_VIEW_MAX_AGE_S; 0 turns the view off. */
  maxAgeS: number;
  /** SS_PAGE_SIZE. */
  pageSize: number;
  secretServer: Pick<SecretServerClient, 'listUsersPage'>;
  /** The SCIM user linked to a Secret Server user, if any: for the WARN about duplicates. */
  linkedScimId: (secretServerId: number) => Promise<string | null>;
  logger: Logger;
  burst?: CreateBurst;
  clock?: () => number;
}

/** What the view knows of an email and the userName a create would take. */
export type ViewAnswer = { owner: SecretServerUser } | { owner: null; userNameTaken: boolean };

/** What the import hands the view as it pages: see AccountView.importFeed. */
export interface ImportFeed {
  page(users: readonly SecretServerUser[]): void;
  /** Every user page was read: the view is as fresh as the moment the import began. */
  complete(): Promise<void>;
  /** The import failed: what it read so far renews nothing. */
  abandon(): void;
}

const lower = (text: string) => text.toLowerCase();

/** Accounts by id, by email (several may share one) and by userName (unique in Secret Server). */
class AccountIndex {
  readonly byId = new Map<number, SecretServerUser>();
  readonly byEmail = new Map<string, SecretServerUser[]>();
  readonly byUserName = new Map<string, SecretServerUser>();

  put(user: SecretServerUser): void {
    const previous = this.byId.get(user.id);
    if (previous) this.remove(previous);
    this.byId.set(user.id, user);
    this.byUserName.set(lower(user.userName), user);
    if (user.emailAddress) {
      const key = lower(user.emailAddress);
      this.byEmail.set(key, [...(this.byEmail.get(key) ?? []), user]);
    }
  }

  private remove(user: SecretServerUser): void {
    this.byId.delete(user.id);
    if (this.byUserName.get(lower(user.userName)) === user) this.byUserName.delete(lower(user.userName));
    if (!user.emailAddress) return;
    const key = lower(user.emailAddress);
    const rest = (this.byEmail.get(key) ?? []).filter((u) => u.id !== user.id);
    if (rest.length) this.byEmail.set(key, rest);
    else this.byEmail.delete(key);
  }

  /** The owner by the client's own rule (ownerOfEmail): the exact email, else an email-less account named by it. */
  ownerOf(email: string): SecretServerUser | null {
    const named = this.byUserName.get(lower(email));
    return ownerOfEmail([...(this.byEmail.get(lower(email)) ?? []), ...(named ? [named] : [])], email);
  }
}

export class AccountView {
  readonly burst: CreateBurst;
  private readonly clock: () => number;
  private readonly emails = new KeyedMutex();
  private index: AccountIndex | undefined;
  private builtAt = 0;
  private refreshing: Promise<AccountIndex | undefined> | undefined;
  /** Indexes being built (a refresh, an import): the bridge's own writes meanwhile go into them too. */
  private readonly building = new Set<AccountIndex>();
  /** Duplicates already warned about, so each is one WARN per process. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: AccountViewOptions) {
    this.burst = options.burst ?? new CreateBurst();
    this.clock = options.clock ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.maxAgeS > 0;
  }

  /**
   * During a burst, what a fresh view knows of `email` and `userName`, refreshing it first when it
   * is older than the bound; undefined outside a burst, with the view off, or when it cannot be
   * read (then the caller searches first, as always).
   */
  async lookup(email: string, userName: string): Promise<ViewAnswer | undefined> {
    if (!this.enabled || !this.burst.active) return undefined;
    const index = this.fresh() ?? (await this.refresh());
    if (!index) return undefined;
    const owner = index.ownerOf(email);
    return owner ? { owner } : { owner: null, userNameTaken: index.byUserName.has(lower(userName)) };
  }

  /** Runs `work` for one email at a time in this process: two creates of one email never overlap. */
  serialised<T>(email: string, work: () => Promise<T>): Promise<T> {
    return this.emails.run(lower(email), work);
  }

  /** What the bridge just created, linked or wrote: the view holds it as Secret Server answered. */
  record(user: SecretServerUser): void {
    if (!this.enabled || user.id <= 0) return;
    // A stale index is let go here too, so a view no burst asks for again holds no memory.
    this.fresh()?.put(user);
    for (const next of this.building) next.put(user);
  }

  /**
   * The import reads every user anyway: while the view is in use (a burst read it within the
   * bound), those pages renew it. undefined when there is nothing to renew.
   */
  importFeed(): ImportFeed | undefined {
    if (!this.enabled || !this.fresh()) return undefined;
    const started = this.clock();
    const next = new AccountIndex();
    this.building.add(next);
    return {
      page: (users) => users.forEach((u) => next.put(u)),
      abandon: () => this.building.delete(next),
      complete: async () => {
        this.building.delete(next);
        this.install(next, started);
        await this.warnOfDuplicates(next).catch(() => undefined);
      },
    };
  }

  /** The index while it is within the bound; a stale one is let go (its memory with it). */
  private fresh(): AccountIndex | undefined {
    if (this.index && this.clock() - this.builtAt <= this.options.maxAgeS * 1000) return this.index;
    this.index = undefined;
    return undefined;
  }

  /** One refresh at a time: concurrent creates of a burst wait for the same one. */
  private refresh(): Promise<AccountIndex | undefined> {
    this.refreshing ??= this.read().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async read(): Promise<AccountIndex | undefined> {
    const { secretServer, pageSize, logger } = this.options;
    const started = this.clock();
    const next = new AccountIndex();
    this.building.add(next);
    let pages = 0;
    try {
      for await (const page of pagesOf((skip) => secretServer.listUsersPage(skip, pageSize))) {
        pages++;
        page.forEach((u) => next.put(u));
      }
    } catch (err) {
      logger.info('account view not refreshed; creates search first', { category: 'worker', reason: (err as Error).message });
      return undefined;
    } finally {
      this.building.delete(next);
    }
    this.install(next, started);
    logger.info('account view refreshed', { category: 'worker', accounts: next.byId.size, pages, ms: this.clock() - started });
    await this.warnOfDuplicates(next).catch((err: unknown) => logger.info('duplicate check skipped', { category: 'worker', reason: (err as Error).message }));
    return next;
  }

  /** Fresh as of when its reading began: what changed in Secret Server after that may be missing. */
  private install(next: AccountIndex, readFrom: number): void {
    if (readFrom < this.builtAt && this.index) return;
    this.index = next;
    this.builtAt = readFrom;
  }

  /**
   * One WARN per email the bridge linked that two or more accounts now hold: someone created or
   * changed an account in Secret Server (perhaps within the view's window). The bridge deletes
   * nothing; the drift report lists it.
   */
  private async warnOfDuplicates(index: AccountIndex): Promise<void> {
    for (const [email, holders] of index.byEmail) {
      if (holders.length < 2) continue;
      const ids = holders.map((h) => h.id).sort((a, b) => a - b);
      const key = `${email} ${ids.join(',')}`;
      if (this.warned.has(key)) continue;
      const linked = await Promise.all(ids.map((id) => this.options.linkedScimId(id)));
      const at = linked.findIndex((scimId) => scimId !== null);
      if (at < 0) continue;
      this.warned.add(key);
      this.options.logger.warn(
        `Secret Server holds ${email} on ${ids.length} accounts (${ids.join(', ')}), one of them (${ids[at]}) linked by the bridge: see the drift report`,
        { category: 'worker', id: linked[at], secretServerId: ids[at], secretServerIds: ids },
      );
    }
  }
}
