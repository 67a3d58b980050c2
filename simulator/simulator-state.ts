/**
 * In-memory Secret Server data: users, groups, memberships, tokens, and their wire renderings
 * (the 11.x swagger's UserModel, UserSummary and GroupModel, as Delinea's clients read them).
 */
import crypto from 'node:crypto';
import type { GroupModel, GroupSummary, GroupUserSummary, Paging, UserModel, UserSummary } from '../src/secret-server/secret-server-types';
import { TrigramIndex } from './trigram-index';

export const NEVER = '0001-01-01T00:00:00';
export const LOCAL_DOMAIN_ID = -1;
export const AD_DOMAIN = { id: 1, name: 'CORP.EXAMPLE.COM' } as const;

/**
 * A user as SimulatorState.addUser made it: assigning displayName or emailAddress (routes, tests)
 * also moves it in the search index. userName never changes (figovskymaria/authomize-python-provider-secret-server,
 * branch secret_server: the swagger's docs/UserUpdateArgs.md and docs/PatchUserModel.md have no userName).
 */
export interface SimUser {
  readonly id: number;
  readonly userName: string;
  displayName: string;
  emailAddress: string | null;
  enabled: boolean;
  isLockedOut: boolean;
  isApplicationAccount: boolean;
  domainId: number;
  password: string;
  created: string;
  lastLogin: string;
  loginFailures: number;
  personalGroupId: number;
}

/** A group as SimulatorState.addGroup made it: assigning name also moves it in the name index. */
export interface SimGroup {
  readonly id: number;
  name: string;
  enabled: boolean;
  readonly domainId: number | null;
  synchronized: boolean;
  systemGroup: boolean;
  created: string;
  memberIds: Set<number>;
}

export interface SimToken {
  userId: number;
  expiresAt: number;
}

export interface SimApiAccount {
  userName: string;
  password: string;
  domain?: string;
}

const searchedFields = (u: SimUser) => [u.userName, u.displayName, u.emailAddress ?? ''];

/** searchText "matches the username, display name, or email address" (the swagger's docs/UsersApi.md); `lowerText` is lower-cased. */
export const userContains = (u: SimUser, lowerText: string) => searchedFields(u).some((f) => f.toLowerCase().includes(lowerText));

const groupNameKey = (name: string, domainId: number | null) => `${domainId ?? LOCAL_DOMAIN_ID}:${name.toLowerCase()}`;

/**
 * The simulator's data with the lookups a real Secret Server answers from its database indexes,
 * so a call costs the same at 100,000 users as at 10 (a benchmark against the simulator measures
 * the bridge, not a linear scan). Users and groups are kept in creation order, which is id order,
 * and every lookup answers exactly what a scan in that order would.
 */
export class SimulatorState {
  private readonly userById = new Map<number, SimUser>();
  private readonly groupById = new Map<number, SimGroup>();
  readonly tokens = new Map<string, SimToken>();
  /** Lower-cased userName -> the first user created with it (userNames never change). */
  private readonly userByUserName = new Map<string, SimUser>();
  /** Domain and lower-cased name -> the groups holding it, ascending id (duplicates only arise through addGroup). */
  private readonly groupsByName = new Map<string, SimGroup[]>();
  /** Built by the first searchText lookup, then kept in step: seeding 100,000 users for an import pays nothing for it. */
  private userSearchIndex: TrigramIndex | undefined;
  private nextUserId = 1;
  private nextGroupId = 1;
  private nextPersonalGroupId = 100000;
  apiUserId = 0;

  constructor(private readonly account: SimApiAccount) {
    this.reset();
  }

  get users(): ReadonlyMap<number, SimUser> {
    return this.userById;
  }

  get groups(): ReadonlyMap<number, SimGroup> {
    return this.groupById;
  }

