import type { ResourceStore } from '../store/resource-store';
import type { AdminService, FailedJobView } from './admin-service';
import { failureAdvice } from './failure-advice';
import type { ResourceKind, SecretServerLink, StoredResource, SyncState } from './resource-types';

/** One user or group as a console row: who it is, and where it stands in Secret Server. */
export interface ConsoleRow {
  id: string;
  kind: ResourceKind;
  /** userName for a user, displayName for a group. */
  name: string;
  /** A user's primary (else first) email; a group's member count is in `members`. */
  email?: string;
  displayName?: string;
  active?: boolean;
  members?: number;
  origin: StoredResource['origin'];
  syncState: SyncState;
  secretServerId?: number;
  lastError?: string;
  lastSyncedAt?: string;
}

export interface ConsolePage {
  rows: ConsoleRow[];
  /** Known for a plain listing; a search stops scanning once it has the page, so it says only whether more follow. */
  total?: number;
  hasMore: boolean;
}

export interface FailedJobRow extends FailedJobView {
  /** The user's userName or the group's displayName, when the resource is still stored. */
  resourceName?: string;
  /** What to do about it (failure-advice.ts). */
  advice: string;
}

/** Largest search text: a search scans the store, and nobody types more than this. */
export const MAX_SEARCH_LENGTH = 200;

/**
 * The reads behind the console pages (http/console/console-router.ts), over the store and the
 * admin operations. Nothing here writes.
 */
export class ConsoleQueries {
  constructor(
    private readonly store: ResourceStore,
    private readonly admin: AdminService,
  ) {}

  syncStateCounts(kind: ResourceKind): Promise<Record<SyncState, number>> {
    return this.store.countBySyncState(kind);
  }

  /**
   * A page of users or groups. Without `query`, in creation order (one page read). With one, the
   * resources whose Secret Server id is the query, or whose SCIM id, userName, externalId, emails,
   * names or displayName contain it (any case), in creation order: the store is scanned until the
   * page is full, so a search with few hits reads every resource once.
   */
  async page(kind: ResourceKind, query: string, pageIndex: number, pageSize: number): Promise<ConsolePage> {
    const needle = query.trim().toLowerCase().slice(0, MAX_SEARCH_LENGTH);
    const offset = pageIndex * pageSize;
    if (!needle) {
      const { total, items } = await this.store.pageWithLinks(kind, offset, pageSize);
      const rows = await this.withMemberCounts(items.map(({ resource, link }) => this.rowOf(resource, link)));
      return { total, rows, hasMore: offset + items.length < total };
    }
    const wanted = offset + pageSize + 1;
    const found: StoredResource[] = [];
    const seen = new Set<string>();
    if (/^\d{1,15}$/.test(needle)) {
      const id = await this.store.findIdBySecretServerId(kind, Number(needle));
      const resource = id ? await this.store.get(kind, id, { members: false }) : null;
      if (resource) {
        found.push(resource);
        seen.add(resource.id);
      }
    }
    scanning: for await (const batch of this.store.scan(kind, 500)) {
      for (const resource of batch) {
        if (seen.has(resource.id) || !matches(resource, needle)) continue;
        found.push(resource);
        seen.add(resource.id);
        if (found.length >= wanted) break scanning;
      }
    }
    const shown = found.slice(offset, offset + pageSize);
    return { rows: await this.rowsOf(kind, shown), hasMore: found.length > offset + pageSize };
  }

  /** One user or group as a row, or null once it is deleted. */
  async row(kind: ResourceKind, id: string): Promise<ConsoleRow | null> {
    const [resource, link] = await Promise.all([this.store.get(kind, id, { members: false }), this.store.getLink(kind, id)]);
    if (!resource) return null;
    const [row] = await this.withMemberCounts([this.rowOf(resource, link)]);
    return row;
  }

  /** The failed jobs, newest first, each with the resource's name and what to do. */
  async failedJobs(limit: number): Promise<FailedJobRow[]> {
    const jobs = await this.admin.listFailed(limit);
    const names = await Promise.all(
      jobs.map(async (job) => {
        const resource = await this.store.get(job.kind, job.resourceId, { members: false });
        return resource ? nameOf(resource) : undefined;
      }),
    );
    return jobs.map((job, i) => ({ ...job, resourceName: names[i], advice: failureAdvice(job.failedReason) }));
  }

  private async rowsOf(kind: ResourceKind, resources: StoredResource[]): Promise<ConsoleRow[]> {
    const links = await this.store.getLinks(
      kind,
      resources.map((r) => r.id),
    );
    return this.withMemberCounts(resources.map((resource, i) => this.rowOf(resource, links[i])));
  }

  /** A group's member count from its member set (group-members.ts), whether or not its members were read. */
  private async withMemberCounts(rows: ConsoleRow[]): Promise<ConsoleRow[]> {
    await Promise.all(
      rows.map(async (row) => {
        if (row.kind === 'Group') row.members = await this.store.memberCount(row.id);
      }),
    );
    return rows;
  }

  private rowOf(resource: StoredResource, link: SecretServerLink | undefined): ConsoleRow {
    const a = resource.attributes;
    const row: ConsoleRow = {
      id: resource.id,
      kind: resource.kind,
      name: nameOf(resource),
      origin: resource.origin,
      syncState: link?.state ?? 'pending',
      secretServerId: link?.secretServerId,
      lastError: link?.lastError,
      lastSyncedAt: link?.lastSyncedAt,
    };
    if (resource.kind === 'User') {
      row.email = primaryEmail(a.emails);
      row.displayName = text(a.displayName) ?? formattedName(a.name);
      row.active = a.active !== false && a.active !== 'false';
    }
    return row;
  }
}

function nameOf(resource: StoredResource): string {
  const a = resource.attributes;
  return (resource.kind === 'User' ? text(a.userName) : text(a.displayName)) ?? resource.id;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function primaryEmail(emails: unknown): string | undefined {
  if (!Array.isArray(emails)) return undefined;
  const values = emails.filter((e): e is { value: string; primary?: unknown } => typeof (e as { value?: unknown })?.value === 'string');
  return (values.find((e) => e.primary === true || e.primary === 'true') ?? values[0])?.value;
}

function formattedName(name: unknown): string | undefined {
  if (!name || typeof name !== 'object') return undefined;
  const n = name as Record<string, unknown>;
  return text(n.formatted) ?? ([text(n.givenName), text(n.familyName)].filter(Boolean).join(' ') || undefined);
}

/** The texts a search looks in; attribute names are matched as SCIM does, in any case. */
function searchableTexts(resource: StoredResource): string[] {
  const out: string[] = [resource.id];
  const push = (value: unknown) => {
    if (typeof value === 'string') out.push(value);
  };
  for (const [key, value] of Object.entries(resource.attributes)) {
    switch (key.toLowerCase()) {
      case 'username':
      case 'externalid':
      case 'displayname':
        push(value);
        break;
      case 'emails':
        if (Array.isArray(value)) for (const e of value) push((e as { value?: unknown })?.value);
        break;
      case 'name':
        if (value && typeof value === 'object') for (const part of Object.values(value as Record<string, unknown>)) push(part);
        break;
    }
  }
  return out;
}

function matches(resource: StoredResource, needle: string): boolean {
  return searchableTexts(resource).some((t) => t.toLowerCase().includes(needle));
}
