/** /api/v1/groups of the simulator (the 11.2.2 swagger's docs/GroupsApi.md in figovskymaria/authomize-python-provider-secret-server). */
import { Router } from 'express';
import {
  accessDenied,
  badRequest,
  bodyObject,
  dirty,
  idParam,
  intArray,
  invalidModel,
  pagingParams,
  queryBool,
  queryValue,
  sortBy,
  sortParams,
} from './simulator-http';
import { LOCAL_DOMAIN_ID, SimGroup, SimUser, SimulatorState, pageOf, renderGroupModel, renderGroupSummary, renderGroupUser } from './simulator-state';

export const DUPLICATE_GROUP_NAME_MESSAGE = 'A group with this name already exists.';
export const SYNCHRONIZED_GROUP_MESSAGE = 'The membership of this group is managed by directory synchronization and cannot be edited.';

/** Directory-synchronised and system groups have members no API call may change. */
export function editableMembers(group: SimGroup): void {
  if (group.synchronized || group.systemGroup) throw badRequest(SYNCHRONIZED_GROUP_MESSAGE);
}

/** Every id names a user; otherwise the same answer as an absent id anywhere. */
export function existingUsers(state: SimulatorState, ids: number[]): void {
  for (const id of ids) if (!state.users.has(id)) throw accessDenied();
}

/** A group name is required and unique in its domain, disabled groups included (`group`: the one being renamed). */
export function checkGroupName(state: SimulatorState, value: unknown, group?: SimGroup): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidModel({ 'args.Name': ['The Name field is required.'] });
  const other = state.findGroupByName(value, group?.domainId ?? LOCAL_DOMAIN_ID);
  if (other && other.id !== group?.id) throw badRequest(DUPLICATE_GROUP_NAME_MESSAGE);
  return value;
}

