import type { ResourceKind } from './resource-types';
import { primaryEmail } from '../scim/resource/resource-input';
import type { UniqueIndex } from '../store/redis-keys';

/** The primary email is the key into Secret Server (see scim/resource/resource-input.ts for the rule). */
export { primaryEmail };

/**
 * Values a resource holds in each unique index. userName, email and group displayName are
 * case-insensitive (RFC 7643 caseExact=false) so they are lower-cased. externalId is not among
 * them: RFC 7643 §3.1 leaves its uniqueness to the provisioning client, and two clients (or one
 * client's re-assignment) may give two resources the same value; `externalId eq` is a scan.
 */
export function uniqueKeysOf(kind: ResourceKind, attributes: Record<string, unknown>): Array<[UniqueIndex, string]> {
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : '');
  if (kind === 'User') {
    return [
      ['userName', text(attributes.userName).toLowerCase()],
      ['email', (primaryEmail(attributes) ?? '').toLowerCase()],
    ];
  }
  return [['displayName', text(attributes.displayName).toLowerCase()]];
}

export const UNIQUE_INDEX_LABELS: Record<UniqueIndex, string> = {
  userName: 'userName',
  email: 'primary email',
  externalId: 'externalId',
  displayName: 'displayName',
};
