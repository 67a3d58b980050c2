import type { Logger } from '../logging/logger';
import { SecretServerPermanentError } from './secret-server-errors';
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
import { CallSpec, SecretServerConnectionOptions, SecretServerTransport, SecretServerTransportDeps, fillTemplate } from './secret-server-transport';
import type {
  DeletedModel,
  GroupCreateArgs,
  GroupMembershipPatchModel,
  GroupModel,
  GroupPatchModel,
  GroupSummary,
  GroupUserSummary,
  Paging,
  PatchUserModel,
  UserCreateArgs,
  UserModel,
  UserSummary,
} from './secret-server-types';

export type { SecretServerGroup, SecretServerGroupMember, SecretServerPage, SecretServerUser } from './secret-server-mapping';

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

export const DEFAULT_PAGE_SIZE = 500;
/** Never page with the connector's take=999999999 (reference §2.1): one huge answer times out. */
export const MAX_PAGE_SIZE = 1000;

const USERS = '/api/v1/users';
const USER = '/api/v1/users/{id}';
const GROUPS = '/api/v1/groups';
const GROUP = '/api/v1/groups/{id}';
const GROUP_USERS = '/api/v1/groups/{id}/users';

const sameText = (a: string | null | undefined, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

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

  /** Gets a token (cached or fresh): proves the URL and credentials work. For /readyz. */
  async checkAuth(): Promise<void> {
    await this.transport.ensureToken();
  }

  /**
   * GET /api/v1/users/current: one real round trip with the token (reference §3.1 calls it a
   * good connectivity test). /readyz uses it, so a cached token cannot hide an outage.
   */
  async currentUser(): Promise<SecretServerUser> {
    return toUser(await this.transport.call<UserModel>({ method: 'GET', template: '/api/v1/users/current' }));
  }

  // ---- users ----

  /** Every user whose userName, displayName or email contains `text` (all pages). */
  async searchUsers(text: string, options: { includeInactive?: boolean } = {}): Promise<SecretServerUser[]> {
    const includeInactive = options.includeInactive ?? true;
    return this.allPages<UserSummary, SecretServerUser>(
      (skip, take) => ({
        method: 'GET',
        template: USERS,
        query: { 'filter.searchText': text, 'filter.includeInactive': includeInactive, skip, take },
      }),
      toUser,
    );
  }

  /**
   * The user this email belongs to, disabled ones included: an exact case-insensitive match on
   * emailAddress first, then on userName (reference §5: the connector keys users by email).
   */
  async findUserByEmail(email: string): Promise<SecretServerUser | null> {
    const found = await this.searchUsers(email, { includeInactive: true });
    return preferred(found.filter((u) => sameText(u.emailAddress, email))) ?? preferred(found.filter((u) => sameText(u.userName, email)));
  }

  /** The user with exactly this userName (case-insensitive), disabled ones included. */
  async findUserByUserName(userName: string): Promise<SecretServerUser | null> {
    const found = await this.searchUsers(userName, { includeInactive: true });
    return preferred(found.filter((u) => sameText(u.userName, userName)));
  }

  async getUser(id: number): Promise<SecretServerUser> {
    const user = await this.transport.call<UserModel>({ method: 'GET', template: USER, params: { id }, query: { includeInactive: true } });
    return toUser(user);
  }

  /** A local user (domainId -1). A taken userName throws SecretServerDuplicateUserNameError. */
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
      query: { 'filter.includeInactive': true, skip, take: t },
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
      query: { 'filter.includeInactive': true, skip, take: t },
    });
    return toPage(page, toGroup, skip, t);
  }

  /** The group with exactly this name (case-insensitive), disabled ones included. searchText is a contains-match. */
  async findGroupByName(name: string): Promise<SecretServerGroup | null> {
    const found = await this.allPages<GroupSummary, SecretServerGroup>(
      (skip, take) => ({ method: 'GET', template: GROUPS, query: { 'filter.searchText': name, 'filter.includeInactive': true, skip, take } }),
      toGroup,
    );
    const matches = found.filter((g) => sameText(g.name, name));
    return preferred(matches.filter((g) => g.name === name)) ?? preferred(matches);
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

  /** PATCH with the `data` wrapper (reference §4.1). */
  async renameGroup(id: number, name: string): Promise<SecretServerGroup> {
    return this.patchGroup(id, { name: { dirty: true, value: name } }, { name });
  }

  /** Re-enables (or disables) a group, e.g. one found disabled by findGroupByName. */
  async setGroupEnabled(id: number, enabled: boolean): Promise<SecretServerGroup> {
    return this.patchGroup(id, { enabled: { dirty: true, value: enabled } }, { enabled });
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
        query: { 'filter.includeInactiveUsersForGroup': true, skip, take },
      }),
      toGroupMember,
    );
  }

  /** Adds and removes members in one PATCH (11.x). Nothing to do means no call. */
  async updateGroupMembers(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<void> {
    if (addUserIds.length === 0 && removeUserIds.length === 0) return;
    const body: GroupMembershipPatchModel = { addedUserIds: [...addUserIds], removeUserIds: [...removeUserIds] };
    const spec: CallSpec = { method: 'PATCH', template: GROUP_USERS, params: { id: groupId }, body };
    if (this.dryRun) return this.logDryRun(spec);
    const result = await this.transport.call<{ success?: boolean } | undefined>(spec);
    if (result && result.success === false) {
      throw new SecretServerPermanentError(`Secret Server PATCH ${GROUP_USERS} reported success:false`, { endpoint: `PATCH ${GROUP_USERS}`, status: 200 });
    }
  }

  // ---- helpers ----

  private async patchGroup(id: number, data: GroupPatchModel, changes: Partial<SecretServerGroup>): Promise<SecretServerGroup> {
    const spec: CallSpec = { method: 'PATCH', template: GROUP, params: { id }, body: { data } };
    if (this.dryRun) {
      this.logDryRun(spec);
      const current = id > 0 ? await this.getGroup(id) : this.dryRunGroupStub(id, '');
      return { ...current, ...changes };
    }
    return toGroup(await this.transport.call<GroupModel>(spec));
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
    return { id, userName: '', displayName: '', emailAddress: null, enabled: true, isLockedOut: false, isApplicationAccount: false, domainId: LOCAL_DOMAIN_ID, domainName: null, created: null };
  }

  private dryRunGroupStub(id: number, name: string): SecretServerGroup {
    return { id, name, enabled: true, domainId: LOCAL_DOMAIN_ID, domainName: null, synchronized: false, canEditMembers: true, created: new Date().toISOString() };
  }
}
