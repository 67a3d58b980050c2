/**
 * Group `members` during one PATCH (RFC 7644 §3.5.2; the forms Okta's SCIM 2.0 reference shows
 * for group push): add without duplicates by value,
 * replace with exactly the given set, remove all, remove the listed values (Entra), and Okta's
 * `remove members[value eq "…"]`, which it sends once per member, hundreds per request, on
 * groups of any size.
 *
 * Applied to the array, each of those operations walks every member, so a request cost
 * operations × members. Instead the members are indexed by value once, on first use, each
 * operation touches only the values it names, and the array is written back once, when an
 * operation needs it as an array (any other members path) and at the end. The outcome is the one
 * the operations would give one after another: the array keeps its order, removed slots are
 * left out when it is written back.
 */
import type { Filter } from 'scim2-parse-filter';
import { BadRequestError } from '../../errors/bridge-error';
import { findKey, getAttribute, isPlainObject, type JsonObject } from '../json-values';
import { COST, type PatchBudget } from './patch-budget';
import { isValueEquality, type PatchOpName } from './patch-multi-valued';

/** Member objects from a PATCH value: one object or an array, each with a string `value`. */
function memberValues(value: unknown): JsonObject[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((m, i) => {
    if (!isPlainObject(m) || typeof m.value !== 'string') {
      throw new BadRequestError(`members value [${i}] must be an object with a string value`, 'invalidValue');
    }
    return m;
  });
}

function push(map: Map<string, number[]>, key: string, slot: number): void {
  const list = map.get(key);
  if (list) list.push(slot);
  else map.set(key, [slot]);
}

export class MemberIndex {
  private readonly key: string;
  /** Whether the resource holds a members attribute once written back. */
  private present: boolean;
  private slots: unknown[] = [];
  /** Set once elements that are not objects were dropped, as the array form does on add and remove. */
  private objectsOnly = false;
  private readonly exact = new Map<string, number[]>();
  private readonly folded = new Map<string, number[]>();

  constructor(
    private readonly doc: JsonObject,
    private readonly budget: PatchBudget,
  ) {
    this.key = findKey(doc, 'members') ?? 'members';
    const current = doc[this.key];
    this.present = current !== undefined;
    const list = Array.isArray(current) ? current : [];
    // Indexing and writing back cost the group's size once; MAX_MEMBERS bounds that, not the budget.
    list.forEach((m) => this.append(m));
  }

  private append(m: unknown): void {
    const slot = this.slots.push(m) - 1;
    const value = isPlainObject(m) ? getAttribute(m, 'value') : undefined;
    if (typeof value === 'string') {
      // Exact for adds and Entra's removals (members are a set by value); folded for `value eq`,
      // which compares case-insensitively like every filter here (scim/filter/filter-match.ts).
      if (isPlainObject(m) && typeof m.value === 'string') push(this.exact, m.value, slot);
      push(this.folded, value.toLowerCase(), slot);
    }
  }

  private clear(): void {
    this.slots = [];
    this.exact.clear();
    this.folded.clear();
  }

  private drop(slots: number[] | undefined): void {
    for (const slot of slots ?? []) this.slots[slot] = undefined;
  }

  private live(slots: number[] | undefined): boolean {
    return (slots ?? []).some((slot) => this.slots[slot] !== undefined);
  }

  /** `members` with no filter or sub-attribute: the operation itself. */
  apply(op: PatchOpName, value: unknown): void {
    const given = memberValues(value);
    this.budget.spend(given.length * COST.compare);
    this.present = true;
    if (op === 'replace' || (op === 'remove' && (value === undefined || value === null))) this.clear();
    if (!this.objectsOnly) {
      // Adding or removing given members keeps only the members that are objects.
      this.slots = this.slots.map((m) => (isPlainObject(m) ? m : undefined));
      this.objectsOnly = true;
    }
    if (op === 'remove') {
      for (const m of given) this.drop(this.exact.get(m.value as string));
      return;
    }
    for (const m of given) if (!this.live(this.exact.get(m.value as string))) this.append(m);
  }

  /** `remove members[value eq "…"]`. */
  removeEqual(wanted: string): void {
    this.budget.spend(COST.compare);
    this.drop(this.folded.get(wanted.toLowerCase()));
  }

  /** Writes the members back as an array; the index is not used afterwards. */
  writeBack(): void {
    if (!this.present) return;
    // Slots only become undefined by removal: JSON has no undefined, so none was sent or stored.
    this.doc[this.key] = this.slots.filter((m) => m !== undefined);
  }
}

/** Whether `remove` with this filter (and no sub-attribute) is the one `removeEqual` answers. */
export function equalityValue(filter: Filter | undefined): string | undefined {
  return filter !== undefined && filter.op === 'eq' && isValueEquality(filter) ? (filter.compValue as string) : undefined;
}
