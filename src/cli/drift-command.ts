import { DRIFT_KINDS, type DriftReport } from '../domain/drift-report';
import { isSecretServerError } from '../secret-server/secret-server-errors';
import type { CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { DIRECTORY_OPTION } from './directory-option';
import { printList } from './table';

const DRIFT = 'drift';

/**
 * `scim-bridge drift [--json] [--fix]`: where Secret Server no longer holds what Redis says it
 * should (domain/drift-report.ts). Drift is an answer, not a failure: the command exits 0 whether
 * or not there is any, and 1 only when it could not complete (Redis or Secret Server unreachable).
 */
export const driftCommand: CommandGroup = {
  summary: 'compare Secret Server with the desired state in Redis; --fix enqueues a forced sync of each SCIM user and group that drifted',
  usage: ['[--json] [--fix] [--directory <name>] drift items in a table (--json: one JSON document); exit 0 with or without drift'],
  async run(args, ctx) {
    const { values } = parseCommandArgs(DRIFT, args, { json: { type: 'boolean' }, fix: { type: 'boolean' }, ...DIRECTORY_OPTION }, []);
    const drift = await ctx.drift(values.directory);
    const report = await drift.check().catch((err: unknown) => {
      // Name the setting, as for Redis (run-cli.ts): the operator's next step is SS_BASE_URL and the API account.
      if (isSecretServerError(err)) throw new Error(`cannot read Secret Server (SS_BASE_URL): ${err.message}`, { cause: err });
      throw err;
    });
    const enqueued = values.fix ? await drift.fix(report) : undefined;
    if (values.json) {
      ctx.out(JSON.stringify({ ...report, ...(enqueued === undefined ? {} : { fix: { enqueued } }) }));
      return;
    }
    printList(ctx, {
      header: ['KIND', 'SCIM ID', 'NAME', 'SECRET SERVER ID', 'WHAT', 'DETAIL'],
      rows: report.items.map((i) => [i.kind, i.resource?.id ?? '-', i.name, i.secretServerId === undefined ? '-' : String(i.secretServerId), i.what, i.detail]),
      empty: 'no drift items',
    });
    ctx.out(summaryLine(report));
    if (enqueued !== undefined) ctx.out(`fix: ${enqueued} forced sync(s) enqueued; a worker process converges them`);
    else if (report.items.some((i) => i.fixable)) ctx.err('Run again with --fix to enqueue a forced sync of each SCIM user and group that drifted.');
  },
};

/** "drift: 3 (missing 1, displayName 2); 1 protected account listed; 2 not yet synced": counts only. */
export function summaryLine(report: DriftReport): string {
  const { counts, total, protectedAccounts, notYetSynced } = report.summary;
  const nonZero = DRIFT_KINDS.filter((k) => counts[k] > 0).map((k) => `${k} ${counts[k]}`);
  return [
    `drift: ${total}${nonZero.length ? ` (${nonZero.join(', ')})` : ''}`,
    `${protectedAccounts} protected account(s) listed, not counted`,
    `${notYetSynced} not yet synced, not compared`,
  ].join('; ');
}
