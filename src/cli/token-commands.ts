import { parseAuthSchemes, type AuthScheme } from '../config/auth-schemes';
import { parseDuration, type TokenSummary } from '../domain/token-service';
import { NotFoundError } from '../errors/bridge-error';
import { DEFAULT_DIRECTORY, scimBasePathOf } from '../directories/directory';
import type { CliContext, CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { DIRECTORY_OPTION } from './directory-option';
import { printList, shortTime } from './table';
import { UnknownIdError } from './unknown-id-error';
import { UsageError } from './usage-error';

const GROUP = 'token';

/**
 * `scim-bridge token ...`: the bearer tokens, and Basic usernames and passwords, that Okta presents
 * to /scim/v2. A new token (or `username:password`) is printed alone on the last stdout line, so
 * `npm run -s token -- create --name okta | tail -1` captures it; everything meant for the human
 * goes to stderr.
 */
export const tokenCommands: CommandGroup = {
  summary: 'bearer tokens and Basic credentials that Okta presents to /scim/v2',
  usage: [
    'create --name <name> [--basic]       new token (--basic: username:password), printed once on the last line of stdout',
    'list                                 id, name, created, last used, expires, type (never the token)',
    'rotate <id> [--grace <duration>]     new token or username:password replacing <id>; the old one works for the grace (default 0: stops now), e.g. --grace 24h',
    'revoke <id>                          the token or Basic credential stops working now',
    '... --directory <name>               any of the above for that directory (npm run directory); without it, the default one at /scim/v2',
  ],
  async run(args, ctx) {
    const [command, ...rest] = args;
    switch (command) {
      case 'create':
        return create(rest, ctx);
      case 'list':
        return list(rest, ctx);
      case 'rotate':
        return rotate(rest, ctx);
      case 'revoke':
        return revoke(rest, ctx);
      default:
        throw new UsageError(command ? `unknown token command "${command}"` : 'missing token command', GROUP);
    }
  },
};

async function create(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommandArgs(GROUP, args, { name: { type: 'string' }, basic: { type: 'boolean' }, ...DIRECTORY_OPTION }, []);
  if (!values.name) throw new UsageError('--name is required, e.g. --name okta', GROUP);
  const issued = await (await ctx.tokens(values.directory)).create(values.name, values.basic ? 'basic' : 'bearer');
  if (values.directory && values.directory !== DEFAULT_DIRECTORY)
    ctx.err(`For directory ${values.directory}: its SCIM base path is ${scimBasePathOf(values.directory)}.`);
  if (issued.type === 'basic') {
    ctx.err(`Created Basic credential ${issued.id} (${issued.name}), username ${issued.username}.`);
    ctx.err('The last line is username:password. Paste the part before the first colon into the Okta app as its Username, the rest as its Password, now:');
    ctx.err('the password is shown only this once, and scim-bridge keeps only its hash.');
    warnIfDisabled(ctx, 'basic');
  } else {
    ctx.err(`Created token ${issued.id} (${issued.name}).`);
    ctx.err('Paste it into the Okta app as its SCIM bearer token now: it is shown only this once, and scim-bridge keeps only its hash.');
    warnIfDisabled(ctx, 'bearer');
  }
  ctx.out(issued.token);
}

/** A credential of a scheme SCIM_AUTH_SCHEMES leaves out is refused by the bridge: say so while the operator is looking. */
function warnIfDisabled(ctx: CliContext, scheme: AuthScheme): void {
  if (parseAuthSchemes(ctx.config().auth.schemes).includes(scheme)) return;
  ctx.err(`Note: SCIM_AUTH_SCHEMES (${ctx.config().auth.schemes}) leaves out ${scheme}, so the bridge refuses this credential until it is added.`);
}

async function list(args: string[], ctx: CliContext): Promise<void> {
  const { values } = parseCommandArgs(GROUP, args, DIRECTORY_OPTION, []);
  const tokens = await (await ctx.tokens(values.directory)).list();
  if (ctx.config().auth.scimToken && (values.directory ?? DEFAULT_DIRECTORY) === DEFAULT_DIRECTORY)
    ctx.err('The static SCIM_TOKEN from the environment is accepted too (reported as token id "static").');
  const now = Date.now();
  printList(ctx, {
    // TYPE is last: every column before it is where scripts written for bearer tokens read it.
    header: ['ID', 'NAME', 'CREATED', 'LAST USED', 'EXPIRES', 'TYPE'],
    rows: tokens.map((t) => [t.id, t.name, shortTime(t.createdAt), t.lastUsedAt ? shortTime(t.lastUsedAt) : 'never', expires(t, now), t.type]),
    empty: 'no tokens',
  });
  if (tokens.length === 0) ctx.err('Create one with: npm run token -- create --name okta');
}

async function rotate(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(GROUP, args, { grace: { type: 'string' }, ...DIRECTORY_OPTION }, ['<id>']);
  let graceMs = 0;
  try {
    if (values.grace !== undefined) graceMs = parseDuration(values.grace);
  } catch (err) {
    throw new UsageError((err as Error).message, GROUP);
  }
  const rotated = await knownId(positionals[0], (await ctx.tokens(values.directory)).rotate(positionals[0], graceMs));
  const kind = rotated.type === 'basic' ? 'Basic credential' : 'token';
  const named = rotated.type === 'basic' ? ` (${rotated.name}), username ${rotated.username},` : ` (${rotated.name})`;
  const paste = rotated.type === 'basic' ? 'paste the new username and password into Okta' : 'paste the new one into Okta';
  ctx.err(`Created ${kind} ${rotated.id}${named} to replace ${rotated.previousId}.`);
  ctx.err(
    graceMs > 0
      ? `The old ${kind} ${rotated.previousId} keeps working until ${shortTime(rotated.previousExpiresAt)}: ${paste} before then.`
      : `The old ${kind} ${rotated.previousId} stopped working now: ${paste}.`,
  );
  ctx.err(rotated.type === 'basic' ? 'The last line is username:password; the password is shown only this once.' : 'The new token is shown only this once.');
  ctx.out(rotated.token);
}

/*
 * Revoking a token that already stopped working exits 0 and says so: revoke is idempotent, like an
 * HTTP DELETE (RFC 9110 §9.2.2), because what the operator asked for, "this token no longer
 * works", holds. A script that revokes again after a timeout or on a re-run must not fail for it.
 */
async function revoke(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(GROUP, args, DIRECTORY_OPTION, ['<id>']);
  const [id] = positionals;
  const askedAt = Date.now();
  const revoked = await knownId(id, (await ctx.tokens(values.directory)).revoke(id));
  const stoppedAt = revoked.expiresAt ?? new Date(askedAt).toISOString();
  if (stoppedBefore(stoppedAt, askedAt)) {
    ctx.out(alreadyStopped(revoked, stoppedAt));
    return;
  }
  ctx.out(`Revoked token ${revoked.id} (${revoked.name}); it stopped working at ${shortTime(stoppedAt)}.`);
}

/**
 * The store only ever moves an expiry earlier (TokenStore.setExpiry), so an expiry before the
 * revoke was asked for was set earlier: by a revoke, or by a rotation whose grace has passed.
 * Told from the revoke's own answer, so a second revoke running at the same time cannot skew it.
 */
function stoppedBefore(stoppedAt: string, askedAt: number): boolean {
  return Date.parse(stoppedAt) < askedAt;
}

function alreadyStopped(token: TokenSummary, stoppedAt: string): string {
  const when = shortTime(stoppedAt);
  if (token.replacedBy) return `token "${token.id}" was already replaced by ${token.replacedBy} and stopped working on ${when}; nothing changed`;
  return `token "${token.id}" was already revoked on ${when}; nothing changed`;
}

/** TokenService answers an unknown id with NotFoundError (a 404 for HTTP); the CLI names the id and the list command. */
async function knownId<T>(id: string, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof NotFoundError) throw new UnknownIdError('token', id, 'npm run token -- list');
    throw err;
  }
}

function expires(token: TokenSummary, now: number): string {
  if (!token.expiresAt) return '-';
  const state = Date.parse(token.expiresAt) <= now ? 'expired' : 'still valid';
  const replaced = token.replacedBy ? `, replaced by ${token.replacedBy}` : '';
  return `${shortTime(token.expiresAt)} (${state}${replaced})`;
}
