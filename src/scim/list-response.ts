/** Paging and the ListResponse message (RFC 7644 §3.4.2, §3.4.2.4). */
import { BadRequestError } from '../errors/bridge-error';
import { MESSAGE_LIST_RESPONSE } from './scim-urns';

export const DEFAULT_COUNT = 100;

export interface Paging {
  startIndex: number;
  count: number;
}

export interface ListResponse<T> {
  schemas: [typeof MESSAGE_LIST_RESPONSE];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: T[];
}

/**
 * Reads one paging parameter. Query strings arrive as text; a repeated parameter arrives as an
 * array, which is ambiguous and rejected. Empty text counts as absent.
 */
function readInteger(name: string, raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number') {
    if (Number.isInteger(raw)) return raw;
  } else if (typeof raw === 'string' && /^\s*[-+]?\d{1,30}\s*$/.test(raw)) {
    return Number(raw.trim());
  }
  throw new BadRequestError(`${name} must be an integer`, 'invalidValue');
}

/**
 * RFC 7644 §3.4.2.4: startIndex is 1-based and a value below 1 SHALL be treated as 1; a negative
 * count SHALL be treated as 0; the service provider may return fewer than `count` (our cap).
 */
export function parsePaging(query: { startIndex?: unknown; count?: unknown }, maxCount = 1000): Paging {
  const start = readInteger('startIndex', query.startIndex) ?? 1;
  const count = readInteger('count', query.count) ?? Math.min(DEFAULT_COUNT, maxCount);
  return {
    startIndex: Math.min(Math.max(start, 1), Number.MAX_SAFE_INTEGER),
    count: Math.min(Math.max(count, 0), maxCount),
  };
}

function toCounter(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0;
}

/**
 * Counters are JSON integers: Okta rejects them as strings (Okta's SCIM 2.0 protocol reference,
 * https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20/). itemsPerPage is the
 * number of resources actually on this page, not the requested count (RFC 7644 §3.4.2).
 */
export function listResponse<T>(resources: T[], totalResults: number, startIndex: number): ListResponse<T> {
  return {
    schemas: [MESSAGE_LIST_RESPONSE],
    totalResults: toCounter(totalResults),
    startIndex: Math.max(1, toCounter(startIndex)),
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
