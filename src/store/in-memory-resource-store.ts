import crypto from 'node:crypto';
import type { ResourceKind, SecretServerLink, StoredResource } from '../domain/resource-types';
import type { SyncStore } from '../jobs/sync-job';
import { dirtyMember, linkFields, parseLink } from './resource-store';

/**
 * The desired state in memory, for unit tests of the sync jobs: the part of ResourceStore
 * (resource-store.ts) they use (SyncStore), plus the writes a test needs to set the scene. It
 * keeps what Redis keeps the way ResourceStore does: resources as JSON (a read is a copy, never
 * the object a test or a job holds), links as hashes of strings through the same linkFields /
 * parseLink, the reverse index by Secret Server id, and the dirty set that markSynced clears only
 * when no newer version was written (MARK_SYNCED_LUA in resource-scripts.ts). No unique indexes,
 * paging or scans: the jobs never read them.
 */
export class InMemoryResourceStore implements SyncStore {
  private readonly resources = new Map<string, string>();
  private readonly links = new Map<string, Record<string, string>>();
  private readonly bySecretServerId = new Map<string, string>();
  private readonly dirty = new Map<string, number>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  // ---- setting the scene (what the SCIM front writes) ----

  /** A new resource at version 1, marked dirty, as ResourceStore.create. */
  async create(kind: ResourceKind, attributes: Record<string, unknown>, options: { id?: string } = {}): Promise<StoredResource> {
    const now = this.clock().toISOString();
    const resource: StoredResource = {
      id: options.id ?? crypto.randomUUID(),
      kind,
      attributes,
      meta: { created: now, lastModified: now, version: 1 },
      origin: 'okta',
    };
    this.put(resource);
    return resource;
  }

  /** New attributes at the next version, marked dirty, as ResourceStore.replace. */
  async replace(kind: ResourceKind, id: string, attributes: Record<string, unknown>): Promise<StoredResource> {
    const current = await this.get(kind, id);
    if (!current) throw new Error(`${kind} ${id} not found`);
    const next: StoredResource = {
      ...current,
      attributes,
      meta: { ...current.meta, lastModified: this.clock().toISOString(), version: current.meta.version + 1 },
    };
    this.put(next);
    return next;
  }

  /** Removes the resource; its link and a dirty marker stay so a job can disable it, as ResourceStore.remove. */
  async remove(kind: ResourceKind, id: string): Promise<void> {
    if (!this.resources.delete(key(kind, id))) throw new Error(`${kind} ${id} not found`);
    this.dirty.set(dirtyMember(kind, id), this.clock().getTime());
  }

  /** Whether a change of the resource still waits for a sync. */
  isDirty(kind: ResourceKind, id: string): boolean {
    return this.dirty.has(dirtyMember(kind, id));
  }

  // ---- SyncStore ----

  async get(kind: ResourceKind, id: string): Promise<StoredResource | null> {
    const json = this.resources.get(key(kind, id));
    return json ? (JSON.parse(json) as StoredResource) : null;
  }

  async getMany(kind: ResourceKind, ids: string[]): Promise<Array<StoredResource | null>> {
    return Promise.all(ids.map((id) => this.get(kind, id)));
  }

  async getLink(kind: ResourceKind, id: string): Promise<SecretServerLink | undefined> {
    const hash = this.links.get(key(kind, id));
    return parseLink(hash ? { ...hash } : undefined);
  }

  async getLinks(kind: ResourceKind, ids: string[]): Promise<Array<SecretServerLink | undefined>> {
    return Promise.all(ids.map((id) => this.getLink(kind, id)));
  }

  async findIdBySecretServerId(kind: ResourceKind, secretServerId: number): Promise<string | null> {
    return this.bySecretServerId.get(key(kind, String(secretServerId))) ?? null;
  }

  async setLink(kind: ResourceKind, id: string, link: Partial<SecretServerLink>): Promise<void> {
    this.hset(kind, id, linkFields(link));
    if (link.secretServerId !== undefined) this.bySecretServerId.set(key(kind, String(link.secretServerId)), id);
  }

  async unlink(kind: ResourceKind, id: string): Promise<void> {
    const link = await this.getLink(kind, id);
    const hash = this.links.get(key(kind, id));
    if (hash) for (const field of ['secretServerId', 'secretServerUserName', 'secretServerName', 'syncedVersion']) delete hash[field];
    if (link?.secretServerId !== undefined && (await this.findIdBySecretServerId(kind, link.secretServerId)) === id) {
      this.bySecretServerId.delete(key(kind, String(link.secretServerId)));
    }
  }

  async markSynced(kind: ResourceKind, id: string, version: number, link: Partial<SecretServerLink>): Promise<boolean> {
    if (link.secretServerId !== undefined) this.bySecretServerId.set(key(kind, String(link.secretServerId)), id);
    this.hset(kind, id, linkFields({ ...link, state: link.state ?? 'synced', syncedVersion: version, lastError: '' }));
    const current = await this.get(kind, id);
    if (current && current.meta.version > version) return false;
    this.dirty.delete(dirtyMember(kind, id));
    return true;
  }

  private put(resource: StoredResource): void {
    this.resources.set(key(resource.kind, resource.id), JSON.stringify(resource));
    this.dirty.set(dirtyMember(resource.kind, resource.id), this.clock().getTime());
  }

  private hset(kind: ResourceKind, id: string, fields: string[]): void {
    if (fields.length === 0) return;
    const hash = this.links.get(key(kind, id)) ?? {};
    for (let i = 0; i < fields.length; i += 2) hash[fields[i]] = fields[i + 1];
    this.links.set(key(kind, id), hash);
  }
}

const key = (kind: ResourceKind, id: string) => `${kind}:${id}`;