  /** Empties users and groups (tokens survive, so connected clients keep working), then re-adds the API account. */
  reset(): void {
    this.userGeneration++;
    this.userById.clear();
    this.groupById.clear();
    this.userByUserName.clear();
    this.groupsByName.clear();
    this.userSearchIndex = undefined;
    this.nextUserId = 1;
    this.nextGroupId = 1;
    this.nextPersonalGroupId = 100000;
    // The API account is a user like any other: it shows up in lists and in /users/current.
    this.apiUserId = this.addUser({
      userName: this.account.userName,
      displayName: 'SCIM Bridge API account',
      emailAddress: null,
      isApplicationAccount: true,
      password: this.account.password,
      domainId: this.account.domain ? AD_DOMAIN.id : LOCAL_DOMAIN_ID,
    }).id;
  }

  /**
   * What an instance restored from an older backup looks like to a connected client: the people
   * it created are gone, the id counters are back where they were, and the ids it recorded now
   * belong to `strangers` other users (stranger0, stranger1, ...). Tokens survive, as after reset.
   */
  restoreBackup(strangers: number): SimUser[] {
    this.reset();
    const added: SimUser[] = [];
    for (let i = 0; i < strangers; i++) {
      added.push(this.addUser({ userName: `stranger${i}`, displayName: `Stranger ${i}`, emailAddress: `stranger${i}@restored.example`, enabled: true }));
    }
    return added;
  }

  /**
   * Changes whenever a user is added or all are reset: userNames never change, so a list sorted
   * by userName stays valid for as long as this does.
   */
  userGeneration = 0;

  addUser(fields: Partial<Omit<SimUser, 'id'>> & { userName: string }): SimUser {
    this.userGeneration++;
    const user: SimUser = {
      id: this.nextUserId++,
      displayName: '',
      emailAddress: null,
      enabled: true,
      isLockedOut: false,
      isApplicationAccount: false,
      domainId: LOCAL_DOMAIN_ID,
      // Drawn only when none is given: every create through the API brings its own (fields override this).
      password: fields.password === undefined ? crypto.randomBytes(12).toString('base64') : '',
      created: new Date().toISOString(),
      lastLogin: NEVER,
      loginFailures: 0,
      personalGroupId: this.nextPersonalGroupId++,
      ...fields,
    };
    this.userById.set(user.id, user);
    const userNameKey = user.userName.toLowerCase();
    if (!this.userByUserName.has(userNameKey)) this.userByUserName.set(userNameKey, user);
    this.userSearchIndex?.add(user.id, searchedFields(user));
    this.reindexOnAssignment(user, 'displayName');
    this.reindexOnAssignment(user, 'emailAddress');
    return user;
  }

  addGroup(fields: Partial<Omit<SimGroup, 'id' | 'memberIds'>> & { name: string; memberIds?: Iterable<number> }): SimGroup {
    const { memberIds, ...rest } = fields;
    const group: SimGroup = {
      id: this.nextGroupId++,
      enabled: true,
      domainId: LOCAL_DOMAIN_ID,
      synchronized: false,
      systemGroup: false,
      created: new Date().toISOString(),
      ...rest,
      memberIds: new Set(memberIds ?? []),
    };
    this.groupById.set(group.id, group);
    this.indexGroupName(group);
    this.reindexOnRename(group);
    return group;
  }

  /** The user with this userName in any case: the first created, as a scan in creation order finds. */
  findUserByUserName(userName: string): SimUser | undefined {
    return this.userByUserName.get(userName.toLowerCase());
  }

  /** Users whose userName, displayName or email contains `lowerText` (lower-cased), in creation order. */
  usersContaining(lowerText: string): SimUser[] {
    if (lowerText === '') return [...this.userById.values()];
    if (lowerText.length < TrigramIndex.MIN_TEXT_LENGTH) return [...this.userById.values()].filter((u) => userContains(u, lowerText));
    if (!this.userSearchIndex) {
      this.userSearchIndex = new TrigramIndex();
      for (const u of this.userById.values()) this.userSearchIndex.add(u.id, searchedFields(u));
    }
    const ids = this.userSearchIndex.candidates(lowerText) ?? [];
    return ids.map((id) => this.userById.get(id)!).filter((u) => userContains(u, lowerText));
  }

