/**
 * Validation of POST and PUT bodies (RFC 7644 §3.3, §3.5.1) into the attributes we store.
 * Tolerant where Okta and Entra ID differ from the RFC (Okta's SCIM 2.0 protocol reference; Entra ID's documented SCIM deviations), strict where a
 * wrong value would reach Secret Server.
 */
import { BadRequestError } from '../../errors/bridge-error';
import { findAttribute, findSubAttribute, type AttributeDefinition } from '../schema/attribute-definitions';
import { assertWithinLimits, MAX_MEMBERS, MAX_MULTI_VALUES } from '../input-limits';
import { isPlainObject, setOwn, toBoolean, type JsonObject } from '../json-values';
import { assertSafeText } from './string-policy';
import { SCHEMA_ENTERPRISE_USER, SCHEMA_GROUP, SCHEMA_SECRET_SERVER_USER, SCHEMA_USER, canonicalUrn } from '../scim-urns';

export interface ParsedInput {
  attributes: Record<string, unknown>;
}

/**
 * Never stored: id, meta and schemas are the server's (RFC 7643 §3.1); groups is read-only on a
 * User (RFC 7643 §4.1.2); password is sent by Okta on every create as a placeholder and this
 * bridge never keeps it (Okta's SCIM 2.0 protocol reference).
 */
const DROPPED_USER = new Set(['id', 'meta', 'schemas', 'password', 'groups']);
const DROPPED_GROUP = new Set(['id', 'meta', 'schemas', 'password']);

/**
 * The extensions each resource type declares in /ResourceTypes (RFC 7643 §6 schemaExtensions),
 * apart from our read-only one, which is dropped on input. Anything else under a URN key is an
 * extension we publish no schema for, so we could neither validate nor return it faithfully.
 */
const DECLARED_EXTENSIONS: Record<'User' | 'Group', readonly string[]> = {
  User: [SCHEMA_ENTERPRISE_USER],
  Group: [],
};

/**
 * Attribute names that carry credentials. The bridge never needs one (Secret Server passwords are
 * generated there), so none is stored, at any depth, whatever schema it comes under.
 */
const SECRET_NAME = /(password|passwd|passphrase|passcode|secret|token|apikey|privatekey|credentials?)$|^pwd$/;

export function isSecretName(key: string): boolean {
  return SECRET_NAME.test(key.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Removes credential-named attributes in place, in objects and arrays at any depth. */
function dropSecrets(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(dropSecrets);
  } else if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      if (isSecretName(key)) delete value[key];
      else dropSecrets(value[key]);
    }
  }
}

function invalid(detail: string): BadRequestError {
  return new BadRequestError(detail, 'invalidValue');
}

/** Renames sub-attributes to their schema spelling and turns "True"/"False" into booleans. */
function canonicalComplex(def: AttributeDefinition | undefined, value: JsonObject, where: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    const sub = findSubAttribute(def, key);
    const name = sub?.name ?? key;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw invalid(`${where}.${name} is given more than once`);
    const bool = sub?.type === 'boolean' ? toBoolean(v) : undefined;
    setOwn(out, name, bool ?? v);
  }
  return out;
}

/**
 * RFC 7643 §4.3 makes the enterprise `manager` complex ({value, $ref, displayName}); Microsoft Entra
 * ID sends the manager's id as a plain string (Microsoft Learn, "Known issues for provisioning in
 * Microsoft Entra ID": https://learn.microsoft.com/entra/identity/app-provisioning/known-issues).
 * The string is that value, so it is stored in the schema's form and filters on manager.value find it.
 */
function managerAsComplex(extension: JsonObject): JsonObject {
  const key = Object.keys(extension).find((k) => k.toLowerCase() === 'manager');
  if (key === undefined || typeof extension[key] !== 'string') return extension;
  const manager = extension[key];
  const out: JsonObject = { ...extension };
  delete out[key];
  if (manager !== '') setOwn(out, 'manager', { value: manager });
  return out;
}

/**
 * The enterprise extension's attributes under their schema spelling, as core attributes are
 * (RFC 7643 §2.1: attribute names are case-insensitive; §4.3 spells them): `"Department"` and
 * `"Manager": {"Value": ...}` are stored and returned as `department` and `manager.value`. Nulls are
 * unassigned; names the schema does not define are kept as sent, as at the top level.
 */
