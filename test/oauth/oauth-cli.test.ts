/**
 * `npm run oauth -- client ...` as an operator runs it (a child process against the real Redis):
 * the id and secret as the last two stdout lines, once; list without secrets; revoke; and bad
 * redirect URIs refused as usage errors before Redis is touched.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type Redis from 'ioredis';
import { OAuthClients } from '../../src/oauth/oauth-clients';
import { OAuthStore } from '../../src/oauth/oauth-store';
import { redisKeys } from '../../src/store/redis-keys';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const prefix = uniquePrefix('oauth-cli');
let redis: Redis;
let clients: OAuthClients;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  const env = { ...process.env, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, SCIM_TOKEN: '' };
  return new Promise((resolve) => {
    execFile(tsx, ['src/cli/main.ts', 'oauth', ...args], { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  redis = connectRedis();
  clients = new OAuthClients(new OAuthStore(redis, redisKeys(prefix)));
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  await redis.quit();
});

describe('oauth CLI', () => {
  it('when "client create" runs, then the last two stdout lines are client_id and client_secret, the secret authenticates, and list never shows it', async () => {
    const created = await cli('client', 'create', '--name', 'okta', '--redirect-uri', 'https://okta.example.test/oauth/callback');
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('shown only this once');
    const lines = created.stdout.trimEnd().split('\n');
    const [idLine, secretLine] = lines.slice(-2);
    expect(idLine).toMatch(/^client_id scbc_[0-9a-f]{24}$/);
    expect(secretLine).toMatch(/^client_secret scbcs_[A-Za-z0-9_-]{43}$/);
    const id = idLine.split(' ')[1];
    const secret = secretLine.split(' ')[1];
    expect(await clients.authenticate(id, secret)).toMatchObject({ id, name: 'okta' });
    expect(await clients.authenticate(id, `${secret}x`)).toBeUndefined();
    expect(JSON.stringify(await redis.hgetall(`${prefix}:oauth:clients`))).not.toContain(secret);

    const listed = await cli('client', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+REDIRECT URIS\s+CREATED\s+REVOKED/);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('https://okta.example.test/oauth/callback');
    expect(listed.stdout).not.toContain(secret);

    const revoked = await cli('client', 'revoke', id);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked OAuth client ${id}`);
    expect(await clients.authenticate(id, secret)).toBeUndefined();
    const again = await cli('client', 'revoke', id);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
  });

  it.each([
    ['http://okta.example.test/callback', 'use https'],
    ['okta.example.test/callback', 'not an absolute URL'],
    ['https://okta.example.test/cb#frag', 'fragment'],
    ['javascript:alert(1)', 'use https'],
  ])('when the redirect URI is %s, then a usage error naming it, exit 2', async (uri, reason) => {
    const run = await cli('client', 'create', '--name', 'okta', '--redirect-uri', uri);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`invalid --redirect-uri "${uri}"`);
    expect(run.stderr).toContain(reason);
  });

  it('when the redirect URI is plain http to loopback, or --redirect-uri is missing, or the id is unknown, then each answers as it should', async () => {
    const loopback = await cli('client', 'create', '--name', 'curl', '--redirect-uri', 'http://127.0.0.1:9999/callback');
    expect(loopback.code).toBe(0);
    const missing = await cli('client', 'create', '--name', 'okta');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--redirect-uri is required');
    const unknown = await cli('client', 'revoke', 'scbc_nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no OAuth client "scbc_nope"');
  });
});
