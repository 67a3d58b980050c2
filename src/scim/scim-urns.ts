/**
 * Schema and message URNs (RFC 7643 §3, §8.7; RFC 7644 §3.4.2, §3.5.2, §3.12, §4).
 * Kept apart from schema/scim-schemas.ts so the attribute definitions can import them without a cycle.
 */

export const SCHEMA_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCHEMA_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const SCHEMA_ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/**
 * Our own read-only extension: where the user stands in Secret Server. The namespace is ours, not
 * the IETF's, as RFC 7643 §3.3 asks of extensions defined outside the RFC.
 */
export const SCHEMA_SECRET_SERVER_USER = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';

export const SCHEMA_SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const SCHEMA_RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export const MESSAGE_LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MESSAGE_PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const MESSAGE_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** Extensions we know by name; attribute lookups match them case-insensitively (RFC 7643 §2.1). */
export const KNOWN_EXTENSIONS: readonly string[] = [SCHEMA_ENTERPRISE_USER, SCHEMA_SECRET_SERVER_USER];

export function coreSchemaOf(kind: 'User' | 'Group'): string {
  return kind === 'User' ? SCHEMA_USER : SCHEMA_GROUP;
}

/** The canonical spelling of a known URN, or undefined for one we do not know. */
export function canonicalUrn(urn: string): string | undefined {
  const lower = urn.toLowerCase();
  return [SCHEMA_USER, SCHEMA_GROUP, ...KNOWN_EXTENSIONS].find((u) => u.toLowerCase() === lower);
}
