/**
 * Candidate finder for Secret Server's `filter.searchText`, a case-insensitive contains-match
 * over several fields of a record (docs/UsersApi.md of figovskymaria/
 * authomize-python-provider-secret-server, branch secret_server). Every 3-character window of each lower-cased
 * field maps to the ids of the records holding it. A text of 3 or more characters can only occur
 * in a record that holds every window of the text, so intersecting those windows' id sets leaves
 * a handful of candidates instead of every record. Callers still apply the real predicate to the
 * candidates, so the answer is exactly that of a full scan, only without reading every record.
 */
export class TrigramIndex {
  /** Shorter texts have no window to look up: callers scan. */
  static readonly MIN_TEXT_LENGTH = 3;
  private readonly idsByWindow = new Map<string, Set<number>>();

  add(id: number, fields: readonly string[]): void {
    for (const window of windowsOfFields(fields)) this.postingOf(window).add(id);
  }

  /** The record `id` changed from `before` to `after`: moves it out of the windows it lost, into the ones it gained. */
  replace(id: number, before: readonly string[], after: readonly string[]): void {
    const old = windowsOfFields(before);
    const next = windowsOfFields(after);
    for (const window of old) {
      if (next.has(window)) continue;
      const ids = this.idsByWindow.get(window);
      ids?.delete(id);
      if (ids?.size === 0) this.idsByWindow.delete(window);
    }
    for (const window of next) if (!old.has(window)) this.postingOf(window).add(id);
  }

  /**
   * Ids, ascending, of the records whose lower-cased fields may contain `lowerText` (lower-cased
   * by the caller, as its predicate does): a superset of the real matches. Undefined when the
   * text is too short to narrow anything down.
   */
  candidates(lowerText: string): number[] | undefined {
    if (lowerText.length < TrigramIndex.MIN_TEXT_LENGTH) return undefined;
    const postings: Array<Set<number>> = [];
    for (const window of windowsOf(lowerText)) {
      const ids = this.idsByWindow.get(window);
      if (!ids) return [];
      postings.push(ids);
    }
    postings.sort((a, b) => a.size - b.size);
    const [smallest, ...others] = postings;
    const found: number[] = [];
    for (const id of smallest) if (others.every((ids) => ids.has(id))) found.push(id);
    return found.sort((a, b) => a - b);
  }

  private postingOf(window: string): Set<number> {
    let ids = this.idsByWindow.get(window);
    if (!ids) {
      ids = new Set();
      this.idsByWindow.set(window, ids);
    }
    return ids;
  }
}

/** The distinct 3-code-unit windows of each field, lower-cased as the search predicate lower-cases it. */
function windowsOfFields(fields: readonly string[]): Set<string> {
  const windows = new Set<string>();
  for (const field of fields) windowsOf(field.toLowerCase(), windows);
  return windows;
}

function windowsOf(text: string, into = new Set<string>()): Set<string> {
  for (let i = 0; i + TrigramIndex.MIN_TEXT_LENGTH <= text.length; i++) into.add(text.slice(i, i + TrigramIndex.MIN_TEXT_LENGTH));
  return into;
}
