/**
 * A work budget for one PATCH request. Limits on the body (1000 operations, 10,000 elements per
 * array) still allow requests whose cost multiplies: a thousand operations, each filtering or
 * deduplicating a 10,000-element attribute, took tens of seconds. Each operation spends units
 * before it works; past the limit the request fails with 400 tooMany (RFC 7644 §3.12: "more
 * results than the server is willing to calculate or process"), so PATCH can never hang.
 *
 * Calibrated so Okta's largest realistic request (1000 member removals and additions on a
 * 10,000-member group, about 20M units) passes with room to spare, in under a second or two.
 */
import { BadRequestError } from '../errors/bridge-error';

export const PATCH_WORK_LIMIT = 40_000_000;

/** Unit costs per array element visited. */
export const COST = {
  /** A direct comparison of a member value. */
  compare: 1,
  /** Canonicalising an element to deduplicate it. */
  canonical: 40,
  /** Evaluating one filter node against an element. */
  filterNode: 20,
} as const;

export class PatchBudget {
  private used = 0;

  constructor(private readonly limit = PATCH_WORK_LIMIT) {}

  spend(units: number): void {
    this.used += units;
    if (this.used > this.limit) {
      throw new BadRequestError(
        'This PATCH request needs more work than the server allows; send it as several smaller requests',
        'tooMany',
      );
    }
  }
}
