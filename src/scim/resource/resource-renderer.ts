/**
 * Stored resource -> SCIM JSON (RFC 7643 §3: schemas, id, meta; §4.1, §4.2 for User and Group).
 * Only this module adds id, meta, schemas and members' $ref; the store never holds them.
 */
import type { SecretServerLink, StoredResource } from '../../domain/resource-types';
import { isPlainObject, setOwn, toBoolean, type JsonObject } from '../json-values';
import { SCHEMA_SECRET_SERVER_USER, canonicalUrn, coreSchemaOf } from '../scim-urns';

export { projectAttributes } from './attribute-projection';

export interface RenderOptions {
  /** The SCIM base URL as the client reached it, without a trailing slash (e.g. https://h/scim/v2). */
  baseUrl: string;
  link?: SecretServerLink;
}

/** Never rendered from attributes: the server's own (id, meta, schemas) and what is never stored. */
const RESERVED = new Set(['id', 'meta', 'schemas', 'password', SCHEMA_SECRET_SERVER_USER.toLowerCase()]);

/** A weak ETag (RFC 7644 §3.14, RFC 7232 §2.3): the version changes on every write. */
export function etagOf(stored: StoredResource): string {
  return `W/"${stored.meta.version}"`;
}

/** Extension objects present in the attributes (RFC 7643 §3: "schemas" lists every one in use). */
function extensionUrns(attributes: JsonObject): string[] {
  return Object.keys(attributes)
    .filter((k) => /^urn:/i.test(k) && isPlainObject(attributes[k]) && !RESERVED.has(k.toLowerCase()))
    .map((k) => canonicalUrn(k) ?? k);
}

/**
 * RFC 7643 §4.2: each member's `$ref` is the URI of the member resource. It is derived from the
 * value on the way out, never stored, so it always matches where the member lives now.
 */
function withMemberRefs(members: unknown[], base: string): unknown[] {
  return members.map((m) => {
    if (!isPlainObject(m) || typeof m.value !== 'string') return m;
    const endpoint = typeof m.type === 'string' && m.type.toLowerCase() === 'group' ? 'Groups' : 'Users';
    return { ...m, $ref: `${base}/${endpoint}/${encodeURIComponent(m.value)}` };
  });
}

function secretServerExtension(link: SecretServerLink): JsonObject {
  const ext: JsonObject = { syncState: link.state };
  if (link.secretServerId !== undefined) ext.secretServerUserId = link.secretServerId;
  if (link.lastError !== undefined) ext.lastError = link.lastError;
  if (link.lastSyncedAt !== undefined) ext.lastSyncedAt = link.lastSyncedAt;
  return ext;
}

/**
 * The resource as clients see it. Users without `active` render as active (RFC 7643 §4.1.1 leaves
 * it to the provider; Okta's SPEC test needs it non-empty). Groups always carry a `members` array
 * (Okta's tests read members[0] and an empty array). Our Secret Server extension appears on
 * Users only, since the ResourceType declares it for User alone.
 */
export function renderResource(stored: StoredResource, options: RenderOptions): Record<string, unknown> {
  // Nested values are shared with `stored`, not deep-copied (a deep copy per answer showed in
  // npm run bench profiles): nothing here or in projectAttributes mutates them, and the answer
  // is serialised at once.
  const attributes = stored.attributes as JsonObject;
  const isUser = stored.kind === 'User';
  const withLink = isUser && options.link !== undefined;
  const out: JsonObject = {
    schemas: [coreSchemaOf(stored.kind), ...extensionUrns(attributes), ...(withLink ? [SCHEMA_SECRET_SERVER_USER] : [])],
    id: stored.id,
  };
  for (const [key, value] of Object.entries(attributes)) {
    if (!RESERVED.has(key.toLowerCase())) setOwn(out, key, value);
  }
  const base = options.baseUrl.replace(/\/+$/, '');
  if (isUser) out.active = toBoolean(out.active) ?? true;
  if (!isUser) out.members = Array.isArray(out.members) ? withMemberRefs(out.members, base) : [];
  if (withLink && options.link) out[SCHEMA_SECRET_SERVER_USER] = secretServerExtension(options.link);
  out.meta = {
    resourceType: stored.kind,
    created: stored.meta.created,
    lastModified: stored.meta.lastModified,
    location: `${base}/${isUser ? 'Users' : 'Groups'}/${encodeURIComponent(stored.id)}`,
    version: etagOf(stored),
  };
  return out;
}
