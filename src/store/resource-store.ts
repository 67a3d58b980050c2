import crypto from 'node:crypto';
import type { RedisConnection } from './redis-connection';
import type { ResourceKind, ResourceOrigin, SecretServerLink, StoredResource, SyncState } from '../domain/resource-types';
import { UNIQUE_INDEX_LABELS, uniqueKeysOf } from '../domain/unique-keys';
import { NotFoundError, PreconditionFailedError, UniquenessError } from '../errors/bridge-error';
import type { JsonObject } from '../scim/json-values';
import { memberWriteArgs, NO_MEMBER_CHANGE, READ_GROUP_LUA, type MemberWrite } from './group-members';
import { KeyedMutex } from './keyed-mutex';
import { redisKeys, RedisKeys, UniqueIndex } from './redis-keys';
import { SERVER_ONLY, type WriteDurability } from './replica-acknowledgement';
import { DELETE_RESOURCE_LUA, MARK_SYNCED_LUA, WRITE_RESOURCE_LUA } from './resource-scripts';

const MAX_VERSION_RETRIES = 20;

export interface PageOfResources {
  total: number;
  items: Array<{ resource: StoredResource; link?: SecretServerLink }>;
}

export interface ResourceStoreOptions {
  clock?: () => Date;
  /** What a resource write or removal waits for before it returns (replica-acknowledgement.ts). */
  durability?: WriteDurability;
}

/**
 * The desired state: SCIM users and groups in Redis, with unique indexes, a stable paging order
 * and the dirty set that ties every accepted write to a future Secret Server sync.
 */
export class ResourceStore {
  readonly keys: RedisKeys;
  private readonly mutex = new KeyedMutex();

