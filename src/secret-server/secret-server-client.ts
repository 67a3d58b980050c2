import type { Logger } from '../logging/logger';
import { SecretServerMethodNotAllowedError, SecretServerNotFoundError, SecretServerPermanentError } from './secret-server-errors';
import {
  LOCAL_DOMAIN_ID,
  SecretServerGroup,
  SecretServerGroupMember,
  SecretServerPage,
  SecretServerUser,
  toGroup,
  toGroupMember,
  toPage,
  toUser,
} from './secret-server-mapping';
import {
  CallSpec,
  LastExchange,
  SecretServerConnection,
  SecretServerConnectionOptions,
  SecretServerTransport,
  SecretServerTransportDeps,
  fillTemplate,
} from './secret-server-transport';
import type {
  DeletedModel,
  GroupCreateArgs,
  GroupMembershipPatchModel,
  GroupModel,
  GroupSummary,
  GroupUserSummary,
  Paging,
  PatchUserModel,
  UserCreateArgs,
  UserModel,
  UserSummary,
} from './secret-server-types';

export type { SecretServerGroup, SecretServerGroupMember, SecretServerPage, SecretServerUser } from './secret-server-mapping';
export type { SecretServerConnection } from './secret-server-transport';

export interface SecretServerClientOptions extends SecretServerConnectionOptions {
  /** Log writes instead of sending them (reads still go out). */
  dryRun: boolean;
  /** take= when paging lists; default 500, at most MAX_PAGE_SIZE. */
  pageSize?: number;
}

export type SecretServerClientDeps = SecretServerTransportDeps;

export interface NewSecretServerUser {
  userName: string;
  displayName: string;
  emailAddress: string | null;
  enabled: boolean;
  /** A policy-compliant password (password-generator.ts); never logged. */
  password: string;
}

export interface SecretServerUserChanges {
  displayName?: string;
  emailAddress?: string | null;
  enabled?: boolean;
}

/** The whole of a group that PUT /api/v1/groups/{id} sets. */
export interface SecretServerGroupUpdate {
  name: string;
  enabled: boolean;
}

export const DEFAULT_PAGE_SIZE = 500;
/** Never page with the SCIM connector's take=999999999 (thycotic/scim-connector-docs config/app-settings-jason.md): one huge answer times out. */
export const MAX_PAGE_SIZE = 1000;

const USERS = '/api/v1/users';
const USER = '/api/v1/users/{id}';
const GROUPS = '/api/v1/groups';
const GROUP = '/api/v1/groups/{id}';
const GROUP_USERS = '/api/v1/groups/{id}/users';
const GROUP_USER = '/api/v1/groups/{id}/users/{userId}';

/**
 * An explicit order on every paged list, as Delinea's PowerShell module sends one on each search
 * (thycotic.secretserver `Search-TssUser.ps1`, `Search-TssGroup.ps1`, `Get-TssGroupMember.ps1`):
 * without one, skip/take offsets may shift between pages. userName and group names are unique, so
 * the order has no ties.
 */
const BY_USER_NAME = { 'sortBy[0].name': 'userName', 'sortBy[0].direction': 'asc' } as const;
const BY_GROUP_NAME = { 'sortBy[0].name': 'name', 'sortBy[0].direction': 'asc' } as const;

