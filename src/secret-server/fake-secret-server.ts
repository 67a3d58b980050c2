/**
 * A fake Secret Server for unit tests of the sync jobs: the SecretServerPort (jobs/sync-job.ts)
 * over the simulator's in-memory data (simulator/simulator-state.ts), with no HTTP and no Redis.
 *
 * It is the simulator minus the wire, not a second opinion of Secret Server:
 * - the data, its lookups and the JSON each answer renders are the simulator's (SimulatorState,
 *   renderUserModel, renderGroupModel...), mapped by the client's own toUser / toGroup;
 * - the rules each route applies are the simulator's (simulator/users-routes.ts,
 *   simulator/groups-routes.ts), down to the error bodies, and a refusal becomes the error the
 *   real client throws for that answer (failureOf in secret-server-transport.ts): an absent id is
 *   a SecretServerAccessDeniedError (400 API_AccessDenied), a taken userName a 400
 *   SecretServerPermanentError, a 503 a SecretServerRetryableError;
 * - what the client decides on its side (which search result a find* returns, skipping a PATCH
 *   with nothing in it) is the client's own code (ownerOfEmail, userNamed, groupNamed).
 * The server is an 11.x one, with the bulk membership PATCH; the client's one-by-one fallback for
 * older servers is exercised against the simulator (test/secret-server).
 *
 * Every call is recorded by the endpoint the real client would call, in the simulator's
 * vocabulary ('POST /api/v1/users'), so a test can assert "exactly one create".
 */
import { checkGroupName, editableMembers, existingUsers } from '../../simulator/groups-routes';
import { checkEmail, createUserFrom, refuseDisabling } from '../../simulator/users-routes';
import { SimHttpError, accessDenied, badRequest, invalidModel, sortBy } from '../../simulator/simulator-http';
import {
  type SimGroup,
  type SimUser,
  SimulatorState,
  renderGroupModel,
  renderGroupSummary,
  renderGroupUser,
  renderUserModel,
  renderUserSummary,
} from '../../simulator/simulator-state';
import type { SecretServerPort } from '../jobs/sync-job';
import { groupNamed, ownerOfEmail, userNamed, type SecretServerGroup, type SecretServerGroupMember, type SecretServerUser } from './secret-server-client';
import { toGroup, toGroupMember, toUser } from './secret-server-mapping';
import { failureOf } from './secret-server-transport';

/** The endpoint templates of the real client (secret-server-client.ts), as the simulator counts them. */
export const FAKE_ENDPOINTS = {
  searchUsers: 'GET /api/v1/users',
  getUser: 'GET /api/v1/users/{id}',
  createUser: 'POST /api/v1/users',
  updateUser: 'PATCH /api/v1/users/{id}',
  searchGroups: 'GET /api/v1/groups',
  getGroup: 'GET /api/v1/groups/{id}',
  createGroup: 'POST /api/v1/groups',
  updateGroup: 'PUT /api/v1/groups/{id}',
  deleteGroup: 'DELETE /api/v1/groups/{id}',
  listGroupMembers: 'GET /api/v1/groups/{id}/users',
  updateGroupMembers: 'PATCH /api/v1/groups/{id}/users',
} as const;

export type FakeEndpoint = (typeof FAKE_ENDPOINTS)[keyof typeof FAKE_ENDPOINTS];

export interface FakeCall {
  endpoint: FakeEndpoint;
  /** The SecretServerPort method that made it. */
  method: Exclude<keyof SecretServerPort, 'dryRun'>;
  args: unknown[];
}

/** An answer to give instead of the route's: a status and, as Secret Server sends them, a JSON body or an HTML page. */
export interface FakeFailure {
  status: number;
  body?: object | string;
  /** Sent as the Retry-After header (delta-seconds). */
  retryAfterSeconds?: number;
}

/** What IIS answers while the application pool is down (as the simulator's outage knob). */
const OUTAGE_PAGE = '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h2>Service Unavailable</h2></body></html>';

export const FAKE_API_USER_NAME = 'scim-bridge-api';

