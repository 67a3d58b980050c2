/**
 * Small helpers over parsed JSON shared by input parsing, PATCH, filters and rendering.
 * Attribute names are case-insensitive (RFC 7643 §2.1), so lookups go through findKey.
 */

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Names that would reach Object.prototype or a constructor through `obj[name]`. JSON.parse turns
 * `"__proto__"` into an own key, and scim-patch walks `constructor.x` into Object itself, so such
 * names are refused wherever a client's attribute name becomes a property access.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(name: string): boolean {
  return FORBIDDEN_KEYS.has(name.toLowerCase());
}

/**
 * Whether any segment of a key is a forbidden name. scim-patch splits the keys of a value object
 * on "." and ":" and walks them (`{"__proto__.polluted": 1}` under path "name" reached
 * Object.prototype, found by the property tests), so such keys are refused in request bodies.
 */
export function hasForbiddenSegment(key: string): boolean {
  return key.split(/[^\w$]+/).some(isForbiddenKey);
}

/** The own key of `obj` that matches `name` case-insensitively (exact match preferred). */
export function findKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

/** Reads an own property case-insensitively; never an inherited one. */
export function getAttribute(obj: JsonObject, name: string): unknown {
  const key = findKey(obj, name);
  return key === undefined ? undefined : obj[key];
}

/** Sets an own property safely, even for a name such as `__proto__` (defineProperty, not `=`). */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of JSON data (what we store and what clients send is plain JSON). */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Structural equality for JSON data; key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const otherKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === otherKeys.length && keys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A canonical text for JSON data (object keys sorted), so that equal values give equal keys;
 * lets multi-valued add and remove deduplicate with a Set instead of pairwise deep comparison.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Entra ID sends booleans as the strings "True" and "False" (Entra ID's documented SCIM deviations). Returns the
 * boolean, or undefined when the value is neither a boolean nor such a string.
 */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}