const sameText = (a: string | null | undefined, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

const hasNoEmail = (u: { emailAddress: string | null }) => !u.emailAddress || u.emailAddress.trim() === '';

/** Prefer enabled, then local, then the oldest (lowest id): a stable choice among look-alikes. */
function preferred<T extends { id: number; enabled: boolean; domainId: number | null }>(candidates: T[]): T | null {
  const sorted = [...candidates].sort(
    (a, b) =>
      Number(b.enabled) - Number(a.enabled) ||
      Number(b.domainId === LOCAL_DOMAIN_ID || b.domainId === null) - Number(a.domainId === LOCAL_DOMAIN_ID || a.domainId === null) ||
      a.id - b.id,
  );
  return sorted[0] ?? null;
}

/*
 * What the find* methods pick from a searchText answer, which is a contains-match on userName,
 * displayName and email (users) or on name (groups). Exported so the fake Secret Server
 * (fake-secret-server.ts) picks exactly as this client does.
 */

/** The user `email` belongs to: exact emailAddress first, then a userName equal to it on an account with no email. */
export function ownerOfEmail(found: SecretServerUser[], email: string): SecretServerUser | null {
  return preferred(found.filter((u) => sameText(u.emailAddress, email))) ?? preferred(found.filter((u) => sameText(u.userName, email) && hasNoEmail(u)));
}

/** The user with exactly this userName, in any case. */
export function userNamed(found: SecretServerUser[], userName: string): SecretServerUser | null {
  return preferred(found.filter((u) => sameText(u.userName, userName)));
}

/** The group with exactly this name: the same case first, then any case. */
export function groupNamed(found: SecretServerGroup[], name: string): SecretServerGroup | null {
  const matches = found.filter((g) => sameText(g.name, name));
  return preferred(matches.filter((g) => g.name === name)) ?? preferred(matches);
}

function withoutPasswords(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  if (Array.isArray(body)) return body.map(withoutPasswords);
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>)
      .filter(([k]) => k.toLowerCase() !== 'password')
      .map(([k, v]) => [k, withoutPasswords(v)]),
  );
}

/**
 * The Secret Server REST client: domain-shaped methods over SecretServerTransport, mapping the
 * vendor's JSON at this edge. Every method throws SecretServerError subclasses only
 * (secret-server-errors.ts); none retries — BullMQ does.
 */
export class SecretServerClient {
  readonly dryRun: boolean;
  private readonly transport: SecretServerTransport;
  private readonly logger: Logger;
  private readonly pageSize: number;
  private dryRunIds = 0;
  /** Whether this server has the bulk membership PATCH: unknown until first tried. */
  private bulkMembership: boolean | undefined;
  private apiAccountLookup: Promise<SecretServerUser> | undefined;
  private lastSeenApiAccount: SecretServerUser | undefined;

