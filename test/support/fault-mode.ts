import { oktaUserBuilder } from './okta-user';

/**
 * Sizes of the fault-and-abuse suite (test/faults). `npm run test:faults` sets FAULTS_FULL=true and
 * runs the full sizes; inside `npm test` the same files run bounded, so CI stays within minutes.
 */
export const FAULTS_FULL = process.env.FAULTS_FULL === 'true';

/** The full size under `npm run test:faults`, the bounded one inside `npm test`. */
export function sized<T>(full: T, bounded: T): T {
  return FAULTS_FULL ? full : bounded;
}

export const MODE_LABEL = FAULTS_FULL ? 'full' : 'bounded';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let counter = 0;
/** A fresh email per call, unique across runs and files. */
export function uniqueEmail(label: string): string {
  return `${label}.${Date.now().toString(36)}${(counter++).toString(36)}@example.com`;
}

/** A user the way Okta POSTs it (with its placeholder password). */
export const oktaUser = oktaUserBuilder({ givenName: 'Fault', familyName: 'Tester', password: 'Okta-Placeholder-Pass-1!' });

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export function patchOp(...operations: Array<Record<string, unknown>>) {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Runs `fn` over `items` with at most `concurrency` in flight; returns when all settled. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
}

/**
 * Like pool, but item i starts no earlier than `i / perSecond` seconds after the start: the pace
 * of an Okta push, so a fault can sit "in the middle" of it.
 */
export async function pacedPool<T>(items: T[], perSecond: number, concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  const started = Date.now();
  await pool(items, concurrency, async (item, i) => {
    const due = started + (i * 1000) / perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    await fn(item, i);
  });
}