  private readonly clock: () => Date;
  private readonly durability: WriteDurability;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    options: ResourceStoreOptions = {},
  ) {
    this.keys = redisKeys(prefix);
    this.clock = options.clock ?? (() => new Date());
    this.durability = options.durability ?? SERVER_ONLY;
    redis.defineCommand('scimWriteResource', { lua: WRITE_RESOURCE_LUA });
    redis.defineCommand('scimDeleteResource', { lua: DELETE_RESOURCE_LUA });
    redis.defineCommand('scimMarkSynced', { lua: MARK_SYNCED_LUA });
    redis.defineCommand('scimReadGroup', { lua: READ_GROUP_LUA });
  }

  async create(
    kind: ResourceKind,
    attributes: Record<string, unknown>,
    options: { origin?: ResourceOrigin; id?: string; markDirty?: boolean } = {},
  ): Promise<StoredResource> {
    const now = this.clock().toISOString();
    const resource: StoredResource = {
      id: options.id ?? crypto.randomUUID(),
      kind,
      attributes,
      meta: { created: now, lastModified: now, version: 1 },
      origin: options.origin ?? 'okta',
    };
    await this.write(resource, 'create', [], options.markDirty ?? true, allMembers(resource));
    return resource;
  }

  /** Replaces the attributes of an existing resource (PUT), optionally only at a given version (If-Match). */
  async replace(kind: ResourceKind, id: string, attributes: Record<string, unknown>, expectedVersion?: number): Promise<StoredResource> {
    return this.update(kind, id, () => attributes, expectedVersion);
  }

  /**
   * Read-modify-write with optimistic concurrency: `mutate` sees the current resource and returns
   * the new attributes (or null for "no change"). Retries on a concurrent version bump.
   */
  async update(
    kind: ResourceKind,
    id: string,
    mutate: (current: StoredResource) => Record<string, unknown> | null,
    expectedVersion?: number,
    options: { markDirty?: boolean; origin?: ResourceOrigin } = {},
  ): Promise<StoredResource> {
    return this.mutex.run(`${kind}:${id}`, async () => {
      for (let attempt = 0; attempt < MAX_VERSION_RETRIES; attempt++) {
        const current = await this.get(kind, id);
        if (!current) throw new NotFoundError(`${kind} ${id} not found`);
        if (expectedVersion !== undefined && current.meta.version !== expectedVersion) throw new PreconditionFailedError();
        const attributes = mutate(current);
        if (attributes === null) return current;
        const next: StoredResource = {
          ...current,
          attributes,
          origin: options.origin ?? current.origin,
          meta: { ...current.meta, lastModified: this.clock().toISOString(), version: current.meta.version + 1 },
        };
        const outcome = await this.write(
          next,
          String(current.meta.version),
          uniqueKeysOf(kind, current.attributes),
          options.markDirty ?? true,
          allMembers(next),
        );
        if (outcome === 'ok') return next;
        if (expectedVersion !== undefined) throw new PreconditionFailedError();
      }
      throw new PreconditionFailedError(`${kind} ${id} is being changed concurrently; try again`);
    });
  }

  /**
   * A group change that names its members instead of carrying them all (a membership PATCH):
   * `plan` sees the group without its members (attributes.members is there only for a group
   * stored before members moved beside it) and asks for the members it needs; it returns the
   * new attributes (members left out) and how the members change, or null for "no change".
   * The write lands only at the version `plan` saw, so the members it read are still the
   * group's. Retries on a concurrent version bump.
   */
  async patchGroup(
    id: string,
    plan: (current: StoredResource) => Promise<{ attributes: Record<string, unknown>; members: MemberWrite } | null>,
    expectedVersion?: number,
    options: { origin?: ResourceOrigin } = {},
  ): Promise<StoredResource> {
    return this.mutex.run(`Group:${id}`, async () => {
      for (let attempt = 0; attempt < MAX_VERSION_RETRIES; attempt++) {
        const current = await this.get('Group', id, { members: false });
        if (!current) throw new NotFoundError(`Group ${id} not found`);
        if (expectedVersion !== undefined && current.meta.version !== expectedVersion) throw new PreconditionFailedError();
        const outcome = await plan(current);
        if (outcome === null) return current;
        const next: StoredResource = {
          ...current,
          attributes: outcome.attributes,
          origin: options.origin ?? current.origin,
          meta: { ...current.meta, lastModified: this.clock().toISOString(), version: current.meta.version + 1 },
        };
        const written = await this.write(next, String(current.meta.version), uniqueKeysOf('Group', current.attributes), true, outcome.members);
        if (written === 'ok') return next;
        if (expectedVersion !== undefined) throw new PreconditionFailedError();
      }
      throw new PreconditionFailedError(`Group ${id} is being changed concurrently; try again`);
    });
  }

  /**
   * The groups that list `value` as a member, a batch of groups per round trip. Groups are few next
   * to users, and a member's groups are needed only when the user is deleted.
   */
  async groupsHolding(value: string, batchSize = 1000): Promise<string[]> {
    const holding: string[] = [];
    for (let offset = 0; ; offset += batchSize) {
      const ids = await this.redis.zrange(this.keys.order('Group'), offset, offset + batchSize - 1);
      if (ids.length === 0) return holding;
      const scores = await Promise.all(ids.map((id) => this.redis.zscore(this.keys.membersOrder(id), value)));
      ids.forEach((id, i) => {
        if (scores[i] !== null) holding.push(id);
      });
      if (ids.length < batchSize) return holding;
    }
  }

  /** The stored member objects of a group for the given values (absent values are left out). */
  async memberObjects(groupId: string, values: string[]): Promise<Map<string, JsonObject>> {
    const found = new Map<string, JsonObject>();
    if (values.length === 0) return found;
    const objects = await this.redis.hmget(this.keys.membersByValue(groupId), ...values);
    objects.forEach((json, i) => {
      if (json) found.set(values[i], JSON.parse(json) as JsonObject);
    });
    return found;
  }

  async memberCount(groupId: string): Promise<number> {
    return this.redis.zcard(this.keys.membersOrder(groupId));
  }

  /** Which of these ids name a stored resource of `kind`. */
  async existingIds(kind: ResourceKind, ids: string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    const present = await Promise.all(unique.map((id) => this.redis.exists(this.keys.resource(kind, id))));
    return new Set(unique.filter((_, i) => present[i] === 1));
  }

  /** Removes a resource; its link and a dirty marker stay so a worker can disable it in Secret Server. */
  async remove(kind: ResourceKind, id: string): Promise<StoredResource> {
    return this.mutex.run(`${kind}:${id}`, async () => {
      for (let attempt = 0; attempt < MAX_VERSION_RETRIES; attempt++) {
        const current = await this.get(kind, id, { members: false });
        if (!current) throw new NotFoundError(`${kind} ${id} not found`);
        const keys = uniqueKeysOf(kind, current.attributes);
        const memberKeys = kind === 'Group' ? [this.keys.membersOrder(id), this.keys.membersByValue(id)] : [];
        const [status] = (await (this.redis as unknown as RedisScripts).scimDeleteResource(
          3 + keys.length + memberKeys.length,
          this.keys.resource(kind, id),
          this.keys.order(kind),
          this.keys.dirty(),
          ...keys.map(([index]) => this.keys.index(kind, index)),
          ...memberKeys,
          id,
          String(current.meta.version),
          dirtyMember(kind, id),
          String(this.clock().getTime()),
          String(keys.length),
          ...keys.map(([, value]) => value),
        )) as string[];
        if (status === 'ok') {
          await this.durability.confirm(this.keys.resource(kind, id));
          return current;
        }
        if (status === 'notfound') throw new NotFoundError(`${kind} ${id} not found`);
      }
      throw new PreconditionFailedError(`${kind} ${id} is being changed concurrently; try again`);
    });
  }

  /** A resource; a group with its members unless `members: false` (group-members.ts). */
  async get(kind: ResourceKind, id: string, options: { members?: boolean } = {}): Promise<StoredResource | null> {
    if (kind === 'User' || options.members === false) {
      const json = await this.redis.get(this.keys.resource(kind, id));
      return json ? (JSON.parse(json) as StoredResource) : null;
    }
    const [json, ...members] = (await (this.redis as unknown as RedisScripts).scimReadGroup(
      3,
      this.keys.resource(kind, id),
      this.keys.membersOrder(id),
      this.keys.membersByValue(id),
    )) as Array<string | null>;
    if (!json) return null;
    const resource = JSON.parse(json) as StoredResource;
    // A group stored before members moved beside it keeps them in its JSON until its next write.
    if (members.length > 0 || !Array.isArray(resource.attributes.members)) {
      resource.attributes.members = members.filter((m): m is string => m !== null).map((m) => JSON.parse(m) as unknown);
    }
    return resource;
  }

  async getMany(kind: ResourceKind, ids: string[]): Promise<Array<StoredResource | null>> {
    if (ids.length === 0) return [];
    if (kind === 'Group') return Promise.all(ids.map((id) => this.get(kind, id)));
    const values = await this.redis.mget(ids.map((id) => this.keys.resource(kind, id)));
    return values.map((json) => (json ? (JSON.parse(json) as StoredResource) : null));
  }

  async findIdByIndex(kind: ResourceKind, index: UniqueIndex, value: string): Promise<string | null> {
    const normalised = index === 'externalId' ? value : value.toLowerCase();
    return this.redis.hget(this.keys.index(kind, index), normalised);
  }

  async count(kind: ResourceKind): Promise<number> {
    return this.redis.zcard(this.keys.order(kind));
  }

  /**
   * One page in creation order with each resource's link: O(log n + count), so Okta's startIndex
   * paging stays flat at 100k users. Two round trips: the order (count and ids), then the
   * resources and links together (auto-pipelining batches the MGET with the link reads).
   */
  async pageWithLinks(kind: ResourceKind, offset: number, count: number): Promise<PageOfResources> {
    const [total, ids] = await Promise.all([
      this.count(kind),
      count > 0 ? this.redis.zrange(this.keys.order(kind), offset, offset + count - 1) : Promise.resolve([] as string[]),
    ]);
    const [resources, links] = await Promise.all([this.getMany(kind, ids), this.getLinks(kind, ids)]);
    const items: PageOfResources['items'] = [];
    // A resource deleted between the two reads is left out of the page.
    resources.forEach((resource, i) => {
      if (resource) items.push({ resource, link: links[i] });
    });
    return { total, items };
  }

  /** Every resource in order, in batches: for filters no index can answer, and for resync. */
  async *scan(kind: ResourceKind, batchSize = 1000): AsyncGenerator<StoredResource[]> {
    for (let offset = 0; ; offset += batchSize) {
      const ids = await this.redis.zrange(this.keys.order(kind), offset, offset + batchSize - 1);
      if (ids.length === 0) return;
      yield (await this.getMany(kind, ids)).filter((r): r is StoredResource => r !== null);
      if (ids.length < batchSize) return;
    }
  }

  /**
   * How many resources of `kind` stand in each syncState (one no worker has looked at yet is
   * pending): a batch of ids and their link states per round trip, for the console's overview.
   */
  async countBySyncState(kind: ResourceKind, batchSize = 1000): Promise<Record<SyncState, number>> {
    const counts: Record<SyncState, number> = { pending: 0, synced: 0, 'dry-run': 0, failed: 0 };
    for (let offset = 0; ; offset += batchSize) {
      const ids = await this.redis.zrange(this.keys.order(kind), offset, offset + batchSize - 1);
      const states = await Promise.all(ids.map((id) => this.redis.hget(this.keys.link(kind, id), 'state')));
      for (const state of states) counts[state !== null && state in counts ? (state as SyncState) : 'pending'] += 1;
      if (ids.length < batchSize) return counts;
    }
  }

  async getLink(kind: ResourceKind, id: string): Promise<SecretServerLink | undefined> {
    return parseLink(await this.redis.hgetall(this.keys.link(kind, id)));
  }

  async getLinks(kind: ResourceKind, ids: string[]): Promise<Array<SecretServerLink | undefined>> {
    // Plain commands, not an explicit pipeline: auto-pipelining sends them in the same write as
    // whatever else this turn asks (the page's MGET).
    return Promise.all(ids.map(async (id) => parseLink(await this.redis.hgetall(this.keys.link(kind, id)))));
  }

  /** Every Secret Server id a resource of this kind is linked to. */
  async linkedSecretServerIds(kind: ResourceKind): Promise<number[]> {
    return (await this.redis.hkeys(this.keys.linkBySecretServerId(kind))).map(Number);
  }

  async findIdBySecretServerId(kind: ResourceKind, secretServerId: number): Promise<string | null> {
    return this.redis.hget(this.keys.linkBySecretServerId(kind), String(secretServerId));
  }

  /** Writes link fields without touching the dirty set (progress, failures). */
  async setLink(kind: ResourceKind, id: string, link: Partial<SecretServerLink>): Promise<void> {
    const fields = linkFields(link);
    const pipeline = this.redis.pipeline();
    if (fields.length) pipeline.hset(this.keys.link(kind, id), ...fields);
    if (link.secretServerId !== undefined) pipeline.hset(this.keys.linkBySecretServerId(kind), String(link.secretServerId), id);
    await pipeline.exec();
  }

  /**
   * Forgets which Secret Server object a resource stands for: the object at that id turned out to
   * be someone else's. The next sync finds its Secret Server object again from scratch.
   */
  async unlink(kind: ResourceKind, id: string): Promise<void> {
    const link = await this.getLink(kind, id);
    const pipeline = this.redis.pipeline();
    pipeline.hdel(this.keys.link(kind, id), 'secretServerId', 'secretServerUserName', 'secretServerName', 'syncedVersion');
    if (link?.secretServerId !== undefined && (await this.findIdBySecretServerId(kind, link.secretServerId)) === id) {
      pipeline.hdel(this.keys.linkBySecretServerId(kind), String(link.secretServerId));
    }
    await pipeline.exec();
  }

  /**
   * Records a successful sync of `version` and clears the dirty marker unless a newer write
   * arrived meanwhile. Returns true when the resource is now fully synced.
   */
  async markSynced(kind: ResourceKind, id: string, version: number, link: Partial<SecretServerLink>): Promise<boolean> {
    if (link.secretServerId !== undefined) {
      await this.redis.hset(this.keys.linkBySecretServerId(kind), String(link.secretServerId), id);
    }
    const fields = linkFields({ ...link, state: link.state ?? 'synced', syncedVersion: version, lastError: '' });
    const cleared = await (this.redis as unknown as RedisScripts).scimMarkSynced(
      3,
      this.keys.resource(kind, id),
      this.keys.link(kind, id),
      this.keys.dirty(),
      dirtyMember(kind, id),
      String(version),
      ...fields,
    );
    return cleared === 1;
  }

  async markDirty(kind: ResourceKind, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const now = this.clock().getTime();
    await this.redis.zadd(this.keys.dirty(), ...ids.flatMap((id) => [now, dirtyMember(kind, id)]));
  }

  /** Resources whose change has waited longer than `olderThanMs` for a worker. */
  async listDirty(olderThanMs: number, limit = 1000): Promise<Array<{ kind: ResourceKind; id: string }>> {
    const members = await this.redis.zrangebyscore(this.keys.dirty(), '-inf', this.clock().getTime() - olderThanMs, 'LIMIT', 0, limit);
    return members.map(parseDirtyMember);
  }

  /** For each id, whether its change is still waiting for a worker (its dirty marker is set). */
  async dirtyAmong(kind: ResourceKind, ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const scores = await this.redis.zmscore(this.keys.dirty(), ...ids.map((id) => dirtyMember(kind, id)));
    return scores.map((score) => score !== null);
  }

  async countDirty(): Promise<number> {
    return this.redis.zcard(this.keys.dirty());
  }

  private async write(
    resource: StoredResource,
    expected: string,
    oldKeys: Array<[UniqueIndex, string]>,
    markDirty: boolean,
    members: MemberWrite,
  ): Promise<'ok' | 'version'> {
    const newKeys = uniqueKeysOf(resource.kind, resource.attributes);
    const oldByIndex = new Map(oldKeys);
    const isGroup = resource.kind === 'Group';
    const memberKeys = isGroup ? [this.keys.membersOrder(resource.id), this.keys.membersByValue(resource.id)] : [];
    // A group's JSON never holds its members: they are written beside it (group-members.ts).
    const stored = isGroup && 'members' in resource.attributes ? { ...resource, attributes: withoutMembers(resource.attributes) } : resource;
    const [status, detail] = (await (this.redis as unknown as RedisScripts).scimWriteResource(
      4 + newKeys.length + memberKeys.length,
      this.keys.resource(resource.kind, resource.id),
      this.keys.order(resource.kind),
      this.keys.sequence(resource.kind),
      this.keys.dirty(),
      ...newKeys.map(([index]) => this.keys.index(resource.kind, index)),
      ...memberKeys,
      resource.id,
      expected,
      JSON.stringify(stored),
      dirtyMember(resource.kind, resource.id),
      String(this.clock().getTime()),
      markDirty ? '1' : '0',
      String(newKeys.length),
      ...newKeys.flatMap(([index, value]) => [oldByIndex.get(index) ?? '', value]),
      ...memberWriteArgs(isGroup ? members : NO_MEMBER_CHANGE),
    )) as string[];
    if (status === 'ok') {
      await this.durability.confirm(this.keys.resource(resource.kind, resource.id));
      return 'ok';
    }
    if (status === 'version') return 'version';
    if (status === 'notfound') throw new NotFoundError(`${resource.kind} ${resource.id} not found`);
    if (status === 'exists') throw new UniquenessError(`${resource.kind} ${resource.id} already exists`);
    const [index] = newKeys[Number(detail) - 1];
    throw new UniquenessError(`A ${resource.kind.toLowerCase()} with this ${UNIQUE_INDEX_LABELS[index]} already exists`);
  }
}

