import { execFile } from 'node:child_process';
import path from 'node:path';
import type Redis from 'ioredis';
import { TokenService } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const prefix = uniquePrefix('token-cli');
let redis: Redis;
let service: TokenService;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in the project root against the test prefix; resolves whatever the exit code. */
function run(file: string, args: string[]): Promise<Run> {
  const env = { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, SCIM_TOKEN: '' };
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => run(tsx, ['src/cli/main.ts', ...args]);
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? '';

beforeAll(() => {
  redis = connectRedis();
  service = new TokenService(new RedisTokenStore(redis, redisKeys(prefix)));
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('token CLI', () => {
  it('when "token create --name okta" runs, then the last stdout line is a token that verifies and list never shows it', async () => {
    const created = await cli('token', 'create', '--name', 'okta');
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    const token = lastLine(created.stdout);
    expect(token).toMatch(/^scb_[A-Za-z0-9_-]{43}$/);
    const verified = await service.verify(token);
    expect(verified).not.toBeNull();

    const listed = await cli('token', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+CREATED\s+LAST USED\s+EXPIRES\s+TYPE$/m);
    expect(listed.stdout).toContain(verified?.tokenId);
    expect(listed.stdout + listed.stderr).not.toContain(token);
    expect(listed.stdout + listed.stderr).not.toContain(token.slice(4));
  });

  it('when "token rotate <id> --grace 1h" runs, then the new token is the last stdout line and the old one still works', async () => {
    const old = await service.create('okta');
    const rotated = await cli('token', 'rotate', old.id, '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toMatch(new RegExp(`old token ${old.id} keeps working until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ`));
    const token = lastLine(rotated.stdout);
    expect(token).toMatch(/^scb_/);
    expect(token).not.toBe(old.token);
    expect(await service.verify(token)).not.toBeNull();
    expect(await service.verify(old.token)).toEqual({ tokenId: old.id });
  });

  it('when "token revoke <id>" runs, then the token stops working', async () => {
    const { id, token } = await service.create('okta');
    const revoked = await cli('token', 'revoke', id);
    expect(revoked.code).toBe(0);
    expect(await service.verify(token)).toBeNull();
  });

  it('when the bin runs through npm with -s, then "| tail -1" captures the token', async () => {
    const piped = await run('/bin/sh', ['-c', 'npm run -s token -- create --name piped 2>/dev/null | tail -1']);
    expect(piped.code).toBe(0);
    expect(await service.verify(piped.stdout.trim())).not.toBeNull();
  });

  it('when the scim-bridge bin runs, then it runs the CLI (the build when there is one, else the TypeScript source through tsx)', async () => {
    const listed = await run(process.execPath, ['bin/scim-bridge.js', 'token', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('NAME');
  });

  it.each([
    [['token']],
    [['token', 'explode']],
    [['nope']],
    [[]],
    [['token', 'create']],
    [['token', 'create', '--name', 'a', '--colour', 'red']],
    [['token', 'rotate']],
    [['token', 'rotate', 'abc', '--grace', '24']],
    [['token', 'revoke', 'a', 'b']],
  ])('when the arguments are %j, then usage goes to stderr and the exit code is 2', async (args) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: scim-bridge');
    expect(result.stdout).toBe('');
  });

  it('when the id is unknown, then one line names it, without a stack, and the exit code is 1', async () => {
    const result = await cli('token', 'revoke', 'missing-id');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: no token "missing-id"; npm run token -- list shows the tokens');
  });
});
