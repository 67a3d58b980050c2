import { PERMANENT_FAILURE_ADVICE } from '../jobs/job-decision';

/** Advice for what only a failed job's reason tells: a Secret Server that did not answer, or members that never arrived. */
const UNREACHABLE_ADVICE = 'check that Secret Server is reachable (the Overview page and /readyz say what the bridge last heard), then retry';
const MEMBERS_ADVICE = "its members never reached Secret Server: look them up on the Users page, fix what failed there, then retry the group's job";
const NO_EMAIL_ADVICE = 'map an email for the user in Okta (Secret Server users are keyed on primary email), push it again, then retry';

/**
 * What to do about a failed job, from the reason BullMQ kept (the error's message): the job keeps
 * no error class, so the reason's wording, written in secret-server-errors.ts, the transport and
 * the sync jobs, is read back here. For a permanent failure the advice is the one the job's ERROR
 * line gave (PERMANENT_FAILURE_ADVICE in jobs/job-decision.ts); the three above point at the
 * console's own pages instead of the CLI.
 */
export function failureAdvice(reason: string): string {
  if (/refused the token grant/i.test(reason)) return PERMANENT_FAILURE_ADVICE.authentication;
  if (/linked it first/i.test(reason)) return PERMANENT_FAILURE_ADVICE.ownedElsewhere;
  if (/not the bridge's to claim|already has this userName with another email/i.test(reason)) return PERMANENT_FAILURE_ADVICE.notClaimable;
  if (/\brefused (to |membership changes)/i.test(reason)) return PERMANENT_FAILURE_ADVICE.refused;
  if (/no default, active Secret Server vault/i.test(reason)) return PERMANENT_FAILURE_ADVICE.vault;
  if (/has no email/i.test(reason)) return NO_EMAIL_ADVICE;
  if (/member\(s\) are not provisioned/i.test(reason)) return MEMBERS_ADVICE;
  if (/answered 403\b/.test(reason)) return PERMANENT_FAILURE_ADVICE.permission;
  if (/answered 400\b/.test(reason)) return PERMANENT_FAILURE_ADVICE.rejected;
  if (/answered (408|429|5\d\d)\b|non-JSON|unparseable JSON|circuit is open|timed out|ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up/i.test(reason)) {
    return UNREACHABLE_ADVICE;
  }
  return PERMANENT_FAILURE_ADVICE.other;
}
