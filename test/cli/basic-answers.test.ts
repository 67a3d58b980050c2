import type Redis from 'ioredis';
import { TokenService } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { expectAlignedTable, lastLine, lines, runCli } from './cli-child';

const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
const CREDENTIAL = /^(scb-[0-9a-f]{10}):([A-Za-z0-9_-]{43})$/;
const prefix = uniquePrefix('cli-basic');
const cli = (...args: string[]) => runCli(prefix, ...args);
let redis: Redis;
let service: TokenService;

beforeAll(() => {
  redis = connectRedis();
  service = new TokenService(new RedisTokenStore(redis, redisKeys(prefix)));
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

function verifyLine(line: string) {
  const match = CREDENTIAL.exec(line);
  if (!match) throw new Error(`not username:password: ${line}`);
  return service.verifyBasic(match[1], match[2]);
}

describe('token CLI with --basic', () => {
  it('when "token create --name okta --basic" runs, then username:password is alone on stdout and verifies', async () => {
    const created = await cli('token', 'create', '--name', 'okta', '--basic');
    expect(created.code).toBe(0);
    expect(lines(created.stdout)).toHaveLength(1);
    expect(lastLine(created.stdout)).toMatch(CREDENTIAL);
    const verified = await verifyLine(lastLine(created.stdout));
    expect(verified).not.toBeNull();
    expect(created.stderr).toContain(`username scb-${verified?.tokenId}`);
    expect(created.stderr).toContain('shown only this once');
    expect(created.stderr).not.toContain(lastLine(created.stdout).split(':')[1]);
  });

  it('when "token list" runs, then Basic credentials show their type and never their password', async () => {
    const bearer = await service.create('okta-bearer');
    const basic = await service.create('okta-basic', 'basic');
    const listed = await cli('token', 'list');
    expect(listed.code).toBe(0);
    const rows = expectAlignedTable(listed.stdout, ['ID', 'NAME', 'CREATED', 'LAST USED', 'EXPIRES', 'TYPE']);
    expect(rows.find((r) => r.startsWith(basic.id))).toMatch(new RegExp(`^${basic.id} +okta-basic +${TIME} +never +- +basic$`));
    expect(rows.find((r) => r.startsWith(bearer.id))).toMatch(/ bearer$/);
    expect(listed.stdout + listed.stderr).not.toContain(basic.token.split(':')[1]);
  });

  it('when "token rotate <id> --grace 1h" runs on a Basic credential, then the new username:password is alone on stdout and the old one still works', async () => {
    const old = await service.create('okta', 'basic');
    const rotated = await cli('token', 'rotate', old.id, '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(lines(rotated.stdout)).toHaveLength(1);
    expect(lastLine(rotated.stdout)).toMatch(CREDENTIAL);
    expect(lastLine(rotated.stdout)).not.toBe(old.token);
    expect(rotated.stderr).toMatch(new RegExp(`old Basic credential ${old.id} keeps working until ${TIME}: paste the new username and password into Okta`));
    expect(await verifyLine(lastLine(rotated.stdout))).not.toBeNull();
    expect(await verifyLine(old.token)).toEqual({ tokenId: old.id });
  });

  it('when "token revoke <id>" runs on a Basic credential, then it stops working', async () => {
    const issued = await service.create('okta', 'basic');
    const revoked = await cli('token', 'revoke', issued.id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked token ${issued.id} \\(okta\\); it stopped working at ${TIME}\\.\\n$`));
    expect(await verifyLine(issued.token)).toBeNull();
  });

  it('when SCIM_AUTH_SCHEMES leaves basic out, then create still prints the credential and says on stderr that the bridge refuses it', async () => {
    const created = await runCliWith({ SCIM_AUTH_SCHEMES: 'bearer' }, 'token', 'create', '--name', 'okta', '--basic');
    expect(created.code).toBe(0);
    expect(lastLine(created.stdout)).toMatch(CREDENTIAL);
    expect(created.stderr).toContain('SCIM_AUTH_SCHEMES (bearer) leaves out basic');
  });

  it('when "--basic" is given a value, then usage goes to stderr and the exit code is 2', async () => {
    const result = await cli('token', 'create', '--name', 'okta', '--basic=yes');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: scim-bridge');
    expect(result.stdout).toBe('');
  });
});

async function runCliWith(env: Record<string, string>, ...args: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await cli(...args);
  } finally {
    for (const name of Object.keys(env)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  }
}
