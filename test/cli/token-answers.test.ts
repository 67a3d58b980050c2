import type Redis from 'ioredis';
import { TokenService } from '../../src/domain/token-service';
import { redisKeys } from '../../src/store/redis-keys';
import { RedisTokenStore } from '../../src/store/token-store';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { expectAlignedTable, lastLine, lines, runCli } from './cli-child';

const TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
const TOKEN = /^scb_[A-Za-z0-9_-]{43}$/;
const prefix = uniquePrefix('cli-token');
const emptyPrefix = uniquePrefix('cli-token-empty');
const cli = (...args: string[]) => runCli(prefix, ...args);
let redis: Redis;
let service: TokenService;

beforeAll(() => {
  redis = connectRedis();
  service = new TokenService(new RedisTokenStore(redis, redisKeys(prefix)));
});

afterAll(async () => {
  await deletePrefix(redis, prefix);
  await deletePrefix(redis, emptyPrefix);
  await redis.quit();
});

describe('token CLI answers', () => {
  it('when there are no tokens, then "token list" prints "no tokens" alone on stdout, a hint on stderr, and exits 0', async () => {
    const listed = await runCli(emptyPrefix, 'token', 'list');
    expect(listed).toEqual({ code: 0, stdout: 'no tokens\n', stderr: 'Create one with: npm run token -- create --name okta\n' });
  });

  it('when there are tokens, then "token list" prints the header row, then one aligned row per token', async () => {
    const live = await service.create('okta');
    const revoked = await service.create('entra-provisioning');
    await service.revoke(revoked.id);
    const listed = await cli('token', 'list');
    expect(listed.code).toBe(0);
    const rows = expectAlignedTable(listed.stdout, ['ID', 'NAME', 'CREATED', 'LAST USED', 'EXPIRES', 'TYPE']);
    expect(rows.find((r) => r.startsWith(live.id))).toMatch(new RegExp(`^${live.id} +okta +${TIME} +never +- +bearer$`));
    expect(rows.find((r) => r.startsWith(revoked.id))).toMatch(
      new RegExp(`^${revoked.id} +entra-provisioning +${TIME} +never +${TIME} \\(expired\\) +bearer$`),
    );
  });

  it('when "token create" runs, then the token is alone on the last stdout line (and stdout holds nothing else)', async () => {
    const created = await cli('token', 'create', '--name', 'okta');
    expect(created.code).toBe(0);
    expect(lines(created.stdout)).toHaveLength(1);
    expect(lastLine(created.stdout)).toMatch(TOKEN);
    expect(await service.verify(lastLine(created.stdout))).not.toBeNull();
  });

  it('when "token rotate" runs, then the new token is alone on the last stdout line', async () => {
    const old = await service.create('okta');
    const rotated = await cli('token', 'rotate', old.id, '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(lines(rotated.stdout)).toHaveLength(1);
    expect(lastLine(rotated.stdout)).toMatch(TOKEN);
    expect(await service.verify(lastLine(rotated.stdout))).not.toBeNull();
  });

  it.each([[['token', 'revoke', 'nosuchtoken']], [['token', 'rotate', 'nosuchtoken']], [['token', 'rotate', 'nosuchtoken', '--grace', '24h']]])(
    'when %j names no token, then one stderr line names the id and the list command, and the exit code is 1',
    async (args) => {
      const result = await cli(...args);
      expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: no token "nosuchtoken"; npm run token -- list shows the tokens\n' });
    },
  );

  it('when "token revoke" runs twice, then the first revokes and the second says it was already revoked, with the date, both exit 0', async () => {
    const { id, token } = await service.create('okta');
    const first = await cli('token', 'revoke', id);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^Revoked token ${id} \\(okta\\); it stopped working at ${TIME}\\.\\n$`));
    const stoppedAt = first.stdout.match(new RegExp(TIME))?.[0];

    const second = await cli('token', 'revoke', id);
    expect(second).toEqual({ code: 0, stdout: `token "${id}" was already revoked on ${stoppedAt}; nothing changed\n`, stderr: '' });
    expect(await service.verify(token)).toBeNull();
  });

  it('when the token was rotated out already, then "token revoke" says it was already replaced, and exits 0', async () => {
    const old = await service.create('okta');
    const rotated = await service.rotate(old.id, 0);
    const result = await cli('token', 'revoke', old.id);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^token "${old.id}" was already replaced by ${rotated.id} and stopped working on ${TIME}; nothing changed\\n$`));
  });

  it('when the token is still in its rotation grace, then "token revoke" ends the grace now', async () => {
    const old = await service.create('okta');
    await service.rotate(old.id, 3600_000);
    const result = await cli('token', 'revoke', old.id);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Revoked token ${old.id} \\(okta\\); it stopped working at ${TIME}\\.\\n$`));
    expect(await service.verify(old.token)).toBeNull();
  });
});
