/**
 * The discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes and /Schemas,
 * whose bodies follow RFC 7643 §5, §6 and §7. Okta's older SPEC suite reads every field asserted
 * here (Okta's SCIM 2.0 SPEC test), so none of them may be empty.
 */
import { ATTRIBUTES_BY_SCHEMA, type AttributeDefinition } from './attribute-definitions';
import { AUTH_SCHEMES, type AuthScheme } from '../../config/auth-schemes';
import { listResponse, type ListResponse } from '../list-response';
import {
  SCHEMA_ENTERPRISE_USER,
  SCHEMA_GROUP,
  SCHEMA_RESOURCE_TYPE,
  SCHEMA_SCHEMA,
  SCHEMA_SECRET_SERVER_USER,
  SCHEMA_SERVICE_PROVIDER_CONFIG,
  SCHEMA_USER,
} from '../scim-urns';

export {
  SCHEMA_USER,
  SCHEMA_GROUP,
  SCHEMA_ENTERPRISE_USER,
  SCHEMA_SECRET_SERVER_USER,
  SCHEMA_SERVICE_PROVIDER_CONFIG,
  SCHEMA_RESOURCE_TYPE,
  SCHEMA_SCHEMA,
  MESSAGE_LIST_RESPONSE,
  MESSAGE_PATCH_OP,
  MESSAGE_ERROR,
  KNOWN_EXTENSIONS,
  coreSchemaOf,
  canonicalUrn,
} from '../scim-urns';

/** Attributes of our Secret Server extension; all read-only (see attribute-definitions.ts). */
export const SECRET_SERVER_EXTENSION_ATTRIBUTES = ['secretServerUserId', 'syncState', 'lastError', 'lastSyncedAt'] as const;

export const DEFAULT_FILTER_MAX_RESULTS = 1000;

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/**
 * RFC 7643 §5 authenticationSchemes entries, one per SCIM_AUTH_SCHEMES value. `type` is one of the
 * RFC's: an OAuth 2.0 access token and the operator's bearer token are both `oauthbearertoken`,
 * as both are sent as RFC 6750 bearer tokens.
 */
const AUTHENTICATION_SCHEMES: Record<AuthScheme, Record<string, string>> = {
  bearer: {
    type: 'oauthbearertoken',
    name: 'OAuth Bearer Token',
    description: 'Authentication with a bearer token issued by the scim-bridge operator.',
    specUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
  },
  basic: {
    type: 'httpbasic',
    name: 'HTTP Basic',
    description: 'Authentication with a username and password issued by the scim-bridge operator.',
    specUri: 'https://datatracker.ietf.org/doc/html/rfc7617',
  },
  oauth: {
    type: 'oauthbearertoken',
    name: 'OAuth 2.0',
    description: 'Authentication with an OAuth 2.0 access token, sent as a bearer token.',
    specUri: 'https://datatracker.ietf.org/doc/html/rfc6750',
  },
};

/**
 * RFC 7643 §5. Bulk is off (maxOperations and maxPayloadSize 0); sort is off; ETags are weak
 * versions (RFC 7644 §3.14); passwords are never stored, so changePassword is false.
 * authenticationSchemes lists the enabled schemes in the order SCIM_AUTH_SCHEMES names them; the
 * first is the primary one.
 */
export function serviceProviderConfig(
  baseUrl: string,
  filterMaxResults: number = DEFAULT_FILTER_MAX_RESULTS,
  authSchemes: readonly AuthScheme[] = AUTH_SCHEMES,
): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SERVICE_PROVIDER_CONFIG],
    documentationUri: 'https://datatracker.ietf.org/doc/html/rfc7644',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: filterMaxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: authSchemes.map((scheme, index) => ({ ...AUTHENTICATION_SCHEMES[scheme], primary: index === 0 })),
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${trimBase(baseUrl)}/ServiceProviderConfig`,
    },
  };
}

function resourceTypeBody(baseUrl: string, id: 'User' | 'Group'): Record<string, unknown> {
  const isUser = id === 'User';
  return {
    schemas: [SCHEMA_RESOURCE_TYPE],
    id,
    name: id,
    endpoint: isUser ? '/Users' : '/Groups',
    description: isUser ? 'User Account' : 'Group',
    schema: isUser ? SCHEMA_USER : SCHEMA_GROUP,
    schemaExtensions: isUser
      ? [
          { schema: SCHEMA_ENTERPRISE_USER, required: false },
          { schema: SCHEMA_SECRET_SERVER_USER, required: false },
        ]
      : [],
    meta: { resourceType: 'ResourceType', location: `${trimBase(baseUrl)}/ResourceTypes/${id}` },
  };
}

/** RFC 7643 §6; GET /ResourceTypes answers with a ListResponse (RFC 7644 §4). */
export function resourceTypesList(baseUrl: string): ListResponse<Record<string, unknown>> {
  const all = [resourceTypeBody(baseUrl, 'User'), resourceTypeBody(baseUrl, 'Group')];
  return listResponse(all, all.length, 1);
}

/** GET /ResourceTypes/{id}; undefined (a 404 for the caller) when unknown. */
export function resourceTypeById(baseUrl: string, id: string): Record<string, unknown> | undefined {
  const found = (['User', 'Group'] as const).find((t) => t.toLowerCase() === id.toLowerCase());
  return found === undefined ? undefined : resourceTypeBody(baseUrl, found);
}

const SCHEMA_NAMES: Readonly<Record<string, [string, string]>> = {
  [SCHEMA_USER]: ['User', 'User Account'],
  [SCHEMA_GROUP]: ['Group', 'Group'],
  [SCHEMA_ENTERPRISE_USER]: ['EnterpriseUser', 'Enterprise User'],
  [SCHEMA_SECRET_SERVER_USER]: ['SecretServerUser', 'Where the user stands in Delinea Secret Server (read-only)'],
};

/** Drops the keys RFC 7643 §7 marks optional when they are empty, so the bodies stay readable. */
function serialiseAttribute(a: AttributeDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
  };
  if (a.canonicalValues && a.canonicalValues.length > 0) out.canonicalValues = a.canonicalValues;
  if (a.referenceTypes) out.referenceTypes = a.referenceTypes;
  if (a.subAttributes) out.subAttributes = a.subAttributes.map(serialiseAttribute);
  return out;
}

function schemaBody(baseUrl: string, urn: string): Record<string, unknown> {
  const [name, description] = SCHEMA_NAMES[urn] ?? [urn, urn];
  return {
    schemas: [SCHEMA_SCHEMA],
    id: urn,
    name,
    description,
    attributes: (ATTRIBUTES_BY_SCHEMA[urn] ?? []).map(serialiseAttribute),
    meta: { resourceType: 'Schema', location: `${trimBase(baseUrl)}/Schemas/${urn}` },
  };
}

/** RFC 7643 §7 and §8.7; GET /Schemas answers with a ListResponse (RFC 7644 §4). */
export function schemasList(baseUrl: string): ListResponse<Record<string, unknown>> {
  const all = Object.keys(SCHEMA_NAMES).map((urn) => schemaBody(baseUrl, urn));
  return listResponse(all, all.length, 1);
}

/** GET /Schemas/{urn}; URNs compare case-insensitively (RFC 7643 §2.1); undefined when unknown. */
export function schemaById(baseUrl: string, urn: string): Record<string, unknown> | undefined {
  const found = Object.keys(SCHEMA_NAMES).find((u) => u.toLowerCase() === urn.toLowerCase());
  return found === undefined ? undefined : schemaBody(baseUrl, found);
}
