/**
 * Which members of a group a PATCH body (RFC 7644 §3.5.2) can touch, read before it runs, so that
 * the store loads only those members instead of the whole group. Okta's and Entra's membership
 * changes name their members by value: `add members [...]`, `remove members[value eq "…"]`,
 * `remove members` with values, `replace members [...]`. Applied to just the named members, they
 * give the same outcome on those members as on the whole array; every other member is untouched,
 * unless the body clears the members (`replace members`, `remove members` without a value).
 * Anything else on members (other filters, sub-attributes such as `members.display`) needs the
 * whole array.
 *
 * This only reads the body; applyPatch validates it. A body this cannot read names nothing, so
 * applyPatch refuses it without the group's members having been loaded.
 */
import { getAttribute, isPlainObject, type JsonObject } from '../json-values';
import { equalityValue } from './patch-members';
import { isMembers } from './patch-multi-valued';
import { parsePatchPath } from './patch-path';
import { canonicalUrn, coreSchemaOf } from '../scim-urns';

export interface MemberAccess {
  /** Member values the operations name; each also lower-cased, as `value eq` compares that way. */
  named: string[];
  /** Some operation reads or writes members other than by value: load them all. */
  needsAll: boolean;
  /** Some operation replaces or removes all members: the outcome is the whole new member set. */
  clears: boolean;
}

function valuesOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.flatMap((m) => (isPlainObject(m) && typeof m.value === 'string' ? [m.value] : []));
}

/** The `members` key of a path-less value, directly or inside the core Group URN. */
function pathlessMembers(value: JsonObject): { present: boolean; members?: unknown } {
  for (const [key, v] of Object.entries(value)) {
    if (key.toLowerCase() === 'members') return { present: true, members: v };
    if (canonicalUrn(key) === coreSchemaOf('Group') && isPlainObject(v)) {
      const inner = pathlessMembers(v);
      if (inner.present) return inner;
    }
  }
  return { present: false };
}

export function memberAccessOf(body: unknown): MemberAccess {
  const access: MemberAccess = { named: [], needsAll: false, clears: false };
  const operations = isPlainObject(body) ? getAttribute(body, 'Operations') : undefined;
  if (!Array.isArray(operations)) return access;
  const name = (values: string[]) => {
    for (const v of values) access.named.push(v, v.toLowerCase());
  };
  for (const raw of operations) {
    if (!isPlainObject(raw)) continue;
    const opValue = getAttribute(raw, 'op');
    const op = typeof opValue === 'string' ? opValue.trim().toLowerCase() : '';
    const path = getAttribute(raw, 'path');
    const value = getAttribute(raw, 'value');
    if (typeof path !== 'string' || path.trim() === '') {
      if (!isPlainObject(value)) continue;
      const { present, members } = pathlessMembers(value);
      if (!present) continue;
      if (op === 'replace') access.clears = true;
      name(valuesOf(members));
      continue;
    }
    let target;
    try {
      target = parsePatchPath(path);
    } catch {
      continue;
    }
    if (!isMembers('Group', target)) continue;
    if (target.filter === undefined && target.subAttribute === undefined) {
      if (op === 'replace' || (op === 'remove' && (value === undefined || value === null))) access.clears = true;
      name(valuesOf(value));
      continue;
    }
    const wanted = op === 'remove' && target.subAttribute === undefined ? equalityValue(target.filter) : undefined;
    if (wanted !== undefined) name([wanted]);
    else access.needsAll = true;
  }
  access.named = [...new Set(access.named)];
  return access;
}