function canonicalExtension(urn: string, extension: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(extension)) {
    if (value === undefined || value === null) continue;
    const def = findAttribute('User', key, urn);
    const name = def?.name ?? key;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw invalid(`${urn}:${name} is given more than once`);
    setOwn(out, name, def?.type === 'complex' && isPlainObject(value) ? canonicalComplex(def, value, `${urn}:${name}`) : value);
  }
  return out;
}

/**
 * Copies the body under canonical names, dropping what must not be stored and nulls (unassigned).
 * An extension the resource type does not declare is refused (400 invalidSyntax: the request
 * does not follow the schema, RFC 7644 §3.12), unless `previous` already holds it: then it was
 * stored before extensions were checked, and the write that carries it forward drops it.
 */
function canonicalTopLevel(kind: 'User' | 'Group', body: JsonObject, dropped: Set<string>, previous?: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    const urn = canonicalUrn(key);
    if (urn === SCHEMA_SECRET_SERVER_USER) continue; // read-only, written by the workers only
    const declared = urn !== undefined && DECLARED_EXTENSIONS[kind].includes(urn);
    // A core schema URN as a key wraps core attributes; any other URN names an extension.
    const undeclared = urn === undefined ? /^urn:/i.test(key) : !declared && urn !== SCHEMA_USER && urn !== SCHEMA_GROUP;
    if (undeclared) {
      if (previous !== undefined && Object.prototype.hasOwnProperty.call(previous, key)) continue;
      throw new BadRequestError(
        `${key.slice(0, 200)} is not a schema extension of ${kind} (declared: ${DECLARED_EXTENSIONS[kind].join(', ') || 'none'}); see /ResourceTypes`,
        'invalidSyntax',
      );
    }
    const def = urn === undefined ? findAttribute(kind, key) : undefined;
    const name = declared ? urn : (def?.name ?? key);
    if (dropped.has(name.toLowerCase())) continue;
    if (Object.prototype.hasOwnProperty.call(out, name)) throw invalid(`Attribute ${name} is given more than once`);
    let v = value;
    if (urn === SCHEMA_ENTERPRISE_USER && isPlainObject(value)) v = canonicalExtension(urn, managerAsComplex(value));
    if (def?.type === 'complex' && def.multiValued && Array.isArray(value)) {
      v = (value as unknown[]).map((item, i) => (isPlainObject(item) ? canonicalComplex(def, item, `${name}[${i}]`) : item));
    } else if (def?.type === 'complex' && isPlainObject(value)) {
      v = canonicalComplex(def, value, name);
    }
    setOwn(out, name, v);
  }
  dropSecrets(out);
  return out;
}

/**
 * RFC 7643 §2.4 sets no bound on multi-valued attributes; we do, so that no single resource makes
 * PATCH, filtering or rendering slow. A person has a handful of emails or phone numbers, so 100
 * is generous; a Group's members are the exception, since Okta pushes large groups whole.
 */
function assertMultiValuedCaps(kind: 'User' | 'Group', attrs: JsonObject): void {
  const check = (value: unknown, where: string, cap: number) => {
    if (Array.isArray(value) && value.length > cap) {
      throw invalid(`${where} has ${value.length} values; at most ${cap} are accepted`);
    }
  };
  for (const [key, value] of Object.entries(attrs)) {
    if (kind === 'Group' && key === 'members') check(value, key, MAX_MEMBERS);
    else check(value, key, MAX_MULTI_VALUES);
    if (isPlainObject(value) && /^urn:/i.test(key)) {
      for (const [sub, v] of Object.entries(value)) check(v, `${key}:${sub}`, MAX_MULTI_VALUES);
    }
  }
}

function requireObject(body: unknown): JsonObject {
  if (!isPlainObject(body)) {
    throw new BadRequestError('Request body must be a JSON object', 'invalidSyntax');
  }
  assertWithinLimits(body);
  return body;
}

function optionalString(attrs: JsonObject, name: string): void {
  if (name in attrs && typeof attrs[name] !== 'string') throw invalid(`${name} must be a string`);
  assertSafeText(attrs[name], name);
}

