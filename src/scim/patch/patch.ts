/**
 * PATCH (RFC 7644 §3.5.2) over a stored resource's attributes.
 *
 * The body is validated and normalised here first: op names in any case (Entra sends "Replace"),
 * "True"/"False" strings for booleans (Entra), path-less values (Okta's deactivate and group
 * rename), paths parsed once by patch-path.ts. Then each operation goes to:
 *   - patch-multi-valued.ts for value paths and Group members (where scim-patch is wrong);
 *   - applyMultiValuedValues below for adding or removing given values (scim-patch is quadratic);
 *   - scim-patch's scimPatch for the rest, which it handles well: single-valued attributes,
 *     sub-attributes, the merge of complex values, URN-prefixed extension attributes, replace.
 * Every failure is a BridgeError (400); the operations apply all-or-nothing to a copy, within a
 * work budget (patch-budget.ts).
 */
import { scimPatch, ScimError, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { BadRequestError, BridgeError } from '../../errors/bridge-error';
import { findSubAttribute, type AttributeDefinition } from '../schema/attribute-definitions';
import { assertWithinLimits } from '../input-limits';
import { canonicalJson, cloneJson, findKey, getAttribute, isPlainObject, jsonEqual, setOwn, toBoolean, type JsonObject } from '../json-values';
import { COST, PatchBudget } from './patch-budget';
import { MemberIndex, equalityValue } from './patch-members';
import { applyValuePathOp, isMembers, valuePathCost, type PatchOpName } from './patch-multi-valued';
import { containerOf, definitionOf, keyOf, parsePatchPath, subDefinitionOf, subKeyOf, type PatchTarget } from './patch-path';
import { MESSAGE_PATCH_OP, SCHEMA_SECRET_SERVER_USER, canonicalUrn, coreSchemaOf } from '../scim-urns';

export const MAX_PATCH_OPERATIONS = 1000;

export interface PatchResult {
  resource: Record<string, unknown>;
  changed: boolean;
}

interface Operation {
  index: number;
  op: PatchOpName;
  path?: string;
  /** The parsed path, once estimateCost has read it. */
  target?: PatchTarget;
  value: unknown;
}

/** RFC 7643 §3.1: the server's own attributes; a path-less value may carry them (Okta's rename). */
const IMMUTABLE = new Set(['id', 'meta', 'schemas']);
/** Read-only on a User (RFC 7643 §4.1.2) and our extension, written only by the workers. */
const READ_ONLY = new Set(['groups', SCHEMA_SECRET_SERVER_USER.toLowerCase()]);

function readOperations(body: unknown): Operation[] {
  if (!isPlainObject(body)) throw new BadRequestError('PATCH body must be a JSON object', 'invalidSyntax');
  const schemas = getAttribute(body, 'schemas');
  // Tolerated when absent; when present it must name PatchOp (RFC 7644 §3.5.2).
  const namesPatchOp = (s: unknown): boolean => typeof s === 'string' && s.toLowerCase() === MESSAGE_PATCH_OP.toLowerCase();
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some(namesPatchOp))) {
    throw new BadRequestError(`schemas must contain ${MESSAGE_PATCH_OP}`, 'invalidSyntax');
  }
  const operations = getAttribute(body, 'Operations');
  if (!Array.isArray(operations)) throw new BadRequestError('Operations must be an array', 'invalidSyntax');
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw new BadRequestError(`At most ${MAX_PATCH_OPERATIONS} operations are accepted per request`, 'invalidValue');
  }
  assertWithinLimits(body);
  return operations.map((raw, index) => {
    if (!isPlainObject(raw)) throw new BadRequestError(`Operations[${index}] must be an object`, 'invalidSyntax');
    const op = getAttribute(raw, 'op');
    const name = typeof op === 'string' ? op.trim().toLowerCase() : undefined;
    if (name !== 'add' && name !== 'remove' && name !== 'replace') {
      throw new BadRequestError(`Operations[${index}].op must be add, remove or replace`, 'invalidSyntax');
    }
    const rawPath = getAttribute(raw, 'path');
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
      throw new BadRequestError(`Operations[${index}].path must be a string`, 'invalidPath');
    }
    const path = typeof rawPath === 'string' && rawPath.trim() !== '' ? rawPath : undefined;
    const value = getAttribute(raw, 'value');
    if (name === 'remove' && path === undefined) {
      throw new BadRequestError(`Operations[${index}]: remove needs a path (RFC 7644 §3.5.2.2)`, 'noTarget');
    }
    if (name !== 'remove' && value === undefined) {
      throw new BadRequestError(`Operations[${index}]: ${name} needs a value`, 'invalidValue');
    }
    // A copy: values end up inside the result, which must not share objects with the request.
    return { index, op: name, path, value: cloneJson(value) };
  });
}

