/** Plain types shared by the SCIM front, the store and the workers. No I/O here. */

export type ResourceKind = 'User' | 'Group';

/** Who brought a resource in: Okta pushed it, or the Secret Server import created it. */
export type ResourceOrigin = 'okta' | 'secret-server';

export interface ResourceMeta {
  created: string;
  lastModified: string;
  /** Increments on every write; the ETag is W/"<version>". */
  version: number;
}

/**
 * A SCIM resource as kept in Redis: the client's attributes (never `password`), without
 * `id`, `meta` or `schemas`, which are rendered on the way out (scim/resource/resource-renderer.ts).
 */
export interface StoredResource {
  id: string;
  kind: ResourceKind;
  attributes: Record<string, unknown>;
  meta: ResourceMeta;
  origin: ResourceOrigin;
}

/** `dry-run`: converged under SS_DRY_RUN, so nothing was written to Secret Server. */
export type SyncState = 'pending' | 'synced' | 'dry-run' | 'failed';

/** Where a SCIM resource stands in Secret Server, written only by the workers. */
export interface SecretServerLink {
  secretServerId?: number;
  /** The userName the Secret Server user was created or linked with (it cannot change there). */
  secretServerUserName?: string;
  /** For groups: the name the bridge last wrote or linked (names can change, so it is checked before each write). */
  secretServerName?: string;
  state: SyncState;
  syncedVersion?: number;
  lastError?: string;
  lastSyncedAt?: string;
}

/** The SCIM group member form (RFC 7643 §4.2). */
export interface GroupMember {
  value: string;
  display?: string;
  type?: string;
}