  constructor(options: SecretServerClientOptions, deps: SecretServerClientDeps) {
    this.logger = deps.logger.child({ category: 'secret-server' });
    this.transport = new SecretServerTransport(options, { ...deps, logger: this.logger });
    this.dryRun = options.dryRun;
    this.pageSize = this.clampTake(options.pageSize ?? DEFAULT_PAGE_SIZE);
    deps.breaker?.onStateChange((state, previous) => {
      const level = state === 'open' ? 'warn' : 'info';
      this.logger.log(level, `Secret Server circuit ${previous} -> ${state}`, { state, previous });
    });
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * Gets a token (cached or fresh), detecting the kind of server and the vault URL on first use:
   * proves the URL and credentials work.
   */
  async connect(): Promise<SecretServerConnection> {
    await this.transport.ensureToken();
    return this.transport.resolvedConnection!;
  }

  /** What SS_BASE_URL turned out to be, once connected. */
  get connection(): SecretServerConnection | undefined {
    return this.transport.resolvedConnection;
  }

  /** What the bridge knows of Secret Server without asking it: the last exchange and any grant backoff. */
  health(): { lastExchange?: LastExchange; grantBackoff?: { reason: string; retryAt: number } } {
    return { lastExchange: this.transport.lastExchange, grantBackoff: this.transport.grantBackoff };
  }

  /**
   * The API account itself (GET /api/v1/users/current), asked once per process: the bridge must
   * never claim, change or disable the account it works through.
   */
  apiAccount(): Promise<SecretServerUser> {
    if (!this.apiAccountLookup) {
      this.apiAccountLookup = this.currentUser();
      this.apiAccountLookup.catch(() => {
        this.apiAccountLookup = undefined;
      });
    }
    return this.apiAccountLookup;
  }

  /** The API account as the last lookup saw it; never calls Secret Server. */
  knownApiAccount(): SecretServerUser | undefined {
    return this.lastSeenApiAccount;
  }

  /**
   * GET /api/v1/users/current: one real round trip with the token (DelineaXPM/delinea-tools
   * api/auth.go checks a token the same way). /readyz uses it, so a cached token cannot hide an outage.
   */
  async currentUser(): Promise<SecretServerUser> {
    this.lastSeenApiAccount = toUser(await this.transport.call<UserModel>({ method: 'GET', template: '/api/v1/users/current' }));
    return this.lastSeenApiAccount;
  }

  // ---- users ----

  /** Every user whose userName, displayName or email contains `text` (all pages). */
  async searchUsers(text: string, options: { includeInactive?: boolean } = {}): Promise<SecretServerUser[]> {
    const includeInactive = options.includeInactive ?? true;
    return this.allPages<UserSummary, SecretServerUser>(
      (skip, take) => ({
        method: 'GET',
        template: USERS,
        query: { 'filter.searchText': text, 'filter.includeInactive': includeInactive, ...BY_USER_NAME, skip, take },
      }),
      toUser,
    );
  }

  /**
   * The user this email belongs to, disabled ones included: an exact case-insensitive match on
   * emailAddress first, then a user whose userName is the email and who has no email of their own
   * (Delinea's SCIM connector keys users by email: thycotic/scim-connector-docs config/faq.md). A userName match whose account holds
   * another email is someone else's account, never this email's.
   */
  async findUserOwningEmail(email: string): Promise<SecretServerUser | null> {
    return ownerOfEmail(await this.searchUsers(email, { includeInactive: true }), email);
  }

  /** The user with exactly this userName (case-insensitive), disabled ones included. */
  async findUserByUserName(userName: string): Promise<SecretServerUser | null> {
    return userNamed(await this.searchUsers(userName, { includeInactive: true }), userName);
  }

  async getUser(id: number): Promise<SecretServerUser> {
    const user = await this.transport.call<UserModel>({ method: 'GET', template: USER, params: { id }, query: { includeInactive: true } });
    return toUser(user);
  }

  /**
   * A local user (domainId -1). A taken userName is a 400 whose wording is not documented, so
   * callers look the userName up rather than read the message.
   */
  async createUser(user: NewSecretServerUser): Promise<SecretServerUser> {
    const body: UserCreateArgs = {
      userName: user.userName,
      displayName: user.displayName,
      password: user.password,
      emailAddress: user.emailAddress,
      enabled: user.enabled,
      domainId: LOCAL_DOMAIN_ID,
      isApplicationAccount: false,
    };
    const spec: CallSpec = { method: 'POST', template: USERS, body };
    if (this.dryRun) {
      this.logDryRun(spec);
      const { userName, displayName, emailAddress, enabled } = user;
      return { ...this.dryRunUserStub(this.nextDryRunId()), userName, displayName, emailAddress, enabled, created: new Date().toISOString() };
    }
    return toUser(await this.transport.call<UserModel>(spec));
  }

  /** PATCH only the given fields ({dirty:true,value}); userName cannot change in Secret Server. */
  async updateUser(id: number, changes: SecretServerUserChanges): Promise<SecretServerUser> {
    const body: PatchUserModel = { id };
    if (changes.displayName !== undefined) body.displayName = { dirty: true, value: changes.displayName };
    if (changes.emailAddress !== undefined) body.emailAddress = { dirty: true, value: changes.emailAddress };
    if (changes.enabled !== undefined) body.enabled = { dirty: true, value: changes.enabled };
    if (Object.keys(body).length === 1) return this.getUser(id);
    const spec: CallSpec = { method: 'PATCH', template: USER, params: { id }, body };
    if (this.dryRun) {
      this.logDryRun(spec);
      const current = id > 0 ? await this.getUser(id) : this.dryRunUserStub(id);
      return { ...current, ...changes };
    }
    return toUser(await this.transport.call<UserModel>(spec));
  }

  /** One page of all users, disabled ones included (for the import). */
  async listUsersPage(skip: number, take: number = this.pageSize): Promise<SecretServerPage<SecretServerUser>> {
    const t = this.clampTake(take);
    const page = await this.transport.call<Paging<UserSummary>>({
      method: 'GET',
      template: USERS,
      query: { 'filter.includeInactive': true, ...BY_USER_NAME, skip, take: t },
    });
    return toPage(page, toUser, skip, t);
  }

  // ---- groups ----

  /** One page of all groups, disabled ones included (for the import). */
  async listGroupsPage(skip: number, take: number = this.pageSize): Promise<SecretServerPage<SecretServerGroup>> {
    const t = this.clampTake(take);
    const page = await this.transport.call<Paging<GroupSummary>>({
      method: 'GET',
      template: GROUPS,
      query: { 'filter.includeInactive': true, ...BY_GROUP_NAME, skip, take: t },
    });
    return toPage(page, toGroup, skip, t);
  }

  /** The group with exactly this name (case-insensitive), disabled ones included. searchText is a contains-match. */
  async findGroupByName(name: string): Promise<SecretServerGroup | null> {
    const found = await this.allPages<GroupSummary, SecretServerGroup>(
      (skip, take) => ({ method: 'GET', template: GROUPS, query: { 'filter.searchText': name, 'filter.includeInactive': true, ...BY_GROUP_NAME, skip, take } }),
      toGroup,
    );
    return groupNamed(found, name);
  }

  async getGroup(id: number): Promise<SecretServerGroup> {
    return toGroup(await this.transport.call<GroupModel>({ method: 'GET', template: GROUP, params: { id } }));
  }

  /** A local, enabled group. */
  async createGroup(name: string): Promise<SecretServerGroup> {
    const body: GroupCreateArgs = { name, enabled: true };
    const spec: CallSpec = { method: 'POST', template: GROUPS, body };
    if (this.dryRun) {
      this.logDryRun(spec);
      return this.dryRunGroupStub(this.nextDryRunId(), name);
    }
    return toGroup(await this.transport.call<GroupModel>(spec));
  }

  /**
   * Renames and enables or disables a group with PUT {id, name, enabled}: every Web API version
   * has it, where the group PATCH is newer and answers 405 on older servers (no public client
   * renames through PATCH).
   */
  async updateGroup(id: number, update: SecretServerGroupUpdate): Promise<SecretServerGroup> {
    const spec: CallSpec = { method: 'PUT', template: GROUP, params: { id }, body: { id, name: update.name, enabled: update.enabled } };
    if (this.dryRun) {
      this.logDryRun(spec);
      const current = id > 0 ? await this.getGroup(id) : this.dryRunGroupStub(id, '');
      return { ...current, ...update };
    }
    return toGroup(await this.transport.call<GroupModel>(spec));
  }

  async deleteGroup(id: number): Promise<void> {
    const spec: CallSpec = { method: 'DELETE', template: GROUP, params: { id } };
    if (this.dryRun) return this.logDryRun(spec);
    await this.transport.call<DeletedModel>(spec);
  }

  /** Every member, disabled users included (all pages). */
  async listGroupMembers(groupId: number): Promise<SecretServerGroupMember[]> {
    return this.allPages<GroupUserSummary, SecretServerGroupMember>(
      (skip, take) => ({
        method: 'GET',
        template: GROUP_USERS,
        params: { id: groupId },
        query: { 'filter.includeInactiveUsersForGroup': true, ...BY_USER_NAME, skip, take },
      }),
      toGroupMember,
    );
  }

  /**
   * Adds and removes members: one bulk PATCH where the server has it (11.x), else one POST or
   * DELETE per member, as every hand-written client does (thycotic.secretserver
   * `Add-TssGroupMember`, `Remove-TssGroupMember`). A 405 means the server lacks the PATCH, a 404
   * while still unknown may mean the same; either is remembered for the process once the
   * fallback works. Nothing to do means no call.
   */
  async updateGroupMembers(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<void> {
    if (addUserIds.length === 0 && removeUserIds.length === 0) return;
    if (this.bulkMembership !== false) {
      try {
        await this.patchGroupMembers(groupId, addUserIds, removeUserIds);
        this.bulkMembership = true;
        return;
      } catch (err) {
        const missing = err instanceof SecretServerMethodNotAllowedError || (err instanceof SecretServerNotFoundError && this.bulkMembership === undefined);
        if (!missing) throw err;
        await this.changeMembersOneByOne(groupId, addUserIds, removeUserIds);
        this.bulkMembership = false;
        this.logger.info('this Secret Server has no bulk membership PATCH; changing members one call each', {
          endpoint: `PATCH ${GROUP_USERS}`,
          status: err.status,
        });
        return;
      }
    }
    await this.changeMembersOneByOne(groupId, addUserIds, removeUserIds);
  }

  // ---- helpers ----

  private async patchGroupMembers(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<void> {
    const body: GroupMembershipPatchModel = { addedUserIds: [...addUserIds], removeUserIds: [...removeUserIds] };
    const spec: CallSpec = { method: 'PATCH', template: GROUP_USERS, params: { id: groupId }, body };
    if (this.dryRun) return this.logDryRun(spec);
    const result = await this.transport.call<{ success?: boolean } | undefined>(spec);
    if (result && result.success === false) {
      throw new SecretServerPermanentError(`Secret Server PATCH ${GROUP_USERS} reported success:false`, { endpoint: `PATCH ${GROUP_USERS}`, status: 200 });
    }
  }

  private async changeMembersOneByOne(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<void> {
    for (const userId of addUserIds) {
      const spec: CallSpec = { method: 'POST', template: GROUP_USERS, params: { id: groupId }, body: { userId } };
      if (this.dryRun) this.logDryRun(spec);
      else await this.transport.call<unknown>(spec);
    }
    for (const userId of removeUserIds) {
      const spec: CallSpec = { method: 'DELETE', template: GROUP_USER, params: { id: groupId, userId } };
      if (this.dryRun) this.logDryRun(spec);
      else await this.transport.call<unknown>(spec);
    }
  }

  /** Follows hasNext/nextSkip with a bounded take until the last page. */
  private async allPages<W, D>(spec: (skip: number, take: number) => CallSpec, map: (w: W) => D): Promise<D[]> {
    const items: D[] = [];
    let skip = 0;
    for (;;) {
      const page = toPage(await this.transport.call<Paging<W>>(spec(skip, this.pageSize)), map, skip, this.pageSize);
      items.push(...page.items);
      if (!page.hasNext || page.nextSkip <= skip) return items;
      skip = page.nextSkip;
    }
  }

  private clampTake(take: number): number {
    if (!Number.isFinite(take) || take <= 0) return DEFAULT_PAGE_SIZE;
    return Math.min(Math.floor(take), MAX_PAGE_SIZE);
  }

  private logDryRun(spec: CallSpec): void {
    this.logger.info('dry run: Secret Server write not sent', {
      method: spec.method,
      path: fillTemplate(spec.template, spec.params),
      body: withoutPasswords(spec.body),
    });
  }

  /** Dry-run objects get negative ids, so they can never be mistaken for real ones. */
  private nextDryRunId(): number {
    this.dryRunIds += 1;
    return -this.dryRunIds;
  }

  private dryRunUserStub(id: number): SecretServerUser {
    return {
      id,
      userName: '',
      displayName: '',
      emailAddress: null,
      enabled: true,
      isLockedOut: false,
      isApplicationAccount: false,
      domainId: LOCAL_DOMAIN_ID,
      domainName: null,
      created: null,
    };
  }

  private dryRunGroupStub(id: number, name: string): SecretServerGroup {
    return {
      id,
      name,
      enabled: true,
      domainId: LOCAL_DOMAIN_ID,
      domainName: null,
      synchronized: false,
      canEditMembers: true,
      created: new Date().toISOString(),
    };
  }
}
