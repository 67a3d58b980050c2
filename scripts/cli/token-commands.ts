import { parseDuration, TokenService, type TokenSummary } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import type { CliContext, CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';
import { UsageError } from './usage-error';

const GROUP = 'token';

/**
 * `scim-bridge token ...`: the bearer tokens Okta presents to /scim/v2. A new token is printed
 * alone on the last stdout line, so `npm run -s token -- create --name okta | tail -1` captures it;
 * everything meant for the human goes to stderr.
 */
export const tokenCommands: CommandGroup = {
  summary: 'bearer tokens that Okta presents to /scim/v2',
  usage: [
    'create --name <name>                 new token, printed once on the last line of stdout',
    'list                                 id, name, created, last used, expires (never the token)',
    'rotate <id> [--grace <duration>]     new token replacing <id>; the old one works for the grace (default 0: stops now), e.g. --grace 24h',
    'revoke <id>                          the token stops working now',
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
  const { values } = parseCommandArgs(GROUP, args, { name: { type: 'string' } }, []);
  if (!values.name) throw new UsageError('--name is required, e.g. --name okta', GROUP);
  const issued = await (await service(ctx)).create(values.name);
  ctx.err(`Created token ${issued.id} (${issued.name}).`);
  ctx.err('Paste it into the Okta app as its SCIM bearer token now: it is shown only this once, and scim-bridge keeps only its hash.');
  ctx.out(issued.token);
}

async function list(args: string[], ctx: CliContext): Promise<void> {
  parseCommandArgs(GROUP, args, {}, []);
  const tokens = await (await service(ctx)).list();
  if (ctx.config().auth.scimToken) ctx.err('The static SCIM_TOKEN from the environment is accepted too (reported as token id "static").');
  if (tokens.length === 0) {
    ctx.err('No tokens. Create one with: npm run token -- create --name okta');
    return;
  }
  for (const line of table(tokens, Date.now())) ctx.out(line);
}

async function rotate(args: string[], ctx: CliContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(GROUP, args, { grace: { type: 'string' } }, ['<id>']);
  let graceMs = 0;
  try {
    if (values.grace !== undefined) graceMs = parseDuration(values.grace);
  } catch (err) {
    throw new UsageError((err as Error).message, GROUP);
  }
  const rotated = await (await service(ctx)).rotate(positionals[0], graceMs);
  ctx.err(`Created token ${rotated.id} (${rotated.name}) to replace ${rotated.previousId}.`);
  ctx.err(
    graceMs > 0
      ? `The old token ${rotated.previousId} keeps working until ${shortTime(rotated.previousExpiresAt)}: paste the new one into Okta before then.`
      : `The old token ${rotated.previousId} stopped working now: paste the new one into Okta.`,
  );
  ctx.err('The new token is shown only this once.');
  ctx.out(rotated.token);
}

async function revoke(args: string[], ctx: CliContext): Promise<void> {
  const { positionals } = parseCommandArgs(GROUP, args, {}, ['<id>']);
  const revoked = await (await service(ctx)).revoke(positionals[0]);
  ctx.out(`Revoked token ${revoked.id} (${revoked.name}); it stopped working at ${shortTime(revoked.expiresAt ?? '')}.`);
}

async function service(ctx: CliContext): Promise<TokenService> {
  const config = ctx.config();
  const store = new RedisTokenStore(await ctx.redis(), redisKeys(config.redis.prefix));
  return new TokenService(store, { staticToken: config.auth.scimToken });
}

function table(tokens: TokenSummary[], now: number): string[] {
  const rows = tokens.map((t) => [t.id, t.name, shortTime(t.createdAt), t.lastUsedAt ? shortTime(t.lastUsedAt) : 'never', expires(t, now)]);
  const header = ['ID', 'NAME', 'CREATED', 'LAST USED', 'EXPIRES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
}

function expires(token: TokenSummary, now: number): string {
  if (!token.expiresAt) return '-';
  const state = Date.parse(token.expiresAt) <= now ? 'expired' : 'still valid';
  const replaced = token.replacedBy ? `, replaced by ${token.replacedBy}` : '';
  return `${shortTime(token.expiresAt)} (${state}${replaced})`;
}

/** 2024-05-01T12:00:00.000Z -> 2024-05-01 12:00:00Z */
function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
