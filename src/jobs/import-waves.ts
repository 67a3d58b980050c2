/**
 * Which objects of one slice of an import page may be merged at the same time. Merging them one by
 * one costs several Redis round trips each, most of a large import's time (the import phase of
 * npm run bench, docs/performance.md); merged together, each step of a whole slice is in flight at
 * once and shares one round trip.
 *
 * The result must still be the one-by-one result in Secret Server's page order ("one email, one
 * SCIM user: keep the first"). Two objects can only affect each other through a SCIM resource or a
 * unique index entry both reach, so each object claims:
 * - its keys: the lower-cased unique values it looks up or writes (email, userName, group
 *   displayName), as the store's unique indexes normalise them;
 * - the ids of the SCIM resources that those keys and its Secret Server id pointed at when the slice
 *   started;
 * - the ids claimed by objects chained to it by shared keys: once one of them has written a key,
 *   the next one finds there the resource the first one touched.
 * An object goes into the wave after the last earlier object that shares a claim with it; waves
 * run in order, the objects of one wave together. Normal data (unique emails) is one wave a slice.
 */

export interface ImportClaims {
  keys: readonly string[];
  ids: readonly string[];
}

/** The slice's object indexes, wave by wave; within a wave, in page order. */
export function planWaves(items: readonly ImportClaims[]): number[][] {
  const ids = idsOfKeyChains(items);
  // Keys and ids share one map: a group named like a UUID only orders two objects needlessly.
  const lastWave = new Map<string, number>();
  const waves: number[][] = [];
  items.forEach((item, i) => {
    let wave = 0;
    for (const claim of item.keys) wave = Math.max(wave, (lastWave.get(claim) ?? -1) + 1);
    for (const claim of ids[i]) wave = Math.max(wave, (lastWave.get(claim) ?? -1) + 1);
    for (const claim of item.keys) lastWave.set(claim, wave);
    for (const claim of ids[i]) lastWave.set(claim, wave);
    (waves[wave] ??= []).push(i);
  });
  return waves;
}

/** Each object's ids, joined with those of every object it is chained to by shared keys. */
function idsOfKeyChains(items: readonly ImportClaims[]): Array<readonly string[]> {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const firstWithKey = new Map<string, number>();
  let chained = false;
  items.forEach((item, i) => {
    for (const key of item.keys) {
      const first = firstWithKey.get(key);
      if (first === undefined) firstWithKey.set(key, i);
      else if (root(first) !== root(i)) {
        parent[root(i)] = root(first);
        chained = true;
      }
    }
  });
  if (!chained) return items.map((item) => item.ids);
  const idsByRoot = new Map<number, string[]>();
  items.forEach((item, i) => {
    const r = root(i);
    const joined = idsByRoot.get(r);
    if (joined) joined.push(...item.ids);
    else idsByRoot.set(r, [...item.ids]);
  });
  return items.map((_, i) => idsByRoot.get(root(i))!);
}

/**
 * Runs `fn` over one wave at once. Every call is let finish before a failure is rethrown (the
 * first in page order), so nothing of a failed import is still writing when its job is retried.
 */
export async function runWave<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const settled = await Promise.allSettled(items.map(fn));
  const values: R[] = [];
  for (const result of settled) {
    if (result.status === 'rejected') throw result.reason;
    values.push(result.value);
  }
  return values;
}
