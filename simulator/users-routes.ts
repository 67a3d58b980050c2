/** /api/v1/users of the simulator (the 11.2.2 swagger's docs/UsersApi.md in figovskymaria/authomize-python-provider-secret-server). */
import { Router } from 'express';
import {
  badRequest,
  accessDenied,
  bodyObject,
  dirty,
  disableRefused,
  idParam,
  invalidModel,
  pagingParams,
  queryBool,
  queryValue,
  sortBy,
  sortParams,
} from './simulator-http';
import type { SimulatorKnobs } from './simulator-knobs';
import { LOCAL_DOMAIN_ID, NEVER, SimGroup, SimUser, SimulatorState, pageOf, renderGroupUser, renderUserModel, renderUserSummary } from './simulator-state';

/**
 * What the simulator answers (400, no errorCode) for a create with a userName already taken, by
 * an active or an inactive user. Real servers word this differently and document none of it
 * (thycotic/scim-connector-docs config/faq.md only speaks of "a username conflict"), so a client
 * must not match on it: it should search by the userName instead.
 */
export const DUPLICATE_USER_NAME_MESSAGE = 'Username conflict: a user with this username already exists.';

/** The default Local User Password policy of the simulator (thycotic/ss-docs users/password-settings/index.md). */
export const PASSWORD_POLICY_MESSAGE =
  'The password does not meet the Local User Password requirements: it must be at least 12 characters long and contain upper case, lower case, numeric and symbol characters.';

export function meetsPasswordPolicy(password: string): boolean {
  return (
    password.length >= 12 && password.length <= 1024 && /[A-Z]/.test(password) && /[a-z]/.test(password) && /\d/.test(password) && /[^A-Za-z0-9]/.test(password)
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function requireText(body: Record<string, unknown>, key: string, label: string, errors: Record<string, string[]>): string {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '') errors[`args.${label}`] = [`The ${label} field is required.`];
  return typeof v === 'string' ? v : '';
}

export function checkEmail(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !EMAIL.test(value)) throw invalidModel({ 'args.EmailAddress': ['The EmailAddress field is not a valid e-mail address.'] });
  return value;
}

export function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || !meetsPasswordPolicy(value)) throw badRequest(PASSWORD_POLICY_MESSAGE);
  return value;
}

/** The caller (the token's user) and the users of the refuseDisable knob cannot be disabled or deleted. */
export function refuseDisabling(user: SimUser, callerId: number, refuseDisable: readonly string[]): void {
  const name = user.userName.toLowerCase();
  if (user.id === callerId || refuseDisable.some((n) => n.toLowerCase() === name)) throw disableRefused();
}

/** POST /api/v1/users: Secret Server's checks in its order, then the new user (the fake client runs the same). */
export function createUserFrom(state: SimulatorState, body: Record<string, unknown>): SimUser {
  const errors: Record<string, string[]> = {};
  const userName = requireText(body, 'userName', 'UserName', errors);
  const displayName = requireText(body, 'displayName', 'DisplayName', errors);
  requireText(body, 'password', 'Password', errors);
  if (Object.keys(errors).length) throw invalidModel(errors);
  const password = checkPassword(body.password);
  const emailAddress = checkEmail(body.emailAddress);
  if (body.domainId !== undefined && body.domainId !== null && body.domainId !== LOCAL_DOMAIN_ID) {
    throw badRequest('Domain users must be created by directory synchronization.');
  }
  // findUserByUserName sees inactive users too: a disabled user still holds its userName.
  if (state.findUserByUserName(userName)) throw badRequest(DUPLICATE_USER_NAME_MESSAGE);
  const user = state.addUser({
    userName,
    displayName,
    password,
    emailAddress,
    // Omitted `enabled` creates an inactive user, so a client must always send it (as thycotic/ss-docs
    // api-scripting/rest-api-powershell-examples/index.md does).
    enabled: body.enabled === true,
    isApplicationAccount: body.isApplicationAccount === true,
  });
  return user;
}

