import type { ResourceKind } from './resource-types';
import type { UniqueIndex } from '../store/redis-keys';

/**
 * The primary email is the key into Secret Server: the `primary: true` email, else the first
 * one, else a userName that looks like an email (Okta's "Unique identifier field = email").
 */
export function primaryEmail(attributes: Record<string, unknown>): string | undefined {
  const emails = Array.isArray(attributes.emails) ? (attributes.emails as Array<Record<string, unknown>>) : [];
  const valid = emails.filter((e) => e && typeof e.value === 'string' && (e.value as string).trim() !== '');
  const chosen = valid.find((e) => e.primary === true || e.primary === 'true' || e.primary === 'True') ?? valid[0];
  if (chosen) return (chosen.value as string).trim();
  const userName = attributes.userName;
  return typeof userName === 'string' && /^[^@\s]+@[^@\s]+$/.test(userName) ? userName.trim() : undefined;
}

/**
 * Values a resource holds in each unique index. userName, email and group displayName are
 * case-insensitive (RFC 7643 caseExact=false) so they are lower-cased; externalId is caseExact.
 */
export function uniqueKeysOf(kind: ResourceKind, attributes: Record<string, unknown>): Array<[UniqueIndex, string]> {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '');
  if (kind === 'User') {
    return [
      ['userName', text(attributes.userName).toLowerCase()],
      ['email', (primaryEmail(attributes) ?? '').toLowerCase()],
      ['externalId', text(attributes.externalId)],
    ];
  }
  return [
    ['displayName', text(attributes.displayName).toLowerCase()],
    ['externalId', text(attributes.externalId)],
  ];
}

export const UNIQUE_INDEX_LABELS: Record<UniqueIndex, string> = {
  userName: 'userName',
  email: 'primary email',
  externalId: 'externalId',
  displayName: 'displayName',
};
