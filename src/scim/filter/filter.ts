/**
 * SCIM filters (RFC 7644 §3.4.2.2): parsing with bounded complexity, evaluation, and the one
 * indexed lookup a store can use instead of a scan.
 *
 * Parsing reuses scim2-parse-filter's recursive-descent parser over our own tokens (see
 * filter-tokenizer.ts for why the library's tokenizer is not used). Every failure, whatever its
 * origin, becomes an InvalidFilterError (400, scimType invalidFilter, RFC 7644 §3.12).
 */
import type { Filter } from 'scim2-parse-filter';
import { Tokens, parseFilter as parseTokens } from 'scim2-parse-filter/lib/src/parser';
import { BadRequestError, InvalidFilterError } from '../../errors/bridge-error';
import { findAttribute, findSubAttribute, type AttributeDefinition } from '../schema/attribute-definitions';
import { splitAttrPath, type AttrPath } from '../attribute-path';
import { isDateTimePath, type FilterMeter } from './filter-match';
import { MAX_FILTER_DEPTH, tokenizeFilter } from './filter-tokenizer';

export type { Filter, FilterMeter };
export { matchesFilter } from './filter-match';

export const MAX_FILTER_LENGTH = 2048;
export const MAX_FILTER_NODES = 64;

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
const ORDERING_OPS = new Set(['gt', 'lt', 'ge', 'le']);

/** The definition behind a path, looked up in both resource types (a filter names no type). */
function definitionOf(path: AttrPath, parent?: AttributeDefinition): AttributeDefinition | undefined {
  const [first, second] = path.names as [string, string | undefined];
  const top = parent ? findSubAttribute(parent, first) : (findAttribute('User', first, path.urn) ?? findAttribute('Group', first, path.urn));
  return second === undefined ? top : findSubAttribute(top, second);
}

/** Stands in for an attribute we have no definition for: complex, with no known sub-attributes. */
const UNKNOWN_COMPLEX: AttributeDefinition = {
  name: '',
  type: 'complex',
  multiValued: true,
  description: '',
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  subAttributes: [],
};

interface Walk {
  nodes: number;
}

/** Checks what the grammar lets through but SCIM does not define, and bounds the tree. */
function validate(f: Filter, depth: number, walk: Walk, parent?: AttributeDefinition): void {
  walk.nodes += 1;
  if (walk.nodes > MAX_FILTER_NODES) {
    throw new InvalidFilterError(`Filter is too complex (more than ${MAX_FILTER_NODES} expressions)`);
  }
  if (depth > MAX_FILTER_DEPTH) {
    throw new InvalidFilterError(`Filter is nested too deeply (more than ${MAX_FILTER_DEPTH} levels)`);
  }
  switch (f.op) {
    case 'and':
    case 'or':
      for (const child of f.filters) validate(child, depth + 1, walk, parent);
      return;
    case 'not':
      // RFC 7644 §3.4.2.2 has "not" only before a parenthesised filter; the parser also reads it
      // between two expressions (`a eq "x" not (b eq "y")`), leaving no operand of its own.
      if ((f as { filter?: Filter }).filter === undefined) {
        throw new InvalidFilterError(`'not' goes before a parenthesised filter, as in 'and not (...)'`);
      }
      validate(f.filter, depth + 1, walk, parent);
      return;
    default:
      break;
  }
  if (typeof f.attrPath !== 'string') throw new InvalidFilterError('Missing attribute path');
  const path = splitAttrPath(f.attrPath);
  // Inside a value path only plain sub-attribute names are allowed (RFC 7644 §3.4.2.2 valFilter).
  if (path === undefined || (parent !== undefined && (path.urn !== undefined || path.names.length > 1))) {
    throw new InvalidFilterError(`Invalid attribute path '${f.attrPath}'`);
  }
  const definition = definitionOf(path, parent);
  if (f.op === '[]') {
    if (parent !== undefined) throw new InvalidFilterError('Value paths cannot be nested');
    // An unknown attribute still gets a parent, so that nesting is detected below it.
    validate(f.valFilter, depth + 1, walk, definition ?? UNKNOWN_COMPLEX);
    return;
  }
  if (f.op === 'pr') return;
  if (!COMPARE_OPS.has(f.op)) throw new InvalidFilterError(`Unsupported operator '${String(f.op)}'`);
  const value = f.compValue;
  if (ORDERING_OPS.has(f.op) || f.op === 'co' || f.op === 'sw' || f.op === 'ew') {
    if (typeof value === 'boolean' || value === null) {
      throw new InvalidFilterError(`Operator '${f.op}' cannot compare with ${String(value)}`);
    }
    if (definition?.type === 'boolean') {
      throw new InvalidFilterError(`Operator '${f.op}' cannot be used on boolean attribute '${f.attrPath}'`);
    }
  }
  const isDate = parent === undefined ? isDateTimePath(path) : definition?.type === 'dateTime';
  if (isDate && ORDERING_OPS.has(f.op) && (typeof value !== 'string' || !Number.isFinite(Date.parse(value)))) {
    throw new InvalidFilterError(`'${f.attrPath}' must be compared with a date, such as "2024-01-31T00:00:00Z"`);
  }
}

