/**
 * The SCIM id each imported Secret Server user ended up with, kept for resolving group members.
 *
 * Nearly every one is the user's stable id (derived from its Secret Server id), which is derived
 * again when a member asks for it instead of being held: a Map of one id string per user is
 * megabytes of live worker heap in a large import, and V8 lets the heap grow to several times the
 * live data before a major GC (npm run bench, worker peak RSS). Only the others (users linked to an Okta
 * user, or matched by email to another SCIM user) are kept as strings.
 */
export class ImportedUserIds {
  /** Secret Server ids whose SCIM id is their stable id, in the order recorded; sorted on first read. */
  private derived = new Float64Array(1024);
  private count = 0;
  private sorted = true;
  private readonly others = new Map<number, string>();

  constructor(private readonly stableIdOf: (secretServerId: number) => string) {}

  /** Records where a Secret Server user went; `stable` is its stable id (already derived by the caller). */
  set(secretServerId: number, scimId: string, stable: string): void {
    if (scimId !== stable) {
      this.others.set(secretServerId, scimId);
      return;
    }
    // The last record wins, as with a Map: a later stable one replaces an earlier other one.
    this.others.delete(secretServerId);
    if (this.count === this.derived.length) {
      const grown = new Float64Array(this.derived.length * 2);
      grown.set(this.derived);
      this.derived = grown;
    }
    if (this.count > 0 && this.derived[this.count - 1] > secretServerId) this.sorted = false;
    this.derived[this.count++] = secretServerId;
  }

  get(secretServerId: number): string | undefined {
    const other = this.others.get(secretServerId);
    if (other !== undefined) return other;
    return this.hasDerived(secretServerId) ? this.stableIdOf(secretServerId) : undefined;
  }

  private hasDerived(secretServerId: number): boolean {
    if (!this.sorted) {
      this.derived = this.derived.slice(0, this.count).sort();
      this.sorted = true;
    }
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.derived[middle];
      if (value === secretServerId) return true;
      if (value < secretServerId) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }
}
