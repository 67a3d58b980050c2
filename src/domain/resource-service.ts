import type { Logger } from '../logging/logger';
import { DELETED_VERSION, SyncEnqueuer } from '../queue/provisioning-queue';
import {
  FILTER_SCAN_LIMIT,
  FILTER_SCAN_SLICE,
  assertScanAffordable,
  indexedLookup,
  matchesFilter,
  parseFilter,
  scanRefusal,
  type FilterMeter,
} from '../scim/filter';
import { applyPatch } from '../scim/patch';
import { parseGroupInput, parseUserInput } from '../scim/resource-input';
import type { ResourceStore } from '../store/resource-store';
import { displayNameFor, splitDisplayName } from './name-filling';
import type { ResourceKind, SecretServerLink, StoredResource } from './resource-types';
import { primaryEmail } from './unique-keys';

export interface ResourceView {
  resource: StoredResource;
  link?: SecretServerLink;
}

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
  ) {}

  async create(kind: ResourceKind, body: unknown, requestId?: string): Promise<ResourceView> {
    const { attributes } = parseInput(kind, body);
    const resource = await this.store.create(kind, attributes, { origin: 'okta' });
    await this.afterWrite(resource, requestId, 'create');
    return view(resource, { state: 'pending' }, this.familyNamePlaceholder);
  }

  async replace(kind: ResourceKind, id: string, body: unknown, expectedVersion?: number, requestId?: string): Promise<ResourceView> {
    // Validating inside `mutate` runs after store.update has read the resource, so an unknown id
    // gets the 404 Okta expects, not a validation error, without a separate existence read.
    // Okta owns what it pushes: once Okta replaces a resource, later imports leave it alone.
    const [resource, link] = await this.withLinkAlongside(
      kind,
      id,
      this.store.update(kind, id, () => parseInput(kind, body).attributes, expectedVersion, { origin: 'okta' }),
    );
    await this.afterWrite(resource, requestId, 'replace');
    return view(resource, link, this.familyNamePlaceholder);
  }

  async patch(kind: ResourceKind, id: string, body: unknown, expectedVersion?: number, requestId?: string): Promise<ResourceView> {
    // No existence read first: store.update throws NotFoundError before applying anything.
    let changed = false;
    const update = this.store.update(
      kind,
      id,
      (current) => {
        const result = applyPatch(kind, current.attributes, body);
        changed = result.changed;
        if (!result.changed) return null;
        // Re-validate the outcome, so a PATCH cannot store what a PUT would refuse.
        return parseInput(kind, result.resource, current.attributes).attributes;
      },
      expectedVersion,
      { origin: 'okta' },
    );
    const [resource, link] = await this.withLinkAlongside(kind, id, update);
    if (changed) await this.afterWrite(resource, requestId, 'patch');
    return view(resource, link, this.familyNamePlaceholder);
  }

  async remove(kind: ResourceKind, id: string, requestId?: string): Promise<void> {
    await this.store.remove(kind, id);
    this.logger.info('scim delete accepted', { category: 'scim', requestId, kind, id });
    await this.queue.enqueueSync(kind, id, DELETED_VERSION, requestId);
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
    const matches = (r: StoredResource) => matchesFilter(filter, filterable(r));
    const lookup = indexedLookup(filter);
    if (lookup) {
      // Okta's existence check (userName eq "..."): an index read, then the resource and its link together.
      const id = lookup.index === 'id' ? lookup.value : await this.store.findIdByIndex(kind, lookup.index, lookup.value);
      const [candidate, link] = id ? await Promise.all([this.store.get(kind, id), this.store.getLink(kind, id)]) : [null, undefined];
      const found = candidate && matches(candidate) ? [{ resource: candidate, link }] : [];
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
    const links = await this.store.getLinks(kind, page.map((r) => r.id));
    return { total, views: asViews(page.map((resource, i) => ({ resource, link: links[i] }))) };
  }

  /**
   * The write's outcome with the resource's link, read in the same round trip as the write's first
   * read. Read before the write lands, the link cannot make the answer wrong: the write bumps the
   * version, so the view says "pending". The answer waits for the write to settle whatever the
   * link read does, so a client is never told a write failed that may still land.
   */
  private async withLinkAlongside(
    kind: ResourceKind,
    id: string,
    write: Promise<StoredResource>,
  ): Promise<[StoredResource, SecretServerLink | undefined]> {
    const [written, link] = await Promise.allSettled([write, this.store.getLink(kind, id)]);
    if (written.status === 'rejected') throw written.reason;
    return [written.value, link.status === 'fulfilled' ? link.value : undefined];
  }

  private async afterWrite(resource: StoredResource, requestId: string | undefined, operation: string): Promise<void> {
    this.logger.info(`scim ${operation} accepted`, {
      category: 'scim',
      requestId,
      kind: resource.kind,
      id: resource.id,
      version: resource.meta.version,
    });
    // The write already left a dirty marker in the same Lua call; if this enqueue fails the
    // sweeper still carries the change to Secret Server.
    await this.queue.enqueueSync(resource.kind, resource.id, resource.meta.version, requestId);
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
  const filled = splitDisplayName(displayNameFor(resource.attributes, email), { email, userName: String(resource.attributes.userName ?? '') }, familyNamePlaceholder);
  return {
    ...resource,
    attributes: {
      ...resource.attributes,
      name: { ...name, givenName: blank(name.givenName) ? filled.givenName : name.givenName, familyName: blank(name.familyName) ? filled.familyName : name.familyName },
    },
  };
}

/** `previous`: the stored attributes a PATCH started from (see parseUserInput). */
function parseInput(kind: ResourceKind, body: unknown, previous?: Record<string, unknown>): { attributes: Record<string, unknown> } {
  return kind === 'User' ? parseUserInput(body, previous) : parseGroupInput(body, previous);
}

/** What filters see: the attributes plus id and meta (RFC 7644 §3.4.2.2 allows filtering on both). */
function filterable(resource: StoredResource): Record<string, unknown> {
  return {
    ...resource.attributes,
    id: resource.id,
    meta: { resourceType: resource.kind, created: resource.meta.created, lastModified: resource.meta.lastModified },
  };
}
