import type { CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { DIRECTORY_OPTION } from './directory-option';
import { summarizeEvent } from '../history/history-reader';
import { printList, shortTime } from './table';

const GROUP = 'history';

/** `scim-bridge history <email|id> [--json]`: what happened to one user or group, newest first. */
export const historyCommand: CommandGroup = {
  summary: "one user's or group's history: SCIM requests, job runs, Secret Server calls (newest first)",
  usage: ['<email|userName|id|group name> [--json] [--directory <name>]   the events kept (the last 100, at most 30 days)'],
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs(GROUP, args, { json: { type: 'boolean' }, ...DIRECTORY_OPTION }, ['<email|id>']);
    const [reference] = positionals;
    const reader = await ctx.history(values.directory);
    const subject = await reader.find(reference);
    if (!subject) throw new Error(`no user or group is known as "${reference}" (looked for a SCIM id, email, userName, externalId and group name)`);
    const events = await reader.events(subject);
    if (values.json) {
      ctx.out(JSON.stringify({ kind: subject.kind, id: subject.id, events }, null, 2));
      return;
    }
    ctx.err(`${subject.kind} ${subject.id}, newest first:`);
    printList(ctx, {
      header: ['TIME', 'EVENT', 'REQUEST', 'DETAIL'],
      rows: events.map(summarizeEvent).map((e) => [shortTime(e.at), e.what, e.requestId ?? '-', e.detail]),
      empty: 'no events kept',
    });
  },
};