/** Booleans from Entra's strings, and sub-attribute names in their schema spelling. */
function normaliseValue(def: AttributeDefinition | undefined, value: unknown): unknown {
  if (def === undefined) return value;
  if (def.type === 'boolean') {
    const b = toBoolean(value);
    if (b === undefined && value !== null) throw new BadRequestError(`${def.name} must be a boolean`, 'invalidValue');
    return b ?? value;
  }
  if (def.type !== 'complex') return value;
  const fix = (item: unknown): unknown => {
    if (!isPlainObject(item)) return item;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(item)) {
      const sub = findSubAttribute(def, k);
      setOwn(out, sub?.name ?? k, sub ? normaliseValue(sub, v) : v);
    }
    return out;
  };
  return Array.isArray(value) ? value.map(fix) : fix(value);
}

/**
 * Multi-valued add, and remove of given values (RFC 7644 §3.5.2.1, §3.5.2.2). scim-patch compares
 * every pair with a deep equality, which takes seconds for two arrays of 10,000; canonical
 * keys in a Set give the same result (no exact duplicates added) in linear time.
 */
function applyMultiValuedValues(container: JsonObject, key: string, op: 'add' | 'remove', value: unknown, budget: PatchBudget): void {
  const current = container[key];
  const existing: unknown[] = Array.isArray(current) ? current : current === undefined || current === null ? [] : [current];
  const given: unknown[] = Array.isArray(value) ? value : [value];
  budget.spend((existing.length + given.length) * COST.canonical);
  if (op === 'remove') {
    const gone = new Set(given.map(canonicalJson));
    setOwn(
      container,
      key,
      existing.filter((v) => !gone.has(canonicalJson(v))),
    );
    return;
  }
  const seen = new Set(existing.map(canonicalJson));
  const added = given.filter((v) => {
    const k = canonicalJson(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  setOwn(container, key, [...existing, ...added]);
}

/** What every step of one request shares. */
interface PatchContext {
  kind: 'User' | 'Group';
  /** The working copy, mutated in place. */
  doc: JsonObject;
  budget: PatchBudget;
  /** Group members indexed by value while operations that the index answers run (patch-members.ts). */
  members?: MemberIndex;
}

function membersOf(ctx: PatchContext): MemberIndex {
  ctx.members ??= new MemberIndex(ctx.doc, ctx.budget);
  return ctx.members;
}

/** Puts indexed members back into the document, before an operation that reads them as an array. */
function flushMembers(ctx: PatchContext): void {
  ctx.members?.writeBack();
  ctx.members = undefined;
}

/** Plain attribute paths, through scim-patch, with the adjustments its semantics need. */
function applyPlainOp(ctx: PatchContext, target: PatchTarget, op: PatchOpName, value: unknown): void {
  const { kind, doc, budget } = ctx;
  const container = containerOf(doc, target, false);
  const key = container ? keyOf(kind, container, target) : (definitionOf(kind, target)?.name ?? target.attribute);
  const current = container?.[key];
  const def = definitionOf(kind, target);
  const multiValued = target.subAttribute === undefined && (def?.multiValued === true || Array.isArray(current));
  if (op === 'remove' && value !== undefined && value !== null) {
    // Removing given values; from an absent or single value there is nothing to do (scim-patch throws).
    if (container !== undefined && Array.isArray(current)) applyMultiValuedValues(container, key, 'remove', value, budget);
    return;
  }
  if (op === 'add' && multiValued && container !== undefined) {
    return applyMultiValuedValues(container, key, 'add', value, budget);
  }
  let libValue = value;
  if (op === 'replace' && multiValued && !Array.isArray(value)) {
    // RFC 7644 §3.5.2.3: a multi-valued attribute takes an array; scim-patch would merge a lone
    // object into every element.
    libValue = [value];
  }
  // scim-patch walks every element for a sub-attribute of a multi-valued attribute.
  budget.spend(Array.isArray(current) ? current.length * COST.plain : 1);
  const urnKey = target.urn === undefined ? undefined : (findKey(doc, target.urn) ?? target.urn);
  const attrPath = target.subAttribute === undefined ? key : `${key}.${subKeyOf(kind, current, target)}`;
  const path = urnKey === undefined ? attrPath : `${urnKey}:${attrPath}`;
  const operation = { op, path, ...(libValue === undefined ? {} : { value: libValue }) } as ScimPatchOperation;
  scimPatch(doc as unknown as ScimResource, [operation], { mutateDocument: true, treatMissingAsAdd: true });
}

function applyTargeted(ctx: PatchContext, operation: Operation, target: PatchTarget, value: unknown): void {
  const { kind, doc, budget } = ctx;
  const topName = (target.urn ?? target.attribute).toLowerCase();
  if (topName === 'password') return; // never stored (Okta's SCIM 2.0 protocol reference: password sync)
  if (IMMUTABLE.has(topName) || (READ_ONLY.has(topName) && (kind === 'User' || topName !== 'groups'))) {
    throw new BadRequestError(`${target.attribute} cannot be changed (RFC 7643 §3.1, §4.1.2)`, 'mutability');
  }
  if (target.urn === undefined && topName.startsWith('urn:')) {
    return applyWholeExtension(ctx, operation, target.attribute, value);
  }
  const def = target.subAttribute === undefined ? definitionOf(kind, target) : subDefinitionOf(kind, target);
  const v = operation.op === 'remove' ? value : normaliseValue(def, value);
  if (operation.op === 'replace' && v === null && target.filter === undefined && target.subAttribute === undefined) {
    // RFC 7643 §2.5: null means unassigned, so replacing with null removes.
    return applyTargeted(ctx, { ...operation, op: 'remove' }, target, undefined);
  }
  if (operation.op === 'add' && v === null) return;
  if (isMembers(kind, target)) {
    if (target.filter === undefined && target.subAttribute === undefined) return membersOf(ctx).apply(operation.op, v);
    const wanted = operation.op === 'remove' && target.subAttribute === undefined ? equalityValue(target.filter) : undefined;
    if (wanted !== undefined) return membersOf(ctx).removeEqual(wanted);
    flushMembers(ctx);
  }
  if (target.filter !== undefined) return applyValuePathOp(kind, doc, target, operation.op, v, budget);
  if (operation.op !== 'remove') containerOf(doc, target, true);
  applyPlainOp(ctx, target, operation.op, v);
}

/**
 * A whole extension object as the target, e.g. path `urn:…:enterprise:2.0:User` or a path-less
 * value `{"urn:…:enterprise:2.0:User": {"department": "x"}}`. scim-patch would store that under
 * "urn:…:enterprise:2.0" -> "User", so each attribute is applied with the URN as its prefix
 * (a complex value: unspecified sub-attributes are left unchanged, RFC 7644 §3.5.2.3).
 */
function applyWholeExtension(ctx: PatchContext, operation: Operation, urn: string, value: unknown): void {
  if (operation.op === 'remove') {
    const key = findKey(ctx.doc, urn);
    if (key !== undefined) delete ctx.doc[key];
    return;
  }
  if (!isPlainObject(value)) {
    throw new BadRequestError(`The value for ${urn} must be an object`, 'invalidValue');
  }
  for (const [attribute, v] of Object.entries(value)) {
    const target = parsePatchPath(attribute);
    if (target.urn !== undefined || target.attribute.toLowerCase().startsWith('urn:')) {
      throw new BadRequestError(`'${attribute}' inside ${urn} must be a plain attribute name`, 'invalidPath');
    }
    applyTargeted(ctx, operation, { ...target, urn }, v);
  }
}

/**
 * Path-less add/replace (RFC 7644 §3.5.2.1, §3.5.2.3): each key of the value is a path of its own.
 * The server's attributes (id, meta, schemas), read-only ones and password are ignored here:
 * Okta's group rename carries the id (Okta's SCIM 2.0 protocol reference), and its password sync a password.
 */
function applyPathless(ctx: PatchContext, operation: Operation, value: unknown): void {
  if (!isPlainObject(value)) {
    throw new BadRequestError(`Operations[${operation.index}]: without a path, value must be an object`, 'invalidValue');
  }
  for (const [key, v] of Object.entries(value)) {
    const urn = canonicalUrn(key);
    if (urn === coreSchemaOf(ctx.kind) && isPlainObject(v)) {
      applyPathless(ctx, operation, v); // core attributes wrapped in their schema URN
      continue;
    }
    const target = parsePatchPath(key);
    const top = (target.urn ?? target.attribute).toLowerCase();
    if (IMMUTABLE.has(top) || READ_ONLY.has(top) || top === 'password') continue;
    applyTargeted(ctx, operation, target, v);
  }
}

function withoutPassword(resource: JsonObject): JsonObject {
  const key = findKey(resource, 'password');
  if (key !== undefined) delete resource[key];
  return resource;
}

function asBridgeError(error: unknown, index: number): BridgeError {
  if (error instanceof BridgeError) return error;
  if (error instanceof ScimError) {
    const type = error.scimCode === 'noTarget' ? 'noTarget' : 'invalidValue';
    return new BadRequestError(`Operations[${index}]: ${error.message}`, type);
  }
  // A TypeError from scim-patch, e.g. a sub-attribute under an attribute holding a string.
  return new BadRequestError(`Operations[${index}]: the value does not fit the attribute it targets`, 'invalidValue');
}

/**
 * Applies a PatchOp body to `resource` (the stored attributes; not modified). `changed` is false
 * when the outcome equals the input, e.g. for no operations or a password-only patch, so the
 * caller can skip the write. The result never contains `password`.
 */
export function applyPatch(kind: 'User' | 'Group', resource: Record<string, unknown>, body: unknown): PatchResult {
  const operations = readOperations(body);
  const budget = new PatchBudget();
  budget.assertAffordable(estimateCost(kind, resource, operations));
  const before = withoutPassword(cloneJson(resource));
  const doc = cloneJson(before);
  const ctx: PatchContext = { kind, doc, budget };
  for (const operation of operations) {
    try {
      if (operation.target === undefined) applyPathless(ctx, operation, operation.value);
      else applyTargeted(ctx, operation, operation.target, operation.value);
    } catch (error) {
      throw asBridgeError(error, operation.index);
    }
  }
  flushMembers(ctx);
  withoutPassword(doc);
  keepOnePrimary(before, doc);
  return { resource: doc, changed: !jsonEqual(before, doc) };
}

/**
 * What the operations will cost at least, from the stored sizes of the arrays their paths target
 * (patch-budget.ts), before any of them runs. Parses each path, once, for the run that follows.
 * Path-less values are left to the budget spent while running: their keys name plain attributes.
 */
function estimateCost(kind: 'User' | 'Group', resource: JsonObject, operations: Operation[]): number {
  let units = 0;
  for (const operation of operations) {
    if (operation.path === undefined) continue;
    try {
      operation.target = parsePatchPath(operation.path);
    } catch (error) {
      throw asBridgeError(error, operation.index);
    }
    const target = operation.target;
    const container = containerOf(resource, target, false);
    const key = container === undefined ? undefined : findKey(container, target.attribute);
    const current = key === undefined ? undefined : container?.[key];
    const size = Array.isArray(current) ? current.length : 0;
    if (isMembers(kind, target))
      units += COST.compare; // indexed: see patch-members.ts
    else if (target.filter !== undefined) units += valuePathCost(target.filter, operation.op, size);
    else if (operation.op !== 'replace' && operation.value !== undefined && operation.value !== null && target.subAttribute === undefined) {
      // Adding or removing given values deduplicates both lists (applyMultiValuedValues).
      units += (size + (Array.isArray(operation.value) ? operation.value.length : 1)) * COST.canonical;
    } else units += size * COST.plain;
  }
  return units;
}

/**
 * RFC 7644 §3.5.2: a PATCH that makes a value primary makes every other value of that attribute
 * non-primary (RFC 7643 §2.4: "primary": true appears at most once). The value the PATCH made
 * primary wins; among several, the last in the array.
 */
function keepOnePrimary(before: JsonObject, doc: JsonObject): void {
  for (const [key, values] of Object.entries(doc)) {
    if (!Array.isArray(values)) continue;
    const primaries = values.filter((v): v is JsonObject => isPlainObject(v) && toBoolean(v.primary) === true);
    if (primaries.length < 2) continue;
    const previous = getAttribute(before, key);
    const wasPrimary = (v: JsonObject) =>
      Array.isArray(previous) && previous.some((p) => isPlainObject(p) && toBoolean(p.primary) === true && jsonEqual(p.value, v.value));
    // Only a PATCH that makes a value primary settles it; what was stored before stays as it was.
    const keep = primaries.filter((v) => !wasPrimary(v)).at(-1);
    if (keep === undefined) continue;
    for (const v of primaries) if (v !== keep) v.primary = false;
  }
}
