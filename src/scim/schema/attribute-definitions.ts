/**
 * Attribute definitions in the form of RFC 7643 §7 ("Schema Definition"), used twice: served by
 * GET /Schemas, and consulted by input parsing, PATCH and filters for canonical attribute names,
 * boolean and dateTime types, case-exactness and mutability.
 */
import { SCHEMA_ENTERPRISE_USER, SCHEMA_GROUP, SCHEMA_SECRET_SERVER_USER, SCHEMA_USER } from '../scim-urns';

export type AttributeType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex';

export interface AttributeDefinition {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDefinition[];
}

/** RFC 7643 §2.2 defaults: a readWrite, optional, case-insensitive, singular string. */
function attr(name: string, description: string, overrides: Partial<AttributeDefinition> = {}): AttributeDefinition {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

function complex(name: string, description: string, subAttributes: AttributeDefinition[], overrides: Partial<AttributeDefinition> = {}): AttributeDefinition {
  return attr(name, description, { type: 'complex', subAttributes, ...overrides });
}

/** The value/display/type/primary shape shared by the multi-valued attributes of RFC 7643 §2.4. */
function multiValued(name: string, description: string, types: string[], valueType: AttributeType = 'string'): AttributeDefinition {
  return complex(
    name,
    description,
    [
      attr('value', `The ${name} value.`, { type: valueType }),
      attr('display', 'A human-readable name, primarily used for display purposes.'),
      attr('type', 'A label indicating the function of the value.', { canonicalValues: types }),
      attr('primary', 'Whether this is the preferred value.', { type: 'boolean' }),
    ],
    { multiValued: true },
  );
}

/** RFC 7643 §4.1 and §8.7.1. */
export const USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('userName', 'Unique identifier for the User, used to authenticate.', {
    required: true,
    uniqueness: 'server',
  }),
  complex('name', 'The components of the user’s real name.', [
    attr('formatted', 'The full name, formatted for display.'),
    attr('familyName', 'The family name.'),
    attr('givenName', 'The given name.'),
    attr('middleName', 'The middle name(s).'),
    attr('honorificPrefix', 'The honorific prefix(es).'),
    attr('honorificSuffix', 'The honorific suffix(es).'),
  ]),
  attr('displayName', 'The name of the User, suitable for display.'),
  attr('nickName', 'The casual way to address the user.'),
  attr('profileUrl', 'A URI of the user’s online profile.', {
    type: 'reference',
    referenceTypes: ['external'],
  }),
  attr('title', 'The user’s title, such as "Vice President".'),
  attr('userType', 'The relationship between the organization and the user.'),
  attr('preferredLanguage', 'The preferred written or spoken language.'),
  attr('locale', 'The default location, for localizing items such as currency.'),
  attr('timezone', 'The time zone, in IANA format.'),
  attr('active', 'The user’s administrative status.', { type: 'boolean' }),
  attr('password', 'Accepted and dropped: this bridge never stores passwords.', {
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
  multiValued('phoneNumbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multiValued('ims', 'Instant messaging addresses for the user.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multiValued('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], 'reference'),
  complex(
    'addresses',
    'Physical mailing addresses for this user.',
    [
      attr('formatted', 'The full mailing address.'),
      attr('streetAddress', 'The full street address component.'),
      attr('locality', 'The city or locality component.'),
      attr('region', 'The state or region component.'),
      attr('postalCode', 'The zip code or postal code component.'),
      attr('country', 'The country name component.'),
      attr('type', 'A label indicating the function of the address.', {
        canonicalValues: ['work', 'home', 'other'],
      }),
      attr('primary', 'Whether this is the preferred address.', { type: 'boolean' }),
    ],
    { multiValued: true },
  ),
  complex(
    'groups',
    'Groups the user belongs to; read-only, managed through the Group resource (RFC 7643 §4.1.2).',
    [
      attr('value', 'The identifier of the group.', { mutability: 'readOnly' }),
      attr('$ref', 'The URI of the group.', { type: 'reference', referenceTypes: ['Group'], mutability: 'readOnly' }),
      attr('display', 'The group’s display name.', { mutability: 'readOnly' }),
      attr('type', 'direct or indirect.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ],
    { multiValued: true, mutability: 'readOnly' },
  ),
  multiValued('entitlements', 'Entitlements for the user.', []),
  multiValued('roles', 'Roles for the user.', []),
  multiValued('x509Certificates', 'X.509 certificates issued to the user.', [], 'binary'),
];

/** RFC 7643 §4.2 and §8.7.1. */
export const GROUP_ATTRIBUTES: AttributeDefinition[] = [
  // RFC 7643 §8.7.1 says none; this bridge refuses a second group of the same name (any case),
  // since Secret Server finds groups by name, and /Schemas says what it enforces.
  attr('displayName', 'A human-readable name for the Group.', { required: true, uniqueness: 'server' }),
  complex(
    'members',
    'A list of members of the Group.',
    [
      attr('value', 'The identifier of the member.', { mutability: 'immutable' }),
      attr('$ref', 'The URI of the member.', {
        type: 'reference',
        referenceTypes: ['User', 'Group'],
        mutability: 'immutable',
      }),
      attr('display', 'A human-readable name of the member.'),
      attr('type', 'The type of member.', { canonicalValues: ['User', 'Group'], mutability: 'immutable' }),
    ],
    { multiValued: true },
  ),
];

/** RFC 7643 §4.3. */
export const ENTERPRISE_USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person.'),
  attr('costCenter', 'Identifies the name of a cost center.'),
  attr('organization', 'Identifies the name of an organization.'),
  attr('division', 'Identifies the name of a division.'),
  attr('department', 'Identifies the name of a department.'),
  complex('manager', 'The user’s manager.', [
    attr('value', 'The id of the SCIM resource representing the manager.'),
    attr('$ref', 'The URI of the manager.', { type: 'reference', referenceTypes: ['User'] }),
    attr('displayName', 'The display name of the manager.', { mutability: 'readOnly' }),
  ]),
];

const readOnly = { mutability: 'readOnly' as const };

/** Our extension: written only by the workers, never by a client. */
export const SECRET_SERVER_USER_ATTRIBUTES: AttributeDefinition[] = [
  attr('secretServerUserId', 'The Secret Server user id, once the user exists there.', {
    type: 'integer',
    ...readOnly,
  }),
  attr('syncState', 'Where provisioning into Secret Server stands.', {
    canonicalValues: ['pending', 'synced', 'dry-run', 'failed'],
    ...readOnly,
  }),
  attr('lastError', 'The last permanent error from Secret Server, if any.', readOnly),
  attr('lastSyncedAt', 'When the user was last written to Secret Server.', {
    type: 'dateTime',
    ...readOnly,
  }),
];

/** Common attributes of every resource (RFC 7643 §3.1); not listed in /Schemas per the RFC. */
export const COMMON_ATTRIBUTES: AttributeDefinition[] = [
  attr('id', 'Unique identifier assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'Identifier assigned by the provisioning client.', { caseExact: true }),
  complex(
    'meta',
    'Resource metadata.',
    [
      attr('resourceType', 'The name of the resource type.', { caseExact: true, ...readOnly }),
      attr('created', 'When the resource was added.', { type: 'dateTime', ...readOnly }),
      attr('lastModified', 'When the resource was last changed.', { type: 'dateTime', ...readOnly }),
      attr('location', 'The URI of the resource.', { type: 'reference', caseExact: true, ...readOnly }),
      attr('version', 'The entity tag of the resource.', { caseExact: true, ...readOnly }),
    ],
    readOnly,
  ),
];

export const ATTRIBUTES_BY_SCHEMA: Readonly<Record<string, AttributeDefinition[]>> = {
  [SCHEMA_USER]: USER_ATTRIBUTES,
  [SCHEMA_GROUP]: GROUP_ATTRIBUTES,
  [SCHEMA_ENTERPRISE_USER]: ENTERPRISE_USER_ATTRIBUTES,
  [SCHEMA_SECRET_SERVER_USER]: SECRET_SERVER_USER_ATTRIBUTES,
};

function findIn(list: AttributeDefinition[] | undefined, name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return list?.find((a) => a.name.toLowerCase() === lower);
}

/**
 * The definition of a top-level attribute: in a known extension when `schemaUrn` names one,
 * otherwise in the core schema of `kind` or the common attributes. Case-insensitive (RFC 7643 §2.1).
 */
export function findAttribute(kind: 'User' | 'Group', name: string, schemaUrn?: string): AttributeDefinition | undefined {
  if (schemaUrn !== undefined) {
    const key = Object.keys(ATTRIBUTES_BY_SCHEMA).find((urn) => urn.toLowerCase() === schemaUrn.toLowerCase());
    return key === undefined ? undefined : findIn(ATTRIBUTES_BY_SCHEMA[key], name);
  }
  return findIn(kind === 'User' ? USER_ATTRIBUTES : GROUP_ATTRIBUTES, name) ?? findIn(COMMON_ATTRIBUTES, name);
}

export function findSubAttribute(parent: AttributeDefinition | undefined, name: string): AttributeDefinition | undefined {
  return findIn(parent?.subAttributes, name);
}
