/**
 * PATCH on multi-valued attributes where scim-patch gets the Okta and Entra forms wrong:
 *
 * - value paths (`members[value eq "…"]`, `emails[type eq "work"].value`): scim-patch evaluates
 *   them with scim2-parse-filter's case-sensitive tester, fails on a missing array ("Impossible to
 *   search on a mono valued attribute"), and cannot parse a filter value containing ':';
 * - Group `members` (patch-members.ts): scim-patch deduplicates by deep equality, so `{value}` and
 *   `{value, display}` for the same user both stay, and Entra's remove-by-value (`value: [{value}]`)
 *   misses members stored with a display.
 */
import type { Filter } from 'scim2-parse-filter';
import { BadRequestError } from '../../errors/bridge-error';
import { filterNodeCount } from '../filter/filter';
import { matchesFilter } from '../filter/filter-match';
import { cloneJson, findKey, getAttribute, isPlainObject, setOwn, type JsonObject } from '../json-values';
import { COST, type PatchBudget } from './patch-budget';
import { containerOf, keyOf, subKeyOf, type PatchTarget } from './patch-path';

export type PatchOpName = 'add' | 'remove' | 'replace';

/**
 * `type eq "work"` or `type eq "work" and primary eq true` as a template element, so that an
 * add (or Entra's replace) on a value path with no match can create the element, as scim-patch
 * does for thomaspoignant/scim-patch#42 and RFC 7644 §3.5.2.3 ("treated as add" for a missing target).
 */
function eqTemplate(filter: Filter): JsonObject | undefined {
  if (filter.op === 'and') {
    const out: JsonObject = {};
    for (const part of filter.filters) {
      const t = eqTemplate(part);
      if (t === undefined) return undefined;
      Object.entries(t).forEach(([k, v]) => setOwn(out, k, v));
    }
    return out;
  }
  if (filter.op !== 'eq' || filter.compValue === null) return undefined;
  const out: JsonObject = {};
  setOwn(out, filter.attrPath, filter.compValue);
  return out;
}

export function isValueEquality(filter: Filter): boolean {
  return filter.op === 'eq' && typeof filter.compValue === 'string' && filter.attrPath.toLowerCase() === 'value';
}

/**
 * `value eq "…"` is how Okta removes each member, often hundreds per request over large groups;
 * it is compared directly (with matchesFilter's case-insensitive semantics) instead of evaluated.
 */
function elementMatcher(filter: Filter): (el: unknown) => el is JsonObject {
  if (filter.op === 'eq' && typeof filter.compValue === 'string' && isValueEquality(filter)) {
    const wanted = filter.compValue.toLowerCase();
    return (el: unknown): el is JsonObject => {
      if (!isPlainObject(el)) return false;
      const v = getAttribute(el, 'value');
      return typeof v === 'string' ? v.toLowerCase() === wanted : matchesFilter(filter, el);
    };
  }
  return (el: unknown): el is JsonObject => isPlainObject(el) && matchesFilter(filter, el);
}

export function isMembers(kind: 'User' | 'Group', target: PatchTarget): boolean {
  return kind === 'Group' && target.urn === undefined && target.attribute.toLowerCase() === 'members';
}

/** The work of one value-filter operation over `size` elements, hits included (patch-budget.ts). */
export function valuePathCost(filter: Filter, op: PatchOpName, size: number): number {
  const perElement = isValueEquality(filter) ? COST.compare : COST.filterNode * filterNodeCount(filter);
  return size * (perElement + (op === 'remove' ? 0 : COST.hit));
}

/** Applies one operation whose path carries a value filter. */
export function applyValuePathOp(kind: 'User' | 'Group', doc: JsonObject, target: PatchTarget, op: PatchOpName, value: unknown, budget: PatchBudget): void {
  const filter = target.filter as Filter;
  const container = containerOf(doc, target, op !== 'remove');
  if (container === undefined) return;
  const key = keyOf(kind, container, target);
  const current = container[key];
  if (current !== undefined && current !== null && !Array.isArray(current)) {
    throw new BadRequestError(`${key} is not multi-valued, so it cannot take a value filter`, 'invalidPath');
  }
  const list: unknown[] = Array.isArray(current) ? current : [];
  budget.spend(valuePathCost(filter, op, list.length));
  const matches = elementMatcher(filter);

  if (op === 'remove') {
    // Removing what is not there succeeds: Okta repeats member removals (Okta's SCIM 2.0 protocol reference, Okta's SPEC test).
    if (target.subAttribute === undefined) {
      const kept = list.filter((el) => !matches(el));
      // RFC 7644 §3.5.2.2: no remaining values means unassigned; members stays an empty array.
      if (kept.length === 0 && !isMembers(kind, target)) delete container[key];
      else if (current !== undefined) container[key] = kept;
    } else {
      for (const el of list.filter(matches)) {
        const subKey = findKey(el, target.subAttribute);
        if (subKey !== undefined) delete el[subKey];
      }
    }
    return;
  }

  const hits = list.filter(matches);
  if (hits.length === 0) {
    const template = eqTemplate(filter);
    if (template === undefined) {
      // RFC 7644 §3.5.2.3: a value filter that matches nothing is a noTarget failure.
      throw new BadRequestError(`No value of ${key} matches the filter in the path`, 'noTarget');
    }
    let element: JsonObject;
    if (target.subAttribute !== undefined) {
      element = template;
      setOwn(element, subKeyOf(kind, list, target), value);
    } else if (isPlainObject(value)) {
      element = { ...template, ...value };
    } else {
      throw new BadRequestError(`The value for ${key}[...] must be an object`, 'invalidValue');
    }
    setOwn(container, key, [...list, element]);
    return;
  }
  for (const el of hits) {
    // Each hit gets its own copy, so a later operation on one record cannot change another.
    const copy = cloneJson(value);
    if (target.subAttribute !== undefined) {
      setOwn(el, subKeyOf(kind, el, target), copy);
    } else if (!isPlainObject(copy)) {
      throw new BadRequestError(`The value for ${key}[...] must be an object`, 'invalidValue');
    } else if (op === 'replace') {
      // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced".
      Object.keys(el).forEach((k) => delete el[k]);
      Object.entries(copy).forEach(([k, v]) => setOwn(el, k, v));
    } else {
      Object.entries(copy).forEach(([k, v]) => setOwn(el, k, v));
    }
  }
}
