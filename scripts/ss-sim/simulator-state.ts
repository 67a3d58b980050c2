/**
 * In-memory Secret Server data: users, groups, memberships, tokens, and their wire renderings
 * (shared/reference/secret-server-api.md §3.2–3.3, §4.2).
 */
import crypto from 'node:crypto';
import type {
  GroupModel,
  GroupSummary,
  GroupUserSummary,
  Paging,
  UserModel,
  UserSummary,
} from '../../src/secret-server/secret-server-types';

export const NEVER = '0001-01-01T00:00:00';
export const LOCAL_DOMAIN_ID = -1;
export const AD_DOMAIN = { id: 1, name: 'CORP.EXAMPLE.COM' } as const;

export interface SimUser {
  id: number;
  userName: string;
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

export interface SimGroup {
  id: number;
  name: string;
  enabled: boolean;
  domainId: number | null;
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

export class SimulatorState {
  readonly users = new Map<number, SimUser>();
  readonly groups = new Map<number, SimGroup>();
  readonly tokens = new Map<string, SimToken>();
  private nextUserId = 1;
  private nextGroupId = 1;
  private nextPersonalGroupId = 100000;
  apiUserId = 0;

  constructor(private readonly account: SimApiAccount) {
    this.reset();
  }

  /** Empties users and groups (tokens survive, so connected clients keep working), then re-adds the API account. */
  reset(): void {
    this.users.clear();
    this.groups.clear();
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

  addUser(fields: Partial<Omit<SimUser, 'id'>> & { userName: string }): SimUser {
    const user: SimUser = {
      id: this.nextUserId++,
      displayName: '',
      emailAddress: null,
      enabled: true,
      isLockedOut: false,
      isApplicationAccount: false,
      domainId: LOCAL_DOMAIN_ID,
      password: crypto.randomBytes(12).toString('base64'),
      created: new Date().toISOString(),
      lastLogin: NEVER,
      loginFailures: 0,
      personalGroupId: this.nextPersonalGroupId++,
      ...fields,
    };
    this.users.set(user.id, user);
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
    this.groups.set(group.id, group);
    return group;
  }

  findUserByUserName(userName: string): SimUser | undefined {
    const wanted = userName.toLowerCase();
    return [...this.users.values()].find((u) => u.userName.toLowerCase() === wanted);
  }

  findGroupByName(name: string, domainId: number | null): SimGroup | undefined {
    const wanted = name.toLowerCase();
    return [...this.groups.values()].find((g) => g.name.toLowerCase() === wanted && (g.domainId ?? LOCAL_DOMAIN_ID) === (domainId ?? LOCAL_DOMAIN_ID));
  }

  groupsOf(userId: number): SimGroup[] {
    return [...this.groups.values()].filter((g) => g.memberIds.has(userId));
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
    return this.users.get(entry.userId);
  }

  /** JSON-friendly dump for GET /_sim/state. */
  snapshot() {
    return {
      users: [...this.users.values()].map((u) => ({ ...renderUserModel(u), groupIds: this.groupsOf(u.id).map((g) => g.id) })),
      groups: [...this.groups.values()].map((g) => ({ ...renderGroupModel(g), memberIds: [...g.memberIds] })),
      tokens: this.tokens.size,
    };
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
  return {
    ...renderUserSummary(u),
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
  };
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

/** The `PagingOf<T>` envelope (§2.2). */
export function pageOf<T>(all: T[], skip: number, take: number): Paging<T> {
  const records = all.slice(skip, skip + take);
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