/** Turns scim2-parse-filter's messages (written for its authors) into ones for the admin. */
function describeParserError(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const operator = /^Unexpected token (.*) as valFilter operator$/s.exec(message);
  if (operator) {
    const [attribute, op] = (operator[1] ?? '').split(' ');
    return op
      ? `unknown operator '${op}' after '${attribute}' (expected eq, ne, co, sw, ew, gt, ge, lt, le, pr or [)`
      : `'${attribute}' is not followed by an operator`;
  }
  const value = /^\[(.*)\((\w+)\)\] is not json$/s.exec(message);
  if (value) {
    return value[2] === 'EOT'
      ? 'a comparison value is missing at the end'
      : `'${value[1]}' is not a comparison value (use a quoted string, a number, true, false or null)`;
  }
  const token = /^Unexpected token (.*) \((\w+)\)$/s.exec(message);
  if (token) return token[2] === 'EOT' ? 'the filter ends too early' : `unexpected '${token[1]}'`;
  // RangeError (stack) cannot happen within our bounds; keep whatever else happens readable.
  return message !== '' ? message : 'unreadable filter';
}

/**
 * Parses a filter or throws InvalidFilterError with a detail a person can act on. Bounded: at
 * most 2048 characters, 64 expressions and 16 levels, so no input can make it hang.
 */
export function parseFilter(text: string): Filter {
  if (typeof text !== 'string' || text.trim() === '') {
    throw new InvalidFilterError('Filter is empty');
  }
  if (text.length > MAX_FILTER_LENGTH) {
    throw new InvalidFilterError(`Filter is longer than ${MAX_FILTER_LENGTH} characters`);
  }
  const tokens = new Tokens(tokenizeFilter(text));
  let filter: Filter;
  try {
    filter = parseTokens(tokens);
  } catch (error) {
    if (error instanceof InvalidFilterError) throw error;
    throw new InvalidFilterError(`Invalid filter: ${describeParserError(error)}`);
  }
  if (tokens.peek().type !== 'EOT') {
    throw new InvalidFilterError(`Unexpected '${tokens.peek().literal}' after the end of the filter`);
  }
  validate(filter, 1, { nodes: 0 });
  return filter;
}

/**
 * An index a store keeps for one resource type: the attribute it keys, and whether it keeps case
 * (false: it holds lower-cased values). Only the store knows which it keeps, so the caller says.
 */
export interface AttributeIndex {
  attribute: string;
  caseExact: boolean;
}

/** `id` is the store's own key; any other attribute is one of the given indexes. */
export interface IndexedLookup {
  attribute: string;
  value: string;
}

/**
 * An equality an index answers exactly as the evaluator would (RFC 7644 §3.4.2.2): a singular
 * string attribute of this resource type, an index folded the way the schema compares it
 * (caseExact, RFC 7643 §2.1, §7), and a non-empty value (indexes hold no empty values, while
 * `eq ""` matches an empty one). A multi-valued attribute such as emails never qualifies: an
 * index keyed on one of its values (the primary email) misses the others.
 */
