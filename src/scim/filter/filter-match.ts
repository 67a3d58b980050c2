/**
 * Our evaluator for the filter AST (RFC 7644 §3.4.2.2). scim2-parse-filter ships one, but it
 * compares strings case-sensitively (RFC 7643 §2.1 makes caseExact=false the default), treats
 * empty values as present, and has no notion of dates or of `emails eq "x"` meaning the value
 * sub-attribute (RFC 7644 §3.4.2.2, "multi-valued attributes").
 */
import type { Filter } from 'scim2-parse-filter';
import { InvalidFilterError } from '../../errors/bridge-error';
import { findAttribute, findSubAttribute } from '../schema/attribute-definitions';
import { splitAttrPath, type AttrPath } from '../attribute-path';
import { getAttribute, isPlainObject, type JsonObject } from '../json-values';

type CompValue = boolean | null | number | string;

/** dateTime attributes we compare chronologically (RFC 7643 §2.3.5). */
const DATE_TIME = new Set(['meta.created', 'meta.lastmodified', 'lastsyncedat']);

/** The internal (lower-case) key of a path, for the sets above. */
export function pathKey(path: AttrPath): string {
  return path.names.join('.').toLowerCase();
}

export function isDateTimePath(path: AttrPath): boolean {
  return DATE_TIME.has(pathKey(path));
}

/**
 * Whether the schema says the attribute compares case-exactly (RFC 7643 §2.1, §7 caseExact): id,
 * externalId and most of meta do; the rest, and attributes we have no definition for, do not.
 * A filter names no resource type; User and Group agree on every name they share.
 */
function isCaseExact(path: AttrPath): boolean {
  const [first, second] = path.names as [string, string | undefined];
  const top = findAttribute('User', first, path.urn) ?? findAttribute('Group', first, path.urn);
  const definition = second === undefined ? top : findSubAttribute(top, second);
  return definition?.caseExact ?? false;
}

/**
 * `email` is not a SCIM attribute, but Okta may filter on it when the app's unique identifier is
 * the email (Okta's SCIM 2.0 protocol reference,
 * https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/); it means emails.value. Other paths pass through.
 */
function aliased(path: AttrPath, resource: JsonObject): AttrPath {
  if (path.urn === undefined && path.names.length === 1 && path.names[0]?.toLowerCase() === 'email') {
    if (getAttribute(resource, 'email') === undefined) return { names: ['emails', 'value'] };
  }
  return path;
}

function flatten(values: unknown[]): unknown[] {
  return values.flatMap((v): unknown[] => (Array.isArray(v) ? (v as unknown[]) : [v]));
}

/** Every value at a path; arrays (multi-valued attributes) fan out, so "any element" matches. */
function collect(resource: JsonObject, path: AttrPath): unknown[] {
  if (path.urn === undefined && path.names.length === 1) {
    // The common case, without the intermediate arrays of the general walk below.
    const v = getAttribute(resource, path.names[0]);
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
  let values: unknown[] = [resource];
  if (path.urn !== undefined) values = [getAttribute(resource, path.urn)];
  for (const name of path.names) {
    values = flatten(values)
      .filter(isPlainObject)
      .map((v) => getAttribute(v, name))
      .filter((v) => v !== undefined);
  }
  return flatten(values);
}

/** RFC 7644 §3.4.2.2 "pr": a non-empty value, or a complex value with a non-empty node. */
function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (isPlainObject(value)) return Object.values(value).some(isPresent);
  return true;
}

function compareOrder(op: string, diff: number): boolean {
  switch (op) {
    case 'eq':
      return diff === 0;
    case 'gt':
      return diff > 0;
    case 'ge':
      return diff >= 0;
    case 'lt':
      return diff < 0;
    case 'le':
      return diff <= 0;
    default:
      return false;
  }
}

function compareStrings(op: string, actual: string, expected: string, caseExact: boolean): boolean {
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  if (op === 'co') return a.includes(e);
  if (op === 'sw') return a.startsWith(e);
  if (op === 'ew') return a.endsWith(e);
  return compareOrder(op, a < e ? -1 : a > e ? 1 : 0);
}

interface CompareContext {
  caseExact: boolean;
  dateTime: boolean;
}

