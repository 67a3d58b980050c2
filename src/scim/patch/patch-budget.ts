/**
 * A work budget for one PATCH request. Limits on the body (1000 operations, 10,000 elements per
 * array) still allow requests whose cost multiplies: a thousand operations, each filtering a
 * large multi-valued attribute, kept the event loop busy for seconds. So the cost is estimated
 * before anything runs (operations × the stored size of the arrays they target × filter
 * expressions), and each operation spends its real cost again before it works, since adds can
 * grow an array within the request. Past the limit the request fails with 400 tooMany (RFC 7644
 * §3.12: "more results than the server is willing to calculate or process"), having done at most
 * the limit's worth of work.
 *
 * A unit is about 10 ns of work on a current server core, and the limit about 25 ms of it, so no
 * accepted PATCH holds the event loop for long whatever it asks, with room for slower machines.
 * Group members do not count against it per operation: they are indexed by value
 * (patch-members.ts), so Okta's member pushes cost a little per member named, plus the group's
 * size once, which MAX_MEMBERS bounds and the budget leaves out: refusing it would refuse every
 * change to a large group.
 */
import { BadRequestError } from '../../errors/bridge-error';

export const PATCH_WORK_LIMIT = 2_500_000;

/** Unit costs per array element visited. */
export const COST = {
  /** A direct comparison of a member value, or indexing one member. */
  compare: 10,
  /** Canonicalising an element to deduplicate it. */
  canonical: 100,
  /** Evaluating one filter expression against an element. */
  filterNode: 30,
  /** Writing a value into an element a value filter selected (a copy of the value, then a merge). */
  hit: 70,
  /** An element scim-patch walks for a plain path on a multi-valued attribute. */
  plain: 25,
} as const;

function refusal(): BadRequestError {
  return new BadRequestError(
    `This PATCH request needs more work than the server allows (${PATCH_WORK_LIMIT} units: operations × values they filter × filter expressions); ` +
      'send it as several smaller requests, or use fewer operations on large multi-valued attributes',
    'tooMany',
  );
}

export class PatchBudget {
  private used = 0;

  constructor(private readonly limit = PATCH_WORK_LIMIT) {}

  spend(units: number): void {
    this.used += units;
    if (this.used > this.limit) throw refusal();
  }

  /** Refuses before any work when the estimate alone is over the limit; spends nothing. */
  assertAffordable(estimate: number): void {
    if (estimate > this.limit) throw refusal();
  }
}
