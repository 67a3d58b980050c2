import { BadRequestError, NotFoundError } from '../errors/bridge-error';
import { redirectUriProblem } from '../oauth/redirect-uri';
import type { CliContext, CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { printList, shortTime } from './table';
import { UnknownIdError } from './unknown-id-error';
import { UsageError } from './usage-error';

const GROUP = 'oauth';
const LIST_COMMAND = 'npm run oauth -- client list';

/**
 * `scim-bridge oauth client ...`: the OAuth 2.0 clients (Okta's app) that may ask an admin for
 * access at /oauth2/authorize and fetch tokens at /oauth2/token. A new client's id and secret are
 * the last two lines of stdout (`client_id <id>`, `client_secret <secret>`), so a script can read
 * them with `tail -n 2`; everything meant for the human goes to stderr.
 */
export const oauthCommands: CommandGroup = {
  summary: "OAuth 2.0 clients for Okta's OAuth mode (/oauth2/authorize, /oauth2/token)",
  usage: [
    'client create --name <name> --redirect-uri <url> [--redirect-uri <url> ...]   new client; id and secret on the last two lines of stdout, once',
    'client list                          id, name, redirect URIs, created, revoked (never the secret)',
    'client revoke <id>                   the client and every token issued to it stop working now',
  ],
  async run(args, ctx) {
    const [noun, command, ...rest] = args;
    if (noun !== 'client') throw new UsageError(noun ? `unknown oauth command "${noun}"` : 'missing oauth command', GROUP);
    switch (command) {
      case 'create':
        return create(rest, ctx);
      case 'list':
        return list(rest, ctx);
      case 'revoke':
        return revoke(rest, ctx);
      default:
        throw new UsageError(command ? `unknown oauth client command "${command}"` : 'missing oauth client command', GROUP);
    }
  },
};

async function create(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommandArgs(GROUP, args, { name: { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true } }, []);
  if (!values.name) throw new UsageError('--name is required, e.g. --name okta', GROUP);
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length === 0) throw new UsageError('--redirect-uri is required: the callback URL Okta shows for its OAuth 2 mode', GROUP);
  // Checked before Redis is reached, so a typo costs nothing.
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new UsageError(`invalid --redirect-uri "${uri}": ${problem}`, GROUP);
  }
  let client;
  try {
    client = await (await ctx.oauth()).clients.create(values.name, redirectUris);
  } catch (err) {
    if (err instanceof BadRequestError) throw new UsageError(err.message, GROUP);
    throw err;
  }
  ctx.err(`Created OAuth client ${client.id} (${client.name}) for ${client.redirectUris.join(', ')}.`);
  ctx.err("Paste the client id and secret into Okta's OAuth 2 settings now: the secret is shown only this once, and scim-bridge keeps only its hash.");
  ctx.out(`client_id ${client.id}`);
  ctx.out(`client_secret ${client.clientSecret}`);
}

async function list(args: string[], ctx: CliContext): Promise<void> {
  parseCommandArgs(GROUP, args, {}, []);
  const clients = await (await ctx.oauth()).clients.list();
  printList(ctx, {
    header: ['ID', 'NAME', 'REDIRECT URIS', 'CREATED', 'REVOKED'],
    rows: clients.map((c) => [c.id, c.name, c.redirectUris.join(' '), shortTime(c.createdAt), c.revokedAt ? shortTime(c.revokedAt) : '-']),
    empty: 'no OAuth clients',
  });
  if (clients.length === 0) ctx.err('Create one with: npm run oauth -- client create --name okta --redirect-uri <Okta callback URL>');
}

/** Idempotent like `token revoke`: revoking a revoked client exits 0 and says nothing changed. */
async function revoke(args: string[], ctx: CliContext): Promise<void> {
  const { positionals } = parseCommandArgs(GROUP, args, {}, ['<id>']);
  const [id] = positionals;
  let result;
  try {
    result = await (await ctx.oauth()).revokeClient(id);
  } catch (err) {
    if (err instanceof NotFoundError) throw new UnknownIdError('OAuth client', id, LIST_COMMAND);
    throw err;
  }
  if (result.alreadyRevoked) {
    ctx.out(`OAuth client "${id}" was already revoked on ${shortTime(result.client.revokedAt!)}; nothing changed`);
    return;
  }
  ctx.out(`Revoked OAuth client ${id} (${result.client.name}) and its tokens (${result.grantsEnded} authorization(s) ended).`);
}