export class FakeSecretServer implements SecretServerPort {
  readonly dryRun = false;
  /** The data, as in the simulator: seed it with state.addUser / state.addGroup, read it back the same way. */
  readonly state: SimulatorState;
  readonly calls: FakeCall[] = [];
  /** userNames Secret Server refuses to disable (system and Platform service users): the simulator's refuseDisable knob. */
  refuseDisable: string[] = [];
  private readonly failures: Array<{ endpoint: FakeEndpoint; failure: FakeFailure }> = [];

  constructor(options: { apiUserName?: string } = {}) {
    this.state = new SimulatorState({ userName: options.apiUserName ?? FAKE_API_USER_NAME, password: 'not-used-by-the-fake' });
  }

  /** The API account the bridge signs in with (an application account, as the simulator makes it). */
  async apiAccount(): Promise<SecretServerUser> {
    return toUser(renderUserModel(this.state.users.get(this.state.apiUserId)!));
  }

  /** The next `times` calls to `endpoint` answer `failure` instead, and change nothing. */
  failNext(endpoint: FakeEndpoint, failure: FakeFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ endpoint, failure });
  }

  /** Calls made to one endpoint, failed ones included. */
  count(endpoint: FakeEndpoint): number {
    return this.calls.filter((c) => c.endpoint === endpoint).length;
  }

  // ---- users (simulator/users-routes.ts) ----

  getUser(id: number): Promise<SecretServerUser> {
    return this.call('getUser', FAKE_ENDPOINTS.getUser, [id], () => toUser(renderUserModel(this.userById(id))));
  }

  findUserOwningEmail(email: string): Promise<SecretServerUser | null> {
    return this.call('findUserOwningEmail', FAKE_ENDPOINTS.searchUsers, [email], () => ownerOfEmail(this.searchUsers(email), email));
  }

  findUserByUserName(userName: string): Promise<SecretServerUser | null> {
    return this.call('findUserByUserName', FAKE_ENDPOINTS.searchUsers, [userName], () => userNamed(this.searchUsers(userName), userName));
  }

  createUser(args: { userName: string; displayName: string; emailAddress: string; enabled: boolean; password: string }): Promise<SecretServerUser> {
    const { password: _password, ...logged } = args;
    return this.call('createUser', FAKE_ENDPOINTS.createUser, [logged], () => {
      // The client always sends enabled, a local domain and isApplicationAccount false.
      const user = createUserFrom(this.state, { ...args, isApplicationAccount: false });
      return toUser(renderUserModel(user));
    });
  }

  updateUser(id: number, changes: { displayName?: string; emailAddress?: string; enabled?: boolean }): Promise<SecretServerUser> {
    // The client sends no PATCH with nothing in it: it reads the user instead.
    if (changes.displayName === undefined && changes.emailAddress === undefined && changes.enabled === undefined) return this.getUser(id);
    return this.call('updateUser', FAKE_ENDPOINTS.updateUser, [id, changes], () => {
      const user = this.userById(id);
      const next: Partial<SimUser> = {};
      if (changes.displayName !== undefined) {
        if (changes.displayName.trim() === '') throw invalidModel({ 'args.DisplayName': ['The DisplayName field is required.'] });
        next.displayName = changes.displayName;
      }
      if (changes.emailAddress !== undefined) next.emailAddress = checkEmail(changes.emailAddress);
      if (changes.enabled !== undefined) next.enabled = changes.enabled;
      if (next.enabled === false) refuseDisabling(user, this.state.apiUserId, this.refuseDisable);
      Object.assign(user, next);
      return toUser(renderUserModel(user));
    });
  }

  // ---- groups (simulator/groups-routes.ts) ----

  findGroupByName(name: string): Promise<SecretServerGroup | null> {
    return this.call('findGroupByName', FAKE_ENDPOINTS.searchGroups, [name], () => {
      const text = name.toLowerCase();
      const found = [...this.state.groups.values()].filter((g) => g.name.toLowerCase().includes(text));
      return groupNamed(
        found.map((g) => toGroup(renderGroupSummary(g))),
        name,
      );
    });
  }

  getGroup(id: number): Promise<SecretServerGroup> {
    return this.call('getGroup', FAKE_ENDPOINTS.getGroup, [id], () => toGroup(renderGroupModel(this.groupById(id))));
  }

  createGroup(name: string): Promise<SecretServerGroup> {
    return this.call('createGroup', FAKE_ENDPOINTS.createGroup, [name], () =>
      toGroup(renderGroupModel(this.state.addGroup({ name: checkGroupName(this.state, name), enabled: true }))),
    );
  }

  updateGroup(id: number, update: { name: string; enabled: boolean }): Promise<SecretServerGroup> {
    return this.call('updateGroup', FAKE_ENDPOINTS.updateGroup, [id, update], () => {
      const group = this.groupById(id);
      group.name = checkGroupName(this.state, update.name, group);
      group.enabled = update.enabled;
      return toGroup(renderGroupModel(group));
    });
  }

  deleteGroup(id: number): Promise<void> {
    return this.call('deleteGroup', FAKE_ENDPOINTS.deleteGroup, [id], () => {
      const group = this.groupById(id);
      if (group.systemGroup) throw badRequest('System groups cannot be deleted.');
      // Groups are deactivated rather than erased, and only once.
      if (!group.enabled) throw badRequest('The group is already inactive.');
      group.enabled = false;
    });
  }

  listGroupMembers(groupId: number): Promise<SecretServerGroupMember[]> {
    return this.call('listGroupMembers', FAKE_ENDPOINTS.listGroupMembers, [groupId], () => {
      const group = this.groupById(groupId);
      // Disabled users included, ordered by userName, as the client asks.
      const members = [...group.memberIds].map((id) => this.state.users.get(id)).filter((u): u is SimUser => !!u);
      return sortBy(members, (u) => u.userName, false).map((u) => toGroupMember(renderGroupUser(group, u)));
    });
  }

  async updateGroupMembers(groupId: number, addUserIds: number[], removeUserIds: number[]): Promise<void> {
    // Nothing to do means no call (the client's rule).
    if (addUserIds.length === 0 && removeUserIds.length === 0) return;
    return this.call('updateGroupMembers', FAKE_ENDPOINTS.updateGroupMembers, [groupId, [...addUserIds], [...removeUserIds]], () => {
      const group = this.groupById(groupId);
      existingUsers(this.state, [...addUserIds, ...removeUserIds]);
      editableMembers(group);
      for (const id of addUserIds) group.memberIds.add(id);
      for (const id of removeUserIds) group.memberIds.delete(id);
    });
  }

  // ---- helpers ----

  /** Records the call, answers a queued failure if one is due, else runs the route; a refusal becomes the client's error. */
  private async call<T>(method: FakeCall['method'], endpoint: FakeEndpoint, args: unknown[], route: () => T): Promise<T> {
    this.calls.push({ endpoint, method, args });
    const due = this.failures.findIndex((f) => f.endpoint === endpoint);
    if (due >= 0) {
      const [{ failure }] = this.failures.splice(due, 1);
      throw this.answerError(endpoint, failure);
    }
    try {
      return route();
    } catch (err) {
      if (err instanceof SimHttpError) throw this.answerError(endpoint, { status: err.status, body: err.body });
      throw err;
    }
  }

  private answerError(endpoint: FakeEndpoint, failure: FakeFailure): Error {
    const body = failure.body ?? (failure.status >= 500 ? OUTAGE_PAGE : {});
    const headers: Record<string, unknown> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
    return failureOf(endpoint, { status: failure.status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) }, Date.now());
  }

  /** GET /api/v1/users/{id}?includeInactive=true, as the client asks: absent is 400 API_AccessDenied. */
  private userById(id: number): SimUser {
    const user = this.state.users.get(id);
    if (!user) throw accessDenied();
    return user;
  }

  private groupById(id: number): SimGroup {
    const group = this.state.groups.get(id);
    if (!group) throw accessDenied();
    return group;
  }

  /** filter.searchText with includeInactive=true: a contains-match on userName, displayName and email. */
  private searchUsers(text: string): SecretServerUser[] {
    return this.state.usersContaining(text.toLowerCase()).map((u) => toUser(renderUserSummary(u)));
  }
}
