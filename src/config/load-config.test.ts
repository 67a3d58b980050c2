import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadConfig({}, {});
    expect(config.http.port).toBe(8080);
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.redis.prefix).toBe('scimbridge');
    expect(config.log.format).toBe('json');
    expect(config.role).toBe('all');
  });

  it('when env variables are set, then they win and are typed', () => {
    const config = loadConfig({}, { PORT: '9090', SS_DRY_RUN: 'true', WORKER_CONCURRENCY: '32', SS_USERNAME_FORMAT: 'email-local-part' });
    expect(config.http.port).toBe(9090);
    expect(config.secretServer.dryRun).toBe(true);
    expect(config.worker.concurrency).toBe(32);
    expect(config.secretServer.usernameFormat).toBe('email-local-part');
  });

  it.each([
    ['PORT', 'eighty', /PORT/],
    ['BRIDGE_ROLE', 'everything', /BRIDGE_ROLE/],
    ['LOG_FORMAT', 'xml', /LOG_FORMAT/],
    ['SS_USERNAME_FORMAT', 'upn', /SS_USERNAME_FORMAT/],
  ])('when %s is %s, then loading fails naming the variable', (name, value, pattern) => {
    expect(() => loadConfig({}, { [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({}, { [name]: value })).toThrow(pattern);
  });

  it('when the process starts with an invalid value, then it exits non-zero naming the key', () => {
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/http\.port \(PORT\)/);
  });
});