function requiredString(attrs: JsonObject, name: string, kind: string): void {
  const value = attrs[name];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${name} is required and must be a non-empty string for a ${kind}`);
  }
  assertSafeText(value, name);
}

/** Multi-valued complex attributes (RFC 7643 §2.4) whose elements need a string `value`. */
function requireValueElements(attrs: JsonObject, name: string): void {
  if (!(name in attrs)) return;
  const list = attrs[name];
  if (!Array.isArray(list)) throw invalid(`${name} must be an array`);
  list.forEach((item, i) => {
    if (!isPlainObject(item) || typeof item.value !== 'string') {
      throw invalid(`${name}[${i}] must be an object with a string value`);
    }
  });
}

/**
 * A User body. userName is kept exactly as sent: Okta's SPEC test compares it case-sensitively
 * on the way back, while lookups compare it case-insensitively (Okta's SCIM 2.0 protocol reference). Every string
 * that reaches Secret Server or keys the user there passes string-policy.ts: userName, emails,
 * displayName, the name parts and externalId. `previous` is the stored resource a PATCH started from.
 */
export function parseUserInput(body: unknown, previous?: JsonObject): ParsedInput {
  const attrs = canonicalTopLevel('User', requireObject(body), DROPPED_USER, previous);
  assertMultiValuedCaps('User', attrs);
  requiredString(attrs, 'userName', 'User');
  if ('active' in attrs) {
    const active = toBoolean(attrs.active);
    if (active === undefined) throw invalid('active must be a boolean');
    attrs.active = active;
  }
  requireValueElements(attrs, 'emails');
  if (Array.isArray(attrs.emails)) {
    attrs.emails.forEach((e, i) => assertSafeText((e as { value: unknown }).value, `emails[${i}].value`));
  }
  if ('name' in attrs) {
    const name = attrs.name;
    if (!isPlainObject(name)) throw invalid('name must be an object');
    for (const [sub, v] of Object.entries(name)) {
      if (typeof v !== 'string') throw invalid(`name.${sub} must be a string`);
      assertSafeText(v, `name.${sub}`);
    }
  }
  optionalString(attrs, 'displayName');
  optionalString(attrs, 'externalId');
  return { attributes: attrs };
}

/** A Group body: members are deduplicated by value, since Secret Server holds a set. */
export function parseGroupInput(body: unknown, previous?: JsonObject): ParsedInput {
  const attrs = canonicalTopLevel('Group', requireObject(body), DROPPED_GROUP, previous);
  assertMultiValuedCaps('Group', attrs);
  requiredString(attrs, 'displayName', 'Group');
  optionalString(attrs, 'externalId');
  requireValueElements(attrs, 'members');
  const members = (attrs.members ?? []) as JsonObject[];
  const seen = new Set<string>();
  attrs.members = members.filter((m, i) => {
    for (const sub of ['display', 'type']) {
      if (sub in m && typeof m[sub] !== 'string') throw invalid(`members[${i}].${sub} must be a string`);
    }
    // $ref is derived from value when rendered (resource-renderer.ts), so a sent one is dropped.
    delete m.$ref;
    const value = m.value as string;
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
  return { attributes: attrs };
}

const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The email that keys the user into Secret Server: the `primary: true` email, else the first one
 * (RFC 7643 §2.4: primary marks the preferred value). Okta's AIW apps often map only userName,
 * which is the email address in most orgs, so a userName that looks like an address is the
 * last resort; without any, the caller cannot key the user by email. Surrounding spaces are not
 * part of an address: trimmed, " a@x " and "a@x" key (and reach Secret Server as) the same user.
 */
export function primaryEmail(attributes: Record<string, unknown>): string | undefined {
  const emails = Array.isArray(attributes.emails) ? attributes.emails.filter(isPlainObject) : [];
  const withValue = emails.filter((e) => typeof e.value === 'string' && e.value.trim() !== '');
  const chosen = withValue.find((e) => toBoolean(e.primary) === true) ?? withValue[0];
  if (chosen) return (chosen.value as string).trim();
  const userName = typeof attributes.userName === 'string' ? attributes.userName.trim() : undefined;
  return userName !== undefined && LOOKS_LIKE_EMAIL.test(userName) ? userName : undefined;
}