export function usersRouter(state: SimulatorState, knobs: Pick<SimulatorKnobs, 'refuseDisable'>): Router {
  const router = Router();
  const userById = (id: number, includeInactive = true): SimUser => {
    const user = state.users.get(id);
    // A disabled user is invisible unless asked for with includeInactive=true (the swagger's docs/UsersApi.md).
    if (!user || (!user.enabled && !includeInactive)) throw accessDenied();
    return user;
  };

  // Clients page the whole list sorted by userName (an import: hundreds of pages); sorting it anew
  // for each page made the simulator, not the client, the cost being measured.
  let byUserName: { generation: number; users: SimUser[] } | undefined;
  const sortedByUserName = (): SimUser[] => {
    if (byUserName?.generation !== state.userGeneration) {
      byUserName = { generation: state.userGeneration, users: sortBy([...state.users.values()], (u) => u.userName, false) };
    }
    return byUserName.users;
  };

  router.get('/', (req, res) => {
    const text = (queryValue(req, 'filter.searchText') ?? '').toLowerCase();
    const includeInactive = queryBool(req, 'filter.includeInactive');
    const domainId = queryValue(req, 'filter.domainId');
    const { skip, take } = pagingParams(req);
    const sort = sortParams(req);
    const matches = state
      .usersContaining(text)
      .filter((u) => (includeInactive || u.enabled) && (domainId === undefined || domainId === '' || String(u.domainId) === domainId));
    const keys: Record<string, (u: SimUser) => string | number> = {
      id: (u) => u.id,
      username: (u) => u.userName,
      displayname: (u) => u.displayName,
      emailaddress: (u) => u.emailAddress ?? '',
      created: (u) => u.created,
    };
    if (sort.name === 'username' && !sort.desc) {
      const wanted = new Set(matches);
      const ordered = wanted.size === state.users.size ? sortedByUserName().filter((u) => wanted.has(u)) : sortBy(matches, keys.username, false);
      res.json(pageOf(ordered, skip, take, renderUserSummary));
      return;
    }
    res.json(pageOf(sortBy(matches, sort.name ? keys[sort.name] : undefined, sort.desc), skip, take, renderUserSummary));
  });

  router.get('/current', (_req, res) => {
    res.json(Object.assign(renderUserModel(userById(res.locals.userId as number)), { permissions: ['View Users', 'Administer Users', 'Administer Groups'] }));
  });

  router.get('/stub', (_req, res) => {
    const blank: SimUser = {
      id: 0,
      userName: '',
      displayName: '',
      emailAddress: null,
      enabled: true,
      isLockedOut: false,
      isApplicationAccount: false,
      domainId: LOCAL_DOMAIN_ID,
      password: '',
      created: NEVER,
      lastLogin: NEVER,
      loginFailures: 0,
      personalGroupId: 0,
    };
    res.json(renderUserModel(blank));
  });

  router.post('/', (req, res) => {
    res.json(renderUserModel(createUserFrom(state, bodyObject(req))));
  });

  router.get('/:id', (req, res) => {
    res.json(renderUserModel(userById(idParam(req), queryBool(req, 'includeInactive'))));
  });

  router.patch('/:id', (req, res) => {
    const user = userById(idParam(req));
    const body = bodyObject(req);
    if (body.id !== undefined && body.id !== user.id) throw badRequest('The id in the body does not match the id in the URL.');
    const changes: Partial<SimUser> = {};
    const displayName = dirty(body, 'displayName');
    if (displayName) {
      if (typeof displayName.value !== 'string' || displayName.value.trim() === '')
        throw invalidModel({ 'args.DisplayName': ['The DisplayName field is required.'] });
      changes.displayName = displayName.value;
    }
    const email = dirty(body, 'emailAddress');
    if (email) changes.emailAddress = checkEmail(email.value);
    const enabled = dirty(body, 'enabled');
    if (enabled) changes.enabled = enabled.value === true;
    const locked = dirty(body, 'isLockedOut');
    if (locked) changes.isLockedOut = locked.value === true;
    const password = dirty(body, 'password');
    if (password) changes.password = checkPassword(password.value);
    if (changes.enabled === false) refuseDisabling(user, res.locals.userId as number, knobs.refuseDisable);
    Object.assign(user, changes);
    res.json(renderUserModel(user));
  });

  router.put('/:id', (req, res) => {
    const id = idParam(req);
    const body = bodyObject(req);
    if (body.id !== id) throw badRequest('The id in the body does not match the id in the URL.');
    const user = userById(id);
    const errors: Record<string, string[]> = {};
    const displayName = requireText(body, 'displayName', 'DisplayName', errors);
    if (Object.keys(errors).length) throw invalidModel(errors);
    // PUT replaces: what is not sent is reset (DelineaXPM/delinea-mcp delinea_mcp/tools.py: "do a get first, update the relevant fields and post everything back").
    const next: Partial<SimUser> = {
      displayName,
      emailAddress: checkEmail(body.emailAddress),
      enabled: body.enabled === true,
      isLockedOut: body.isLockedOut === true,
      isApplicationAccount: body.isApplicationAccount === true,
    };
    if (body.password !== undefined && body.password !== null && body.password !== '') next.password = checkPassword(body.password);
    if (next.enabled === false) refuseDisabling(user, res.locals.userId as number, knobs.refuseDisable);
    Object.assign(user, next);
    res.json(renderUserModel(user));
  });

  router.delete('/:id', (req, res) => {
    const user = userById(idParam(req));
    refuseDisabling(user, res.locals.userId as number, knobs.refuseDisable);
    if (!user.enabled) throw badRequest('The user is already inactive.');
    user.enabled = false;
    res.json({ id: user.id, objectType: 'User', responseCodes: null });
  });

  router.get('/:id/groups', (req, res) => {
    const user = userById(idParam(req));
    const { skip, take } = pagingParams(req);
    const sort = sortParams(req);
    const keys: Record<string, (g: SimGroup) => string | number> = { groupid: (g) => g.id, groupname: (g) => g.name };
    res.json(pageOf(sortBy(state.groupsOf(user.id), sort.name ? keys[sort.name] : undefined, sort.desc), skip, take, (g) => renderGroupUser(g, user)));
  });

  return router;
}
