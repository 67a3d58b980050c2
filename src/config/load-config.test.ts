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

  const long = 'a'.repeat(40);
  it.each([
    ['SCIM_TOKEN', { SCIM_TOKEN: 'try-me' }, /auth\.scimToken \(SCIM_TOKEN\): is a published example value/],
    ['SCIM_TOKEN', { SCIM_TOKEN: 'short-but-not-known' }, /SCIM_TOKEN\): must be at least 32 characters/],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'change-me-admin' }, /ADMIN_TOKEN\): is a published example value/],
    ['ADMIN_TOKEN', { SCIM_TOKEN: long, ADMIN_TOKEN: long }, /ADMIN_TOKEN\): must differ from SCIM_TOKEN/],
    [
      'SS_PASSWORD',
      { SS_BASE_URL: 'https://vault.example.com/SecretServer' },
      /SS_PASSWORD\): must be set for a Secret Server that is not the local simulator/,
    ],
    ['TRUST_PROXY', { TRUST_PROXY: 'yes please' }, /TRUST_PROXY/],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY/],
    ['PUBLIC_BASE_URL', { PUBLIC_BASE_URL: 'scim.example.com' }, /PUBLIC_BASE_URL/],
    ['SS_PLATFORM', { SS_PLATFORM: 'yes' }, /SS_PLATFORM/],
  ])('when %s is weak or misspelt (%j), then loading fails naming it', (_name, env, pattern) => {
    expect(() => loadConfig({}, env)).toThrow(pattern);
  });

  it('when tokens are long and distinct, proxies are listed and a real Secret Server has its own password, then the configuration loads', () => {
    const config = loadConfig(
      {},
      {
        SCIM_TOKEN: long,
        ADMIN_TOKEN: 'b'.repeat(40),
        TRUST_PROXY: 'loopback, 10.0.0.0/8, 2001:db8::1',
        PUBLIC_BASE_URL: 'https://scim.example.com',
        SS_BASE_URL: 'https://vault.example.com/SecretServer',
        SS_PASSWORD: 'a-real-one',
      },
    );
    expect(config.http).toMatchObject({ trustProxy: 'loopback, 10.0.0.0/8, 2001:db8::1', publicBaseUrl: 'https://scim.example.com' });
  });

  it.each([
    ['SCIM_TOKEN', { SCIM_TOKEN: 'try-me' }],
    ['SCIM_TOKEN', { SCIM_TOKEN: 'too-short-for-a-token' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'change-me-admin' }],
    ['ADMIN_TOKEN', { SCIM_TOKEN: long, ADMIN_TOKEN: long }],
    ['SS_PASSWORD', { SS_BASE_URL: 'https://vault.example.com/SecretServer' }],
  ])('when a weak %s is set at start-up (%j), then the process exits 78 with one line naming it', (name, env) => {
    const clean = { ...process.env };
    for (const key of ['SCIM_TOKEN', 'ADMIN_TOKEN', 'SS_PASSWORD', 'SS_BASE_URL']) delete clean[key];
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^invalid configuration: \\S+ \\(${name}\\): `));
  });

  it('when the process starts with an invalid value, then it exits non-zero naming the key', () => {
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(78);
    expect(result.stderr).toMatch(/http\.port \(PORT\)/);
  });
});