function lookupOf(f: Filter, kind: 'User' | 'Group', indexes: readonly AttributeIndex[]): IndexedLookup | null {
  if (f.op !== 'eq' || typeof f.compValue !== 'string' || f.compValue === '') return null;
  const path = splitAttrPath(f.attrPath);
  if (path === undefined || path.urn !== undefined || path.names.length !== 1) return null;
  const definition = findAttribute(kind, path.names[0]);
  if (definition === undefined || definition.multiValued || definition.type !== 'string') return null;
  // Ids contain no ':'; a value with one could reach another key of the store (a group's members).
  if (definition.name === 'id') return f.compValue.includes(':') ? null : { attribute: 'id', value: f.compValue };
  const index = indexes.find((i) => i.attribute === definition.name);
  if (index === undefined || index.caseExact !== definition.caseExact) return null;
  return { attribute: definition.name, value: f.compValue };
}

/** The most selective first, when an `and` offers several. */
const PREFERENCE = ['id', 'externalId', 'userName', 'displayName'];

/**
 * When the filter is such an equality, or has one as a side of a top-level `and`, the store can
 * fetch the resources holding that value; the caller must still run matchesFilter on each. The
 * answer is then exactly that of a full scan: every matching resource satisfies the equality.
 */
export function indexedLookup(filter: Filter, kind: 'User' | 'Group', indexes: readonly AttributeIndex[]): IndexedLookup | null {
  const direct = lookupOf(filter, kind, indexes);
  if (direct !== null || filter.op !== 'and') return direct;
  const found = filter.filters.map((f) => lookupOf(f, kind, indexes)).filter((l): l is IndexedLookup => l !== null);
  const rank = (l: IndexedLookup) => (PREFERENCE.includes(l.attribute) ? PREFERENCE.indexOf(l.attribute) : PREFERENCE.length);
  found.sort((a, b) => rank(a) - rank(b));
  return found[0] ?? null;
}

/** Expressions in a filter, counting and/or/not and each value path with its inner filter. */
export function filterNodeCount(filter: Filter): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return 1 + filter.filters.reduce((n, f) => n + filterNodeCount(f), 0);
    case 'not':
      return 1 + filterNodeCount(filter.filter);
    case '[]':
      return 1 + filterNodeCount(filter.valFilter);
    default:
      return 1;
  }
}

/**
 * Work a filter that no index serves may do over the whole set, in FilterMeter units (one value
 * looked at by one expression, about 0.1 to 0.3 µs each): about a second of CPU at most, spread
 * over many event-loop turns. One expression over 100,000 users, or ten over 500,000, fits;
 * Okta's and Entra's existence checks (userName, externalId, group displayName eq) use an index.
 */
export const FILTER_SCAN_LIMIT = 5_000_000;
/** Units evaluated between two yields to the event loop, a millisecond or two of work. */
export const FILTER_SCAN_SLICE = 10_000;

/**
 * A scan that would do more than the server is willing to is refused with 400 tooMany, which
 * RFC 7644 §3.12 defines for exactly this ("The specified filter yields many more results than
 * the server is willing to calculate or process", listed for GET, §3.4.2). Stopping early and
 * answering a partial list instead would misstate totalResults, which §3.4.2.4 defines as the
 * number of all matching resources.
 */
export function scanRefusal(): BadRequestError {
  return new BadRequestError(
    'This filter needs more work than the server allows: no index serves it, so it would be evaluated against every resource. ' +
      'Narrow it with an equality on id, externalId, userName (Users) or displayName (Groups), or use fewer expressions',
    'tooMany',
  );
}

/** Refuses, before any work, a scan whose least cost (each expression once per resource) is over the limit. */
export function assertScanAffordable(filter: Filter, resources: number): void {
  if (resources * filterNodeCount(filter) > FILTER_SCAN_LIMIT) throw scanRefusal();
}