export function groupsRouter(state: SimulatorState): Router {
  const router = Router();
  const groupById = (id: number): SimGroup => {
    const group = state.groups.get(id);
    if (!group) throw accessDenied();
    return group;
  };
  const checkName = (value: unknown, group?: SimGroup): string => checkGroupName(state, value, group);

  router.get('/', (req, res) => {
    const text = (queryValue(req, 'filter.searchText') ?? '').toLowerCase();
    const includeInactive = queryBool(req, 'filter.includeInactive');
    const domainId = queryValue(req, 'filter.domainId');
    const { skip, take } = pagingParams(req);
    const sort = sortParams(req);
    const matches = [...state.groups.values()].filter(
      (g) =>
        (includeInactive || g.enabled) &&
        (domainId === undefined || domainId === '' || String(g.domainId ?? LOCAL_DOMAIN_ID) === domainId) &&
        (text === '' || g.name.toLowerCase().includes(text)),
    );
    const keys: Record<string, (g: SimGroup) => string | number> = { id: (g) => g.id, name: (g) => g.name, created: (g) => g.created };
    res.json(pageOf(sortBy(matches, sort.name ? keys[sort.name] : undefined, sort.desc), skip, take, renderGroupSummary));
  });

  router.get('/stub', (_req, res) => {
    res.json(
      renderGroupModel({
        id: 0,
        name: '',
        enabled: true,
        domainId: null,
        synchronized: false,
        systemGroup: false,
        created: new Date().toISOString(),
        memberIds: new Set(),
      }),
    );
  });

  router.post('/', (req, res) => {
    const body = bodyObject(req);
    if (typeof body.enabled !== 'boolean') throw invalidModel({ 'args.Enabled': ['The Enabled field is required.'] });
    if (body.domainId !== undefined && body.domainId !== null && body.domainId !== LOCAL_DOMAIN_ID) {
      throw badRequest('Directory groups must be added by directory synchronization.');
    }
    const name = checkName(body.name);
    res.json(renderGroupModel(state.addGroup({ name, enabled: body.enabled })));
  });

  router.get('/:id', (req, res) => {
    res.json(renderGroupModel(groupById(idParam(req))));
  });

  router.put('/:id', (req, res) => {
    const id = idParam(req);
    const body = bodyObject(req);
    if (body.id !== id) throw badRequest('The id in the body does not match the id in the URL.');
    const group = groupById(id);
    const name = checkName(body.name, group);
    group.name = name;
    if (typeof body.enabled === 'boolean') group.enabled = body.enabled;
    res.json(renderGroupModel(group));
  });

  router.patch('/:id', (req, res) => {
    const group = groupById(idParam(req));
    const data = bodyObject(req).data;
    // The group PATCH body is wrapped: {"data": GroupPatchModel} (the swagger's docs/GroupPatchArgs.md).
    if (!data || typeof data !== 'object') throw invalidModel({ 'args.Data': ['The Data field is required.'] });
    const name = dirty(data as Record<string, unknown>, 'name');
    if (name) group.name = checkName(name.value, group);
    const enabled = dirty(data as Record<string, unknown>, 'enabled');
    if (enabled) group.enabled = enabled.value === true;
    res.json(renderGroupModel(group));
  });

  router.delete('/:id', (req, res) => {
    const group = groupById(idParam(req));
    if (group.systemGroup) throw badRequest('System groups cannot be deleted.');
    // Like users, groups are deactivated rather than erased (auditing), and only once.
    if (!group.enabled) throw badRequest('The group is already inactive.');
    group.enabled = false;
    res.json({ id: group.id, objectType: 'Group', responseCodes: null });
  });

  router.get('/:id/users', (req, res) => {
    const group = groupById(idParam(req));
    const includeInactive = queryBool(req, 'filter.includeInactiveUsersForGroup');
    const { skip, take } = pagingParams(req);
    const sort = sortParams(req);
    const members = [...group.memberIds]
      .sort((a, b) => a - b)
      .map((id) => state.users.get(id))
      .filter((u): u is SimUser => !!u && (includeInactive || u.enabled));
    // Clients page members sorted (thycotic.secretserver Get-TssGroupMember.ps1 sends DisplayName).
    const keys: Record<string, (u: SimUser) => string | number> = { userid: (u) => u.id, username: (u) => u.userName, displayname: (u) => u.displayName };
    res.json(pageOf(sortBy(members, sort.name ? keys[sort.name] : undefined, sort.desc), skip, take, (u) => renderGroupUser(group, u)));
  });

  router.get('/:id/users/:userId', (req, res) => {
    const group = groupById(idParam(req));
    const userId = idParam(req, 'userId');
    const user = state.users.get(userId);
    if (!user || !group.memberIds.has(userId)) throw accessDenied();
    const { displayName: _d, enabled: _e, userDomainName: _n, ...model } = renderGroupUser(group, user);
    res.json(model);
  });

  router.post('/:id/users', (req, res) => {
    const group = groupById(idParam(req));
    const userId = bodyObject(req).userId;
    if (!Number.isInteger(userId)) throw invalidModel({ 'args.UserId': ['The UserId field is required.'] });
    const user = state.users.get(userId as number);
    if (!user) throw accessDenied();
    editableMembers(group);
    if (group.memberIds.has(user.id)) throw badRequest('The user is already a member of this group.');
    group.memberIds.add(user.id);
    const { displayName: _d, enabled: _e, userDomainName: _n, ...model } = renderGroupUser(group, user);
    res.json(model);
  });

  router.delete('/:id/users/:userId', (req, res) => {
    const group = groupById(idParam(req));
    const userId = idParam(req, 'userId');
    if (!group.memberIds.has(userId)) throw accessDenied();
    editableMembers(group);
    group.memberIds.delete(userId);
    res.json({ id: userId, objectType: 'GroupUser', responseCodes: null });
  });

  router.put('/:id/users', (req, res) => {
    const group = groupById(idParam(req));
    const userIds = intArray(bodyObject(req).userIds, 'userIds');
    existingUsers(state, userIds);
    editableMembers(group);
    // "This list will be the exact members for the group."
    group.memberIds = new Set(userIds);
    res.json({ success: true });
  });

  router.patch('/:id/users', (req, res) => {
    const group = groupById(idParam(req));
    const body = bodyObject(req);
    const added = intArray(body.addedUserIds, 'addedUserIds');
    const removed = intArray(body.removeUserIds, 'removeUserIds');
    existingUsers(state, [...added, ...removed]);
    editableMembers(group);
    for (const id of added) group.memberIds.add(id);
    for (const id of removed) group.memberIds.delete(id);
    res.json({ success: true });
  });

  return router;
}