/** One attribute value against the operand; `ne` is handled by the caller as "no value equals". */
function compareValue(op: string, actual: unknown, expected: CompValue, ctx: CompareContext): boolean {
  // `emails eq "x"` compares the value sub-attribute of each email (RFC 7644 §3.4.2.2).
  const value = isPlainObject(actual) ? getAttribute(actual, 'value') : actual;
  if (value === undefined || value === null || expected === null) return false;
  if (typeof value === 'boolean') {
    if (op !== 'eq') throw new InvalidFilterError(`Operator '${op}' cannot be used on a boolean attribute`);
    const wanted = typeof expected === 'string' ? expected.toLowerCase() : expected;
    return wanted === value || wanted === String(value);
  }
  if (typeof expected === 'boolean') {
    return op === 'eq' && typeof value === 'string' && value.toLowerCase() === String(expected);
  }
  if (typeof expected === 'number' && ['eq', 'gt', 'ge', 'lt', 'le'].includes(op)) {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) && compareOrder(op, n - expected);
  }
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  const text = String(value);
  const wanted = String(expected);
  if (ctx.dateTime && op !== 'co' && op !== 'sw' && op !== 'ew') {
    const a = Date.parse(text);
    const e = Date.parse(wanted);
    if (Number.isFinite(a) && Number.isFinite(e)) return compareOrder(op, a - e);
  }
  return compareStrings(op, text, wanted, ctx.caseExact);
}

/** A parsed attribute path with what evaluation asks of it on every resource, worked out once. */
interface CachedPath {
  path: AttrPath;
  caseExact: boolean;
  dateTime: boolean;
}

/**
 * Parsed attribute paths by text: a scan evaluates the same few paths against every resource,
 * and parsing them (and lower-casing their keys) each time dominated the cost. Bounded, since
 * filters are client text.
 */
const pathCache = new Map<string, CachedPath | undefined>();
const PATH_CACHE_LIMIT = 1000;

function cachedPath(text: string): CachedPath | undefined {
  if (pathCache.has(text)) return pathCache.get(text);
  if (pathCache.size >= PATH_CACHE_LIMIT) pathCache.clear();
  const path = splitAttrPath(text);
  const cached = path && {
    path,
    caseExact: isCaseExact(path),
    dateTime: isDateTimePath(path),
  };
  pathCache.set(text, cached);
  return cached;
}

/**
 * Counts the work of evaluations: one unit per value an attribute expression looks at (at least
 * one per expression), so a scan can be bounded by what it really does, whatever the filter and
 * the resources hold.
 */
export interface FilterMeter {
  units: number;
}

function test(filter: Filter, resource: JsonObject, inValuePath: boolean, meter?: FilterMeter): boolean {
  switch (filter.op) {
    case 'and':
      return filter.filters.every((f) => test(f, resource, inValuePath, meter));
    case 'or':
      return filter.filters.some((f) => test(f, resource, inValuePath, meter));
    case 'not':
      return !test(filter.filter, resource, inValuePath, meter);
    default:
      break;
  }
  const cached = cachedPath(filter.attrPath);
  if (cached === undefined) throw new InvalidFilterError(`Invalid attribute path '${filter.attrPath}'`);
  const path = aliased(cached.path, resource);
  const values = collect(resource, path);
  if (meter !== undefined) meter.units += Math.max(1, values.length);
  if (filter.op === '[]') {
    return values.some((v) => isPlainObject(v) && test(filter.valFilter, v, true, meter));
  }
  if (filter.op === 'pr') return values.some(isPresent);
  // Inside a value path the names are sub-attributes of a multi-valued attribute, all of which
  // the schema leaves caseExact false (scim/schema/attribute-definitions.ts).
  const ctx: CompareContext = {
    caseExact: !inValuePath && path === cached.path && cached.caseExact,
    dateTime: !inValuePath && path === cached.path && cached.dateTime,
  };
  if (filter.compValue === null) {
    // RFC 7644 §3.4.2.2 allows null as an operand: "eq null" means unassigned.
    const present = values.some(isPresent);
    if (filter.op === 'eq') return !present;
    if (filter.op === 'ne') return present;
    throw new InvalidFilterError(`Operator '${filter.op}' cannot compare with null`);
  }
  if (filter.op === 'ne') {
    return !values.some((v) => compareValue('eq', v, filter.compValue, ctx));
  }
  return values.some((v) => compareValue(filter.op, v, filter.compValue, ctx));
}

/**
 * Whether a resource (as rendered: id, meta, attributes, extension objects keyed by URN) matches.
 * Throws InvalidFilterError only for comparisons SCIM does not define, such as ordering booleans.
 */
export function matchesFilter(filter: Filter, resource: Record<string, unknown>, meter?: FilterMeter): boolean {
  return test(filter, resource, false, meter);
}