  findGroupByName(name: string, domainId: number | null): SimGroup | undefined {
    return this.groupsByName.get(groupNameKey(name, domainId))?.[0];
  }

  groupsOf(userId: number): SimGroup[] {
    return [...this.groupById.values()].filter((g) => g.memberIds.has(userId));
  }

  issueToken(userId: number, ttlSeconds: number, now: number): string {
    const token = crypto.randomBytes(32).toString('hex');
    this.tokens.set(token, { userId, expiresAt: now + ttlSeconds * 1000 });
    return token;
  }

  /** The account behind a bearer token, or undefined when absent, unknown or expired. */
  userForToken(token: string | undefined, now: number): SimUser | undefined {
    if (!token) return undefined;
    const entry = this.tokens.get(token);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.tokens.delete(token);
      return undefined;
    }
    return this.userById.get(entry.userId);
  }

  /** JSON-friendly dump for GET /_sim/state. */
  snapshot() {
    // Memberships gathered once, in group order (what groupsOf answers), rather than a scan of every group per user.
    const groupIdsOf = new Map<number, number[]>();
    for (const g of this.groupById.values()) {
      for (const userId of g.memberIds) {
        const ids = groupIdsOf.get(userId);
        if (ids) ids.push(g.id);
        else groupIdsOf.set(userId, [g.id]);
      }
    }
    return {
      users: [...this.userById.values()].map((u) => Object.assign(renderUserModel(u), { groupIds: groupIdsOf.get(u.id) ?? [] })),
      groups: [...this.groupById.values()].map((g) => Object.assign(renderGroupModel(g), { memberIds: [...g.memberIds] })),
      tokens: this.tokens.size,
    };
  }

  /**
   * Makes `key` an accessor that reads and writes like the plain property it was (routes and
   * tests assign it; spread and JSON see it) and moves the user in the search index on every
   * assignment, so no change can escape the index. A user left over from before a reset is no
   * longer this state's and touches nothing.
   */
  private reindexOnAssignment(user: SimUser, key: 'displayName' | 'emailAddress'): void {
    let value = user[key];
    Object.defineProperty(user, key, {
      enumerable: true,
      get: () => value,
      set: (next: string | null) => {
        const before = searchedFields(user);
        value = next;
        if (this.userById.get(user.id) === user) this.userSearchIndex?.replace(user.id, before, searchedFields(user));
      },
    });
  }

  /** The same for a group's name and the name index. */
  private reindexOnRename(group: SimGroup): void {
    let name = group.name;
    Object.defineProperty(group, 'name', {
      enumerable: true,
      get: () => name,
      set: (next: string) => {
        const current = this.groupById.get(group.id) === group;
        if (current) this.unindexGroupName(group);
        name = next;
        if (current) this.indexGroupName(group);
      },
    });
  }

  private indexGroupName(group: SimGroup): void {
    const key = groupNameKey(group.name, group.domainId);
    const holders = this.groupsByName.get(key);
    if (!holders) this.groupsByName.set(key, [group]);
    else {
      holders.push(group);
      holders.sort((a, b) => a.id - b.id);
    }
  }

  private unindexGroupName(group: SimGroup): void {
    const key = groupNameKey(group.name, group.domainId);
    const holders = this.groupsByName.get(key) ?? [];
    const at = holders.indexOf(group);
    if (at >= 0) holders.splice(at, 1);
    if (holders.length === 0) this.groupsByName.delete(key);
  }
}

