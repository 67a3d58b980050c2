import type { ResourceKind } from '../domain/resource-types';

/**
 * One thing that happened to a user or group, as its history page and `npm run admin -- history`
 * show it. Events hold ids, attribute names, outcomes and Secret Server answers, never attribute
 * values: the history says that `emails` changed, not what they were, and never anything of a
 * password.
 */
export type HistoryEvent = ScimRequestEvent | JobRunEvent | SecretServerCallEvent | ProtectedAccountEvent;

/** A SCIM request that changed the resource. */
export interface ScimRequestEvent {
  type: 'scim';
  at: string;
  /** The HTTP method Okta used: POST, PUT, PATCH or DELETE. */
  method: string;
  requestId?: string;
  /** Top-level attributes (and `name.*`, `members` counts) the request changed. */
  changed: string[];
  /** The resource version it produced (absent for a delete). */
  version?: number;
  /** Why it happened when not at the resource's own request: "a member was deleted". */
  note?: string;
}

/** One run of the resource's sync job and how it ended. */
export interface JobRunEvent {
  type: 'job';
  at: string;
  job: string;
  jobId?: string;
  attempt: number;
  requestId?: string;
  /** created, linked, updated, disabled, unchanged, skipped, waiting, will retry, failed. */
  outcome: string;
  secretServerId?: number;
  detail?: string;
  durationMs: number;
}

/** A Secret Server call a job run made for the resource, and the answer it got. */
export interface SecretServerCallEvent {
  type: 'secret-server';
  at: string;
  /** `GET /api/v1/users/{id}`: the endpoint template, the same label as the metrics. */
  endpoint: string;
  /** The HTTP status, or `error` when no answer came (timeout, reset). */
  status: number | 'error';
  durationMs: number;
  jobId?: string;
}

/** The job would have written to an account the bridge never claims (SS_PROTECTED_USERS and the like). */
export interface ProtectedAccountEvent {
  type: 'protected';
  at: string;
  secretServerId: number;
  reason: string;
  requestId?: string;
  jobId?: string;
}

/** Where an event belongs. */
export interface HistorySubject {
  kind: ResourceKind;
  id: string;
}

/** The SCIM method of each ResourceService write. */
export const SCIM_METHODS = { create: 'POST', replace: 'PUT', patch: 'PATCH', delete: 'DELETE' } as const;

/**
 * The attributes a write changed, by name: top-level attributes whose JSON differs, with a
 * complex `name` broken into its sub-attributes so "name.givenName" says more than "name".
 * Attribute names are compared as written: SCIM names are case-insensitive (RFC 7643 §2.1), but
 * the store keeps them as parseInput normalised them.
 */
export function changedAttributes(before: Record<string, unknown> | undefined, after: Record<string, unknown>): string[] {
  const changed: string[] = [];
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  for (const key of keys) {
    if (key === 'members' || key.toLowerCase() === 'password') continue;
    const was = before?.[key];
    const now = after[key];
    if (sameJson(was, now)) continue;
    if (key === 'name' && (isObject(was) || isObject(now))) {
      const from = isObject(was) ? was : {};
      const to = isObject(now) ? now : {};
      for (const sub of new Set([...Object.keys(from), ...Object.keys(to)])) if (!sameJson(from[sub], to[sub])) changed.push(`name.${sub}`);
    } else changed.push(key);
  }
  return changed.sort();
}

/** `members +2 -1`, for a group write that added or removed members. */
export function membersChange(added: number, removed: number): string[] {
  if (added === 0 && removed === 0) return [];
  return [`members +${added} -${removed}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