/** What a whole-resource write does to a group's members: they become exactly the given ones. */
function allMembers(resource: StoredResource): MemberWrite {
  if (resource.kind !== 'Group') return NO_MEMBER_CHANGE;
  const members = Array.isArray(resource.attributes.members) ? (resource.attributes.members as JsonObject[]) : [];
  return { mode: 'replace', members };
}

function withoutMembers(attributes: Record<string, unknown>): Record<string, unknown> {
  const { members: _members, ...rest } = attributes;
  return rest;
}

interface RedisScripts {
  scimReadGroup(numKeys: number, ...args: string[]): Promise<unknown>;
  scimWriteResource(numKeys: number, ...args: string[]): Promise<unknown>;
  scimDeleteResource(numKeys: number, ...args: string[]): Promise<unknown>;
  scimMarkSynced(numKeys: number, ...args: string[]): Promise<unknown>;
}

export function dirtyMember(kind: ResourceKind, id: string): string {
  return `${kind}:${id}`;
}

function parseDirtyMember(member: string): { kind: ResourceKind; id: string } {
  const separator = member.indexOf(':');
  return { kind: member.slice(0, separator) as ResourceKind, id: member.slice(separator + 1) };
}

/** A link as the hash fields Redis keeps (undefined left out, everything a string). */
export function linkFields(link: Partial<SecretServerLink>): string[] {
  return Object.entries(link)
    .filter(([, v]) => v !== undefined)
    .flatMap(([k, v]) => [k, String(v)]);
}

/** A link back from its hash fields; an empty hash is no link. */
export function parseLink(hash: Record<string, string> | null | undefined): SecretServerLink | undefined {
  if (!hash || Object.keys(hash).length === 0) return undefined;
  return {
    state: (hash.state as SecretServerLink['state']) ?? 'pending',
    secretServerId: hash.secretServerId ? Number(hash.secretServerId) : undefined,
    secretServerUserName: hash.secretServerUserName || undefined,
    secretServerName: hash.secretServerName || undefined,
    syncedVersion: hash.syncedVersion ? Number(hash.syncedVersion) : undefined,
    lastError: hash.lastError || undefined,
    lastSyncedAt: hash.lastSyncedAt || undefined,
  };
}
