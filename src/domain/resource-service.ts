import { BadRequestError, NotFoundError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import { DELETED_VERSION, SyncEnqueuer } from '../queue/sync-enqueuer';
import {
  FILTER_SCAN_LIMIT,
  FILTER_SCAN_SLICE,
  assertScanAffordable,
  indexedLookup,
  matchesFilter,
  parseFilter,
  scanRefusal,
  type AttributeIndex,
  type FilterMeter,
  type IndexedLookup,
} from '../scim/filter/filter';
import { MAX_MEMBERS } from '../scim/input-limits';
import type { JsonObject } from '../scim/json-values';
import { applyPatch } from '../scim/patch/patch';
import { memberAccessOf } from '../scim/patch/patch-member-access';
import { parseGroupInput, parseUserInput } from '../scim/resource/resource-input';
import { changedAttributes, membersChange, SCIM_METHODS } from '../history/history-event';
import type { ResourceHistory } from '../history/resource-history';
import type { MemberWrite } from '../store/group-members';
import type { UniqueIndex } from '../store/redis-keys';
import type { ResourceStore } from '../store/resource-store';
import { displayNameFor, splitDisplayName } from './name-filling';
import type { ResourceKind, SecretServerLink, StoredResource } from './resource-types';
import { primaryEmail, uniqueKeysOf } from './unique-keys';

export interface ResourceView {
  resource: StoredResource;
  link?: SecretServerLink;
  /** A group answered without its members (a PATCH on a large group): the client gets 204. */
  membersOmitted?: boolean;
}

/**
 * Largest group a membership PATCH answers with in full. RFC 7644 §3.5.2 lets a PATCH answer 204
 * instead of the resource, and Okta accepts either for groups; above this size the 204 keeps a
 * one-member change from costing the whole group in rendering and transfer.
 */
export const PATCH_ECHO_MEMBERS = 1000;

export interface ListQuery {
  filter?: string;
  /** 1-based, as in SCIM. */
  startIndex: number;
  count: number;
}

/**
 * Resources read per round trip of a scan: small enough that parsing one batch stays a few
 * milliseconds even for resources near the body limit.
 */
const SCAN_BATCH = 250;

/** Lets timers, sockets and /healthz run between two slices of a long computation. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The SCIM use cases: validate, write the desired state atomically, enqueue the sync, answer.
 * Secret Server is never called here; Okta gets its answer from Redis at once.
 */
export class ResourceService {
  constructor(
    private readonly store: ResourceStore,
    private readonly queue: SyncEnqueuer,
    private readonly logger: Logger,
    /** familyName shown for a user whose name is one word (IMPORT_FAMILY_NAME_PLACEHOLDER). */
    private readonly familyNamePlaceholder = '-',
    /** Where each accepted write is recorded for the console's history page; none in narrow tests. */
    private readonly history?: ResourceHistory,
  ) {}

  async create(kind: ResourceKind, body: unknown, requestId?: string): Promise<ResourceView> {
    const { attributes } = parseInput(kind, body);
    if (kind === 'Group') attributes.members = await this.usersOnly(attributes.members as JsonObject[], undefined, requestId);
    const resource = await this.store.create(kind, attributes, { origin: 'okta' });
    const { members, ...rest } = resource.attributes;
    const added = Array.isArray(members) ? members.length : 0;
    await this.afterWrite(resource, requestId, 'create', [...changedAttributes(undefined, rest), ...membersChange(added, 0)]);
    return view(resource, { state: 'pending' }, this.familyNamePlaceholder);
  }

  async replace(kind: ResourceKind, id: string, body: unknown, expectedVersion?: number, requestId?: string): Promise<ResourceView> {
    // Validating inside `mutate` runs after store.update has read the resource, so an unknown id
    // gets the 404 Okta expects, not a validation error, without a separate existence read.
    // Okta owns what it pushes: once Okta replaces a resource, later imports leave it alone.
    let parsed: Record<string, unknown> | undefined;
    let invalid: unknown;
    try {
      parsed = parseInput(kind, body).attributes;
    } catch (error) {
      invalid = error;
    }
    if (parsed && kind === 'Group') parsed.members = await this.usersOnly(parsed.members as JsonObject[], id, requestId);
    let before: Record<string, unknown> | undefined;
    const attributes = (current: StoredResource) => {
      if (parsed === undefined) throw invalid;
      before = current.attributes;
      return parsed;
    };
    const [resource, link] = await this.withLinkAlongside(kind, id, this.store.update(kind, id, attributes, expectedVersion, { origin: 'okta' }));
    const { members, ...after } = resource.attributes;
    const replacedMembers = Array.isArray(members) ? [`members replaced (${members.length})`] : [];
    await this.afterWrite(resource, requestId, 'replace', [...changedAttributes(before, after), ...replacedMembers]);
    return view(resource, link, this.familyNamePlaceholder);
  }

  async patch(kind: ResourceKind, id: string, body: unknown, expectedVersion?: number, requestId?: string): Promise<ResourceView> {
    if (kind === 'Group') return this.patchGroup(id, body, expectedVersion, requestId);
    // No existence read first: store.update throws NotFoundError before applying anything.
    let changed = false;
    let before: Record<string, unknown> | undefined;
    const update = this.store.update(
      kind,
      id,
      (current) => {
        const result = applyPatch(kind, current.attributes, body);
        changed = result.changed;
        before = current.attributes;
        if (!result.changed) return null;
        // Re-validate the outcome, so a PATCH cannot store what a PUT would refuse.
        return parseInput(kind, result.resource, current.attributes).attributes;
      },
      expectedVersion,
      { origin: 'okta' },
    );
    const [resource, link] = await this.withLinkAlongside(kind, id, update);
    if (changed) await this.afterWrite(resource, requestId, 'patch', changedAttributes(before, resource.attributes));
    return view(resource, link, this.familyNamePlaceholder);
  }

  /**
   * A group PATCH touches only the members it names (patch-member-access.ts): the store reads
   * those, the operations run on them and the write carries the difference, so a change of one
   * member costs the same in a group of ten or of a hundred thousand.
   */
  private async patchGroup(id: string, body: unknown, expectedVersion?: number, requestId?: string): Promise<ResourceView> {
    const access = memberAccessOf(body);
    let changed = false;
    let described: string[] = [];
    const plan = async (current: StoredResource): Promise<{ attributes: Record<string, unknown>; members: MemberWrite } | null> => {
      // A group stored before members moved beside it still has them in its JSON: whole, then.
      const legacy = Array.isArray(current.attributes.members);
      const whole = legacy || access.needsAll;
      let before: JsonObject[];
      if (legacy) before = current.attributes.members as JsonObject[];
      else if (whole) before = ((await this.store.get('Group', id))?.attributes.members ?? []) as JsonObject[];
      else before = [...(await this.store.memberObjects(id, access.named)).values()];
      const result = applyPatch('Group', { ...current.attributes, members: before }, body);
      // Replacing all members changes the group even when the named ones stay as they were.
      if (!result.changed && !access.clears) return null;
      changed = true;
      const { members, ...attributes } = parseInput('Group', result.resource, current.attributes).attributes;
      const { members: _legacyMembers, ...attributesBefore } = current.attributes;
      described = changedAttributes(attributesBefore, attributes);
      const after = members as JsonObject[];
      if (whole || access.clears) {
        const kept = await this.usersOnly(after, id, requestId);
        described.push(`members replaced (${kept.length})`);
        return { attributes, members: { mode: 'replace', members: kept } };
      }
      // A member the operations removed and added again, or whose object they changed, is
      // written anew; the others the PATCH named are left where they are.
      const had = new Map(before.map((m) => [m.value as string, JSON.stringify(m)]));
      const now = new Map(after.map((m) => [m.value as string, JSON.stringify(m)]));
      const remove = [...had.keys()].filter((value) => now.get(value) !== had.get(value));
      const add = await this.usersOnly(
        after.filter((m) => had.get(m.value as string) !== now.get(m.value as string)),
        id,
        requestId,
      );
      described.push(...membersChange(add.length, remove.length));
      const size = (await this.store.memberCount(id)) - remove.length + add.length;
      if (size > MAX_MEMBERS) {
        throw new BadRequestError(`members would have ${size} values; at most ${MAX_MEMBERS} are accepted`, 'invalidValue');
      }
      return { attributes, members: { mode: 'delta', remove, add } };
    };
    const [written, link] = await this.withLinkAlongside('Group', id, this.store.patchGroup(id, plan, expectedVersion, { origin: 'okta' }));
    if (changed) await this.afterWrite(written, requestId, 'patch', described);
    if ((await this.store.memberCount(id)) > PATCH_ECHO_MEMBERS) return { resource: written, link, membersOmitted: true };
    const resource = (await this.store.get('Group', id)) ?? written;
    return view(resource, link, this.familyNamePlaceholder);
  }

  /**
   * Members are users of this bridge (RFC 7643 §4.2: a member's value is the id of a SCIM
   * resource): a value that names none, such as a typo or another system's id, is left out with
   * one WARN line, and the rest of the request applies (a 400 would fail the whole push, which
   * Okta does not retry). Values are kept as the user's own id, whatever case they came in.
   */
  private async usersOnly(members: JsonObject[] | undefined, groupId: string | undefined, requestId?: string): Promise<JsonObject[]> {
    if (!members || members.length === 0) return [];
    const values = members.map((m) => String(m.value));
    const known = await this.store.existingIds('User', [...values, ...values.map((v) => v.toLowerCase())]);
    const kept: JsonObject[] = [];
    const dropped: string[] = [];
    const seen = new Set<string>();
    for (const m of members) {
      const value = String(m.value);
      const id = known.has(value) ? value : known.has(value.toLowerCase()) ? value.toLowerCase() : undefined;
      if (id === undefined || (typeof m.type === 'string' && m.type.toLowerCase() === 'group')) dropped.push(value);
      else if (!seen.has(id)) {
        seen.add(id);
        kept.push(id === value ? m : { ...m, value: id });
      }
    }
    if (dropped.length > 0) {
      this.logger.warn('group members left out: no user of this bridge has these ids', {
        category: 'scim',
        requestId,
        kind: 'Group',
        id: groupId,
        dropped: dropped.slice(0, 10).map((v) => v.slice(0, 80)),
        droppedCount: dropped.length,
      });
    }
    return kept;
  }

  async remove(kind: ResourceKind, id: string, requestId?: string): Promise<void> {
    await this.store.remove(kind, id);
    this.logger.info('scim delete accepted', { category: 'scim', requestId, kind, id });
    await this.history?.record({ kind, id }, [{ type: 'scim', at: this.history.now(), method: SCIM_METHODS.delete, requestId, changed: [] }]);
    await this.queue.enqueueSync(kind, id, DELETED_VERSION, requestId);
    if (kind === 'User') await this.leaveGroups(id, requestId);
  }

  /**
   * A deleted user is no longer a member of any group (RFC 7643 §4.2: a member is a resource of
   * this service provider), so its groups drop it, and their sync removes it in Secret Server too.
   * Groups stored before members moved beside the group hold no member keys and are left as they
   * are; their next write keeps only users (usersOnly).
   */
  private async leaveGroups(userId: string, requestId?: string): Promise<void> {
    for (const groupId of await this.store.groupsHolding(userId)) {
      try {
        const written = await this.store.patchGroup(groupId, async (current) => ({
          attributes: current.attributes,
          members: { mode: 'delta', remove: [userId], add: [] },
        }));
        await this.afterWrite(written, requestId, 'member removal', membersChange(0, 1), 'a member was deleted');
      } catch (err) {
        // Deleted meanwhile: nothing left to leave.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }

  async get(kind: ResourceKind, id: string): Promise<ResourceView | null> {
    // One round trip for both (auto-pipelining); the link of an unknown id is simply absent.
    const [resource, link] = await Promise.all([this.store.get(kind, id), this.store.getLink(kind, id)]);
    return resource ? view(resource, link, this.familyNamePlaceholder) : null;
  }

  async list(kind: ResourceKind, query: ListQuery): Promise<{ total: number; views: ResourceView[] }> {
    const offset = query.startIndex - 1;
    const asViews = (items: Array<{ resource: StoredResource; link?: SecretServerLink }>) =>
      items.map(({ resource, link }) => view(resource, link, this.familyNamePlaceholder));
    if (query.filter === undefined || query.filter.trim() === '') {
      const page = await this.store.pageWithLinks(kind, offset, query.count);
      return { total: page.total, views: asViews(page.items) };
    }
    const filter = parseFilter(query.filter);
    const lookup = indexedLookup(filter, kind, indexesKept(kind));
    if (lookup) {
      // Okta's and Entra's existence checks (userName, externalId, group displayName eq): an index
      // read, then the candidates and their links together; each is still checked against the
      // whole filter, so the answer is the one a scan would give.
      const ids = await this.indexedCandidates(kind, lookup);
      const [candidates, links] = await Promise.all([this.store.getMany(kind, ids), this.store.getLinks(kind, ids)]);
      const found: Array<{ resource: StoredResource; link?: SecretServerLink }> = [];
      candidates.forEach((resource, i) => {
        if (resource && matchesFilter(filter, filterable(resource))) found.push({ resource, link: links[i] });
      });
      return { total: found.length, views: asViews(found.slice(offset, offset + query.count)) };
    }
    // No index serves this filter: every resource is evaluated, within a budget (filter.ts).
    assertScanAffordable(filter, await this.store.count(kind));
    const meter: FilterMeter = { units: 0 };
    let sliceEnd = FILTER_SCAN_SLICE;
    let total = 0;
    const page: StoredResource[] = [];
    for await (const batch of this.store.scan(kind, SCAN_BATCH)) {
      for (const r of batch) {
        if (matchesFilter(filter, filterable(r), meter)) {
          // Only the requested page is kept; the rest is counted for totalResults.
          if (total >= offset && page.length < query.count) page.push(r);
          total += 1;
        }
        if (meter.units > FILTER_SCAN_LIMIT) throw scanRefusal();
        if (meter.units >= sliceEnd) {
          sliceEnd = meter.units + FILTER_SCAN_SLICE;
          await yieldToEventLoop();
        }
      }
    }
    const links = await this.store.getLinks(
      kind,
      page.map((r) => r.id),
    );
    return { total, views: asViews(page.map((resource, i) => ({ resource, link: links[i] }))) };
  }

  /**
   * Every resource holding the looked-up value. The indexes of unique attributes (the only ones
   * indexesKept offers) hold at most one id per value; `id` is the store's own key.
   */
  private async indexedCandidates(kind: ResourceKind, lookup: IndexedLookup): Promise<string[]> {
    if (lookup.attribute === 'id') return [lookup.value];
    const id = await this.store.findIdByIndex(kind, lookup.attribute as UniqueIndex, lookup.value);
    return id === null ? [] : [id];
  }

  /**
   * The write's outcome with the resource's link, read in the same round trip as the write's first
   * read. Read before the write lands, the link cannot make the answer wrong: the write bumps the
   * version, so the view says "pending". The answer waits for the write to settle whatever the
   * link read does, so a client is never told a write failed that may still land.
   */
  private async withLinkAlongside(kind: ResourceKind, id: string, write: Promise<StoredResource>): Promise<[StoredResource, SecretServerLink | undefined]> {
    const [written, link] = await Promise.allSettled([write, this.store.getLink(kind, id)]);
    if (written.status === 'rejected') throw written.reason;
    return [written.value, link.status === 'fulfilled' ? link.value : undefined];
  }

  private async afterWrite(
    resource: StoredResource,
    requestId: string | undefined,
    operation: 'create' | 'replace' | 'patch' | 'member removal',
    changed: string[],
    note?: string,
  ): Promise<void> {
    this.logger.info(`scim ${operation} accepted`, {
      category: 'scim',
      requestId,
      kind: resource.kind,
      id: resource.id,
      version: resource.meta.version,
    });
    // The write already left a dirty marker in the same Lua call; if this enqueue fails the
    // sweeper still carries the change to Secret Server.
    const method = operation === 'member removal' ? SCIM_METHODS.delete : SCIM_METHODS[operation];
    await Promise.all([
      this.queue.enqueueSync(resource.kind, resource.id, resource.meta.version, requestId),
      this.history?.record({ kind: resource.kind, id: resource.id }, [
        { type: 'scim', at: this.history.now(), method, requestId, changed, version: resource.meta.version, ...(note ? { note } : {}) },
      ]),
    ]);
  }
}

/**
 * What a client sees: names filled when blank (Okta's SPEC test and its import require given and
 * family names), and a sync state that says "pending" until the current version reached Secret Server.
 */
function view(resource: StoredResource, link: SecretServerLink | undefined, familyNamePlaceholder: string): ResourceView {
  const pending = link?.state === 'synced' && (link.syncedVersion ?? 0) < resource.meta.version;
  return {
    resource: resource.kind === 'User' ? withNames(resource, familyNamePlaceholder) : resource,
    link: pending ? { ...link, state: 'pending' } : link,
  };
}

function withNames(resource: StoredResource, familyNamePlaceholder: string): StoredResource {
  const name = (resource.attributes.name ?? {}) as Record<string, unknown>;
  const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
  if (!blank(name.givenName) && !blank(name.familyName)) return resource;
  const email = primaryEmail(resource.attributes);
  const filled = splitDisplayName(
    displayNameFor(resource.attributes, email),
    { email, userName: typeof resource.attributes.userName === 'string' ? resource.attributes.userName : '' },
    familyNamePlaceholder,
  );
  return {
    ...resource,
    attributes: {
      ...resource.attributes,
      name: {
        ...name,
        givenName: blank(name.givenName) ? filled.givenName : name.givenName,
        familyName: blank(name.familyName) ? filled.familyName : name.familyName,
      },
    },
  };
}

/** `previous`: the stored attributes a PATCH started from (see parseUserInput). */
function parseInput(kind: ResourceKind, body: unknown, previous?: Record<string, unknown>): { attributes: Record<string, unknown> } {
  return kind === 'User' ? parseUserInput(body, previous) : parseGroupInput(body, previous);
}

/**
 * The unique indexes the store keeps for a kind, and whether each keeps case, read off the keys it
 * writes (unique-keys.ts: a value it lower-cases is kept without case). A filter is answered from
 * an index only when the store keeps that index, unique, and folded as the schema compares the
 * attribute (filter.ts); anything else is a scan. `email` names no attribute, so it is never
 * offered for a filter: it holds the primary email only, and `emails.value eq` matches any.
 */
function indexesKept(kind: ResourceKind): AttributeIndex[] {
  const probe = 'Aa';
  return uniqueKeysOf(kind, { userName: probe, displayName: probe, externalId: probe })
    .filter(([, value]) => value !== '')
    .map(([attribute, value]) => ({ attribute, caseExact: value === probe }));
}

/** What filters see: the attributes plus id and meta (RFC 7644 §3.4.2.2 allows filtering on both). */
function filterable(resource: StoredResource): Record<string, unknown> {
  return {
    ...resource.attributes,
    id: resource.id,
    meta: { resourceType: resource.kind, created: resource.meta.created, lastModified: resource.meta.lastModified },
  };
}
