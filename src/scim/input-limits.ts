/**
 * Size limits on client JSON, checked before any other work so that no body, however built, can
 * make parsing, PATCH or rendering slow. The HTTP layer caps the byte size; these cap the shape.
 */
import { BadRequestError } from '../errors/bridge-error';
import { hasForbiddenSegment, isPlainObject } from './json-values';

export const MAX_STRING_LENGTH = 2048;
export const MAX_ARRAY_LENGTH = 10_000;
/** Values of one multi-valued attribute that a stored resource may hold (emails, phoneNumbers…). */
export const MAX_MULTI_VALUES = 100;
/**
 * Members of one stored Group. Okta pushes whole groups, so the bound is far above any one body
 * (which MAX_ARRAY_LENGTH caps) and is reached only by PATCHes adding members over time.
 */
export const MAX_MEMBERS = 100_000;
/** The body itself is level 1; `emails[0].value` sits at level 3. SCIM never needs more than 4. */
export const MAX_NESTING = 10;

/** Throws 400 invalidValue naming the first offending place, e.g. `emails[3].value`. */
export function assertWithinLimits(value: unknown, where = 'body', depth = 1): void {
  // Only arrays and objects count as levels; the body itself is level 1.
  if (depth > MAX_NESTING && typeof value === 'object' && value !== null) {
    throw new BadRequestError(`${where} is nested deeper than ${MAX_NESTING} levels`, 'invalidValue');
  }
  if (typeof value === 'string') {
    if (value.length > MAX_STRING_LENGTH) {
      throw new BadRequestError(`${where} is longer than ${MAX_STRING_LENGTH} characters`, 'invalidValue');
    }
  } else if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_LENGTH) {
      throw new BadRequestError(`${where} has more than ${MAX_ARRAY_LENGTH} elements`, 'invalidValue');
    }
    value.forEach((v, i) => assertWithinLimits(v, `${where}[${i}]`, depth + 1));
  } else if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > MAX_ARRAY_LENGTH) {
      throw new BadRequestError(`${where} has more than ${MAX_ARRAY_LENGTH} attributes`, 'invalidValue');
    }
    for (const key of keys) {
      if (key.length > MAX_STRING_LENGTH) {
        throw new BadRequestError(`${where} has an attribute name longer than ${MAX_STRING_LENGTH} characters`, 'invalidValue');
      }
      // JSON.parse makes "__proto__" an own key; copying it with `=` would swap a prototype, and
      // scim-patch walks "__proto__.x" into Object.prototype.
      if (hasForbiddenSegment(key)) {
        throw new BadRequestError(`${where} has a forbidden attribute name '${key}'`, 'invalidValue');
      }
      if (value[key] !== undefined) assertWithinLimits(value[key], `${where}.${key}`, depth + 1);
    }
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BadRequestError(`${where} is not a finite number`, 'invalidValue');
  } else if (value !== null && typeof value !== 'boolean') {
    // Only reachable when called with something JSON.parse could not have produced.
    throw new BadRequestError(`${where} is not a JSON value`, 'invalidValue');
  }
}