/** A stable, GUID-shaped value for directory users. */
function guidFrom(text: string): string {
  const h = crypto.createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const domainName = (domainId: number | null) => (domainId === AD_DOMAIN.id ? AD_DOMAIN.name : null);

export function renderUserSummary(u: SimUser): UserSummary {
  return {
    id: u.id,
    userName: u.userName,
    displayName: u.displayName,
    emailAddress: u.emailAddress,
    enabled: u.enabled,
    isLockedOut: u.isLockedOut,
    isApplicationAccount: u.isApplicationAccount,
    domainId: u.domainId,
    domainName: domainName(u.domainId),
    created: u.created,
    lastLogin: u.lastLogin,
    loginFailures: u.loginFailures,
    externalUserSource: 'None',
    platformIntegrationType: 'None',
    twoFactorMethod: 'None',
  };
}

export function renderUserModel(u: SimUser): UserModel {
  // Object.assign, not a spread into a literal: V8 builds that shape far more slowly, which made
  // every create and PATCH answer cost more than the rest of the call.
  return Object.assign(renderUserSummary(u), {
    lockOutReason: null,
    lockOutReasonDescription: null,
    adGuid: u.domainId === AD_DOMAIN.id ? guidFrom(u.userName) : null,
    adAccountExpires: null,
    twoFactor: false,
    duoTwoFactor: false,
    oathTwoFactor: false,
    oathVerified: false,
    radiusTwoFactor: false,
    radiusUserName: null,
    fido2TwoFactor: false,
    isEmailCopiedFromAD: false,
    isEmailVerified: false,
    mustVerifyEmail: false,
    verifyEmailSentDate: NEVER,
    lastSessionActivity: null,
    passwordLastChanged: NEVER,
    resetSessionStarted: NEVER,
    dateOptionId: -1,
    timeOptionId: -1,
    userLcid: 0,
    personalGroupId: u.personalGroupId,
    slackId: null,
    unixAuthenticationMethod: 'Password',
    ipAddressRestrictions: null,
  } as const);
}

export function renderGroupSummary(g: SimGroup): GroupSummary {
  return {
    id: g.id,
    name: g.name,
    enabled: g.enabled,
    domainId: g.domainId,
    domainName: domainName(g.domainId),
    domainGuid: null,
    memberCount: g.memberIds.size,
    created: g.created,
    synchronized: g.synchronized,
    synchronizeNow: false,
    isPlatform: false,
  };
}

export function renderGroupModel(g: SimGroup): GroupModel {
  return {
    id: g.id,
    name: g.name,
    enabled: g.enabled,
    domainId: g.domainId,
    domainName: domainName(g.domainId),
    adGuid: null,
    created: g.created,
    synchronized: g.synchronized,
    synchronizeNow: false,
    systemGroup: g.systemGroup,
    isPlatform: false,
    canEditMembers: !g.synchronized && !g.systemGroup,
    isEditable: !g.systemGroup,
    hasGroupOwners: false,
    ownerGroups: null,
    ownerUsers: null,
    owners: [],
    ipAddressRestrictions: null,
  };
}

export function renderGroupUser(g: SimGroup, u: SimUser): GroupUserSummary {
  return {
    groupId: g.id,
    groupName: g.name,
    groupDomainId: g.domainId,
    groupDomainName: domainName(g.domainId),
    userId: u.id,
    userName: u.userName,
    displayName: u.displayName,
    enabled: u.enabled,
    userDomainId: u.domainId,
    userDomainName: domainName(u.domainId),
  };
}

/** The `PagingOf<T>` envelope (the swagger's docs/PagingOfUserSummary.md); only the page's records are rendered. */
export function pageOf<T, R>(all: T[], skip: number, take: number, render: (item: T) => R): Paging<R> {
  const records = all.slice(skip, skip + take).map(render);
  const total = all.length;
  const hasNext = skip + take < total;
  const pageCount = take > 0 ? Math.ceil(total / take) : 0;
  return {
    records,
    total,
    skip,
    take,
    hasNext,
    hasPrev: skip > 0,
    nextSkip: skip + take,
    prevSkip: Math.max(0, skip - take),
    pageCount,
    currentPage: take > 0 ? Math.floor(skip / take) + 1 : 1,
    batchCount: pageCount,
    sortBy: [],
    success: true,
    severity: 'None',
  };
}
