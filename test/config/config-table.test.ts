/**
 * Every variable of README's configuration table: a good value loads, a bad one is refused with
 * one line naming the variable (and the value, unless it is sensitive). main.ts turns that
 * ConfigError into the line on stderr and exit 78; a few cases spawn the real entry point to
 * prove it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, schemaSettings } from '../../src/config/load-config';
import type { BridgeConfig } from '../../src/config/config-schema';

type Env = Record<string, string>;

interface Row {
  variable: string;
  good: Env;
  /** What the good value became in the loaded configuration. */
  loaded: (config: BridgeConfig) => unknown;
  expected: unknown;
  bad: Env;
  message: RegExp;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-bridge-config-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
const made = spawnSync('openssl', [
  'req',
  '-x509',
  '-newkey',
  'ec',
  '-pkeyopt',
  'ec_paramgen_curve:prime256v1',
  '-nodes',
  '-subj',
  '/CN=localhost',
  '-days',
  '1',
  '-keyout',
  key,
  '-out',
  cert,
]);
if (made.status !== 0) throw new Error('openssl is needed to make a test certificate');
const notPem = path.join(dir, 'not-pem.txt');
fs.writeFileSync(notPem, 'not a certificate\n');
const token = 'a'.repeat(40);
const adminToken = 'b'.repeat(40);
const remote = 'https://vault.example.com/SecretServer';

const rows: Row[] = [
  {
    variable: 'PORT',
    good: { PORT: '9090' },
    loaded: (c) => c.http.port,
    expected: 9090,
    bad: { PORT: '80x' },
    message: /must be a whole number from 0 to 65535; got "80x"$/,
  },
  {
    variable: 'HOST',
    good: { HOST: '127.0.0.1' },
    loaded: (c) => c.http.host,
    expected: '127.0.0.1',
    bad: { HOST: 'local host' },
    message: /must be an IP address or a host name.*; got "local host"$/,
  },
  {
    variable: 'TRUST_PROXY',
    good: { TRUST_PROXY: 'loopback, 10.0.0.0/8' },
    loaded: (c) => c.http.trustProxy,
    expected: 'loopback, 10.0.0.0/8',
    bad: { TRUST_PROXY: 'yes' },
    message: /must be off, a hop count.*; got "yes"$/,
  },
  {
    variable: 'PUBLIC_BASE_URL',
    good: { PUBLIC_BASE_URL: 'https://scim.example.com' },
    loaded: (c) => c.http.publicBaseUrl,
    expected: 'https://scim.example.com',
    bad: { PUBLIC_BASE_URL: 'scim.example.com' },
    message: /must be an absolute URL.*got "scim.example.com"$/,
  },
  {
    variable: 'HTTP_MAX_CONNECTIONS',
    good: { HTTP_MAX_CONNECTIONS: '64' },
    loaded: (c) => c.http.maxConnections,
    expected: 64,
    bad: { HTTP_MAX_CONNECTIONS: '0' },
    message: /must be from 1 to 1000000; got 0$/,
  },
  {
    variable: 'REDIS_URL',
    good: { REDIS_URL: 'rediss://:pw@redis.example.com:6380/2' },
    loaded: (c) => c.redis.url,
    expected: 'rediss://:pw@redis.example.com:6380/2',
    bad: { REDIS_URL: 'http://:hunter2@redis.example.com' },
    message: /must be an absolute redis or rediss URL; value hidden \(sensitive\)$/,
  },
  {
    variable: 'REDIS_PREFIX',
    good: { REDIS_PREFIX: 'bridge-eu' },
    loaded: (c) => c.redis.prefix,
    expected: 'bridge-eu',
    bad: { REDIS_PREFIX: '' },
    message: /must be a non-empty name.*; got ""$/,
  },
  {
    variable: 'REDIS_SENTINELS',
    good: { REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380' },
    loaded: (c) => c.redis.sentinels,
    expected: '10.0.0.1:26379, [::1]:26380',
    bad: { REDIS_SENTINELS: 'garbage' },
    message: /must be host:port pairs.*; got "garbage"$/,
  },
  {
    variable: 'REDIS_CLUSTER_NODES',
    good: { REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001' },
    loaded: (c) => c.redis.clusterNodes,
    expected: '127.0.0.1:7000,127.0.0.1:7001',
    bad: { REDIS_CLUSTER_NODES: 'node-a' },
    message: /must be host:port pairs.*; got "node-a"$/,
  },
  {
    variable: 'REDIS_CLUSTER_WAIT_MS',
    good: { REDIS_CLUSTER_WAIT_MS: '250' },
    loaded: (c) => c.redis.clusterWaitMs,
    expected: 250,
    bad: { REDIS_CLUSTER_WAIT_MS: '60001' },
    message: /must be from 0 to 60000; got 60001$/,
  },
  {
    variable: 'REDIS_SENTINEL_NAME',
    good: { REDIS_SENTINEL_NAME: 'primary-eu' },
    loaded: (c) => c.redis.sentinelName,
    expected: 'primary-eu',
    bad: { REDIS_SENTINEL_NAME: 'my master' },
    message: /must be a non-empty name.*; got "my master"$/,
  },
  {
    variable: 'SCIM_TOKEN',
    good: { SCIM_TOKEN: token },
    loaded: (c) => c.auth.scimToken,
    expected: token,
    bad: { SCIM_TOKEN: 'try-me' },
    message: /is a published example value/,
  },
  {
    variable: 'SCIM_AUTH_SCHEMES',
    good: { SCIM_AUTH_SCHEMES: 'basic, bearer' },
    loaded: (c) => c.auth.schemes,
    expected: 'basic, bearer',
    bad: { SCIM_AUTH_SCHEMES: 'bearer,basci' },
    message: /must be one or more of bearer, basic, oauth, separated by commas; "basci" is none of them; got "bearer,basci"$/,
  },
  {
    variable: 'ADMIN_TOKEN',
    good: { ADMIN_TOKEN: adminToken },
    loaded: (c) => c.auth.adminToken,
    expected: adminToken,
    bad: { ADMIN_TOKEN: 'short' },
    message: /must be at least 32 characters/,
  },
  {
    variable: 'LOG_LEVEL',
    good: { LOG_LEVEL: 'debug' },
    loaded: (c) => c.log.level,
    expected: 'debug',
    bad: { LOG_LEVEL: 'verbose' },
    message: /must be one of error, warn, info, http, debug; got "verbose"$/,
  },
  {
    variable: 'LOG_FORMAT',
    good: { LOG_FORMAT: 'pretty' },
    loaded: (c) => c.log.format,
    expected: 'pretty',
    bad: { LOG_FORMAT: 'xml' },
    message: /must be one of json, pretty; got "xml"$/,
  },
  {
    variable: 'BRIDGE_ROLE',
    good: { BRIDGE_ROLE: 'worker' },
    loaded: (c) => c.role,
    expected: 'worker',
    bad: { BRIDGE_ROLE: 'everything' },
    message: /must be one of all, api, worker; got "everything"$/,
  },
  {
    variable: 'SS_BASE_URL',
    good: { SS_BASE_URL: 'http://localhost:8090/SecretServer' },
    loaded: (c) => c.secretServer.baseUrl,
    expected: 'http://localhost:8090/SecretServer',
    bad: { SS_BASE_URL: 'not-a-url' },
    message: /must be an absolute http or https URL; got "not-a-url"$/,
  },
  {
    variable: 'SS_PLATFORM',
    good: { SS_PLATFORM: 'true' },
    loaded: (c) => c.secretServer.platform,
    expected: 'true',
    bad: { SS_PLATFORM: 'yes' },
    message: /must be one of auto, true, false; got "yes"$/,
  },
  {
    variable: 'SS_USERNAME',
    good: { SS_USERNAME: 'svc-scim' },
    loaded: (c) => c.secretServer.username,
    expected: 'svc-scim',
    bad: { SS_USERNAME: '' },
    message: /must be a non-empty name.*; got ""$/,
  },
  {
    variable: 'SS_PASSWORD',
    good: { SS_BASE_URL: remote, SS_PASSWORD: 'a-real-one' },
    loaded: (c) => c.secretServer.password,
    expected: 'a-real-one',
    bad: { SS_PASSWORD: 'pass\nword' },
    message: /must be text without control characters; value hidden \(sensitive\)$/,
  },
  {
    variable: 'SS_PROTECTED_USERS',
    good: { SS_PROTECTED_USERS: 'admin, break.glass@example.com' },
    loaded: (c) => c.secretServer.protectedUsers,
    expected: 'admin, break.glass@example.com',
    bad: { SS_PROTECTED_USERS: 'admin,,root' },
    message: /separated by single commas; got "admin,,root"$/,
  },
  {
    variable: 'SS_DOMAIN',
    good: { SS_DOMAIN: 'corp.example.com' },
    loaded: (c) => c.secretServer.domain,
    expected: 'corp.example.com',
    bad: { SS_DOMAIN: 'CORP\\scim' },
    message: /must be the domain alone.*; got "CORP\\\\scim"$/,
  },
  {
    variable: 'SS_USERNAME_FORMAT',
    good: { SS_USERNAME_FORMAT: 'scim-username' },
    loaded: (c) => c.secretServer.usernameFormat,
    expected: 'scim-username',
    bad: { SS_USERNAME_FORMAT: 'upn' },
    message: /must be one of email, email-local-part, scim-username; got "upn"$/,
  },
  {
    variable: 'SS_TIMEOUT_MS',
    good: { SS_TIMEOUT_MS: '5000' },
    loaded: (c) => c.secretServer.timeoutMs,
    expected: 5000,
    bad: { SS_TIMEOUT_MS: '0' },
    message: /must be from 1 to 600000; got 0$/,
  },
  {
    variable: 'SS_MAX_RPS',
    good: { SS_MAX_RPS: '0' },
    loaded: (c) => c.secretServer.maxRps,
    expected: 0,
    bad: { SS_MAX_RPS: '-1' },
    message: /must be from 0 to 100000; got -1$/,
  },
  {
    variable: 'SS_PAGE_SIZE',
    good: { SS_PAGE_SIZE: '100' },
    loaded: (c) => c.secretServer.pageSize,
    expected: 100,
    bad: { SS_PAGE_SIZE: '999999999' },
    message: /must be from 1 to 10000; got 999999999$/,
  },
  {
    variable: 'SS_ACCOUNT_VIEW_MAX_AGE_S',
    good: { SS_ACCOUNT_VIEW_MAX_AGE_S: '0' },
    loaded: (c) => c.secretServer.accountViewMaxAgeS,
    expected: 0,
    bad: { SS_ACCOUNT_VIEW_MAX_AGE_S: '3601' },
    message: /must be from 0 to 3600; got 3601$/,
  },
  {
    variable: 'SS_DRY_RUN',
    good: { SS_DRY_RUN: '0' },
    loaded: (c) => c.secretServer.dryRun,
    expected: false,
    bad: { SS_DRY_RUN: 'off' },
    message: /must be true or false \(or 1 or 0\); got "off"$/,
  },
  {
    variable: 'SS_IMPORT_INTERVAL_S',
    good: { SS_IMPORT_INTERVAL_S: '900' },
    loaded: (c) => c.import.intervalS,
    expected: 900,
    bad: { SS_IMPORT_INTERVAL_S: '15m' },
    message: /must be a whole number from 0 to 604800; got "15m"$/,
  },
  {
    variable: 'IMPORT_REFRESH_AGE_S',
    good: { IMPORT_REFRESH_AGE_S: '0' },
    loaded: (c) => c.import.refreshAgeS,
    expected: 0,
    bad: { IMPORT_REFRESH_AGE_S: '5m' },
    message: /must be a whole number from 0 to 604800; got "5m"$/,
  },
  {
    variable: 'IMPORT_REFRESH_WAIT_S',
    good: { IMPORT_REFRESH_WAIT_S: '10' },
    loaded: (c) => c.import.refreshWaitS,
    expected: 10,
    bad: { IMPORT_REFRESH_WAIT_S: '60' },
    message: /must be from 0 to 50; got 60$/,
  },
  {
    variable: 'IMPORT_FAMILY_NAME_PLACEHOLDER',
    good: { IMPORT_FAMILY_NAME_PLACEHOLDER: '(none)' },
    loaded: (c) => c.import.familyNamePlaceholder,
    expected: '(none)',
    bad: { IMPORT_FAMILY_NAME_PLACEHOLDER: ' ' },
    message: /must not be empty; got " "$/,
  },
  {
    variable: 'WORKER_CONCURRENCY',
    good: { WORKER_CONCURRENCY: '32' },
    loaded: (c) => c.worker.concurrency,
    expected: 32,
    bad: { WORKER_CONCURRENCY: '0' },
    message: /must be from 1 to 1000; got 0$/,
  },
  {
    variable: 'JOB_ATTEMPTS',
    good: { JOB_ATTEMPTS: '3' },
    loaded: (c) => c.worker.attempts,
    expected: 3,
    bad: { JOB_ATTEMPTS: 'many' },
    message: /must be a whole number from 1 to 1000; got "many"$/,
  },
  {
    variable: 'JOB_BACKOFF_MS',
    good: { JOB_BACKOFF_MS: '250' },
    loaded: (c) => c.worker.backoffMs,
    expected: 250,
    bad: { JOB_BACKOFF_MS: '1.5' },
    message: /must be a whole number from 1 to 3600000; got "1.5"$/,
  },
  {
    variable: 'BREAKER_FAILURE_THRESHOLD',
    good: { BREAKER_FAILURE_THRESHOLD: '10' },
    loaded: (c) => c.breaker.failureThreshold,
    expected: 10,
    bad: { BREAKER_FAILURE_THRESHOLD: '0' },
    message: /must be from 1 to 1000; got 0$/,
  },
  {
    variable: 'BREAKER_OPEN_MS',
    good: { BREAKER_OPEN_MS: '30000' },
    loaded: (c) => c.breaker.openMs,
    expected: 30000,
    bad: { BREAKER_OPEN_MS: '' },
    message: /must be a whole number from 1 to 3600000; got ""$/,
  },
  {
    variable: 'BODY_LIMIT_BYTES',
    good: { BODY_LIMIT_BYTES: '65536' },
    loaded: (c) => c.http.bodyLimitBytes,
    expected: 65536,
    bad: { BODY_LIMIT_BYTES: '1mb' },
    message: /must be a whole number from 1 to 104857600; got "1mb"$/,
  },
  {
    variable: 'AUTH_FAIL_LIMIT',
    good: { AUTH_FAIL_LIMIT: '5' },
    loaded: (c) => c.auth.failLimit,
    expected: 5,
    bad: { AUTH_FAIL_LIMIT: '0' },
    message: /must be from 1 to 1000000; got 0$/,
  },
  {
    variable: 'AUTH_FAIL_WINDOW_S',
    good: { AUTH_FAIL_WINDOW_S: '300' },
    loaded: (c) => c.auth.failWindowS,
    expected: 300,
    bad: { AUTH_FAIL_WINDOW_S: '86401' },
    message: /must be from 1 to 86400; got 86401$/,
  },
  {
    variable: 'ADMIN_SESSION_IDLE_S',
    good: { ADMIN_SESSION_IDLE_S: '900' },
    loaded: (c) => c.auth.sessionIdleS,
    expected: 900,
    bad: { ADMIN_SESSION_IDLE_S: '59' },
    message: /must be from 60 to 86400; got 59$/,
  },
  {
    variable: 'ADMIN_SESSION_MAX_S',
    good: { ADMIN_SESSION_MAX_S: '3600' },
    loaded: (c) => c.auth.sessionMaxS,
    expected: 3600,
    bad: { ADMIN_SESSION_MAX_S: '604801' },
    message: /must be from 60 to 604800; got 604801$/,
  },
  {
    variable: 'TLS_CERT',
    good: { TLS_CERT: cert, TLS_KEY: key },
    loaded: (c) => c.http.tlsCert,
    expected: cert,
    bad: { TLS_CERT: path.join(dir, 'missing.pem'), TLS_KEY: key },
    message: /must be the path of a readable file; got ".*missing\.pem"$/,
  },
  {
    variable: 'TLS_KEY',
    good: { TLS_CERT: cert, TLS_KEY: key },
    loaded: (c) => c.http.tlsKey,
    expected: key,
    bad: { TLS_CERT: cert },
    message: /must be set when TLS_CERT is \(both or neither\)$/,
  },
  {
    variable: 'SHUTDOWN_TIMEOUT_MS',
    good: { SHUTDOWN_TIMEOUT_MS: '5000' },
    loaded: (c) => c.shutdownTimeoutMs,
    expected: 5000,
    bad: { SHUTDOWN_TIMEOUT_MS: '-5' },
    message: /must be from 1 to 600000; got -5$/,
  },
];

const envOf = (variable: string) => schemaSettings().find((s) => s.spec.env === variable);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the configuration table', () => {
  it('when the README and the schema list variables, then each has a row here', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const inReadme = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)`(?:, `([A-Z][A-Z0-9_]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean);
    const inSchema = schemaSettings().map((s) => s.spec.env);
    const covered = new Set(rows.map((r) => r.variable));
    expect(inReadme.length).toBeGreaterThan(30);
    expect(inReadme.filter((v) => !covered.has(v))).toEqual([]);
    expect(inSchema.filter((v) => v && !covered.has(v))).toEqual([]);
  });

  it.each(rows.map((r) => [r.variable, r] as const))('when %s has a good value, then it loads typed', (_variable, row) => {
    expect(row.loaded(loadConfig({}, row.good))).toEqual(row.expected);
  });

  it.each(rows.map((r) => [r.variable, r] as const))('when %s has a bad value, then loading fails with one line naming it', (variable, row) => {
    let error: unknown;
    try {
      loadConfig({}, row.bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(new RegExp(`^invalid configuration: ${envOf(variable)!.path.replace('.', '\\.')} \\(${variable}\\): `));
    expect(message).toMatch(row.message);
    if (envOf(variable)!.spec.sensitive) {
      for (const value of Object.values(row.bad)) expect(message).not.toContain(value);
    }
  });

  it('when TLS_CERT and TLS_KEY are readable but not a certificate and key, then loading fails naming TLS_CERT', () => {
    expect(() => loadConfig({}, { TLS_CERT: notPem, TLS_KEY: key })).toThrow(
      /^invalid configuration: http\.tlsCert \(TLS_CERT\): with TLS_KEY is not a PEM certificate/,
    );
  });

  it.each([
    ['SS_DRY_RUN', { SS_DRY_RUN: 'no' }],
    ['SS_BASE_URL', { SS_BASE_URL: 'not-a-url' }],
    ['WORKER_CONCURRENCY', { WORKER_CONCURRENCY: '0' }],
    ['TLS_KEY', { TLS_CERT: cert }],
    ['REDIS_SENTINELS', { REDIS_SENTINELS: 'garbage' }],
    ['REDIS_URL', { REDIS_URL: 'http://:hunter2@127.0.0.1:6379' }],
    ['SCIM_AUTH_SCHEMES', { SCIM_AUTH_SCHEMES: 'bearer,basci' }],
  ])('when the real process starts with a bad %s, then it exits 78 with one stderr line naming it', (variable, env) => {
    const clean: NodeJS.ProcessEnv = {};
    const inherited = new Set(['PATH', 'HOME', 'TMPDIR', 'npm_config_cache']);
    for (const [name, value] of Object.entries(process.env)) if (inherited.has(name)) clean[name] = value;
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^invalid configuration: \\S+ \\(${variable}\\): `));
    expect(result.stderr).not.toContain('hunter2');
  });

  it('when the real process starts with REDIS_CLUSTER_NODES and REDIS_SENTINELS both set, then it exits 78 with one stderr line naming both', () => {
    const clean: NodeJS.ProcessEnv = {};
    for (const name of ['PATH', 'HOME', 'TMPDIR', 'npm_config_cache']) if (process.env[name] !== undefined) clean[name] = process.env[name];
    const env = { ...clean, REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_SENTINELS: '127.0.0.1:26379' };
    const result = spawnSync('npx', ['tsx', 'src/main.ts'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: redis\.clusterNodes \(REDIS_CLUSTER_NODES\): cannot be set together with REDIS_SENTINELS/);
  });
});
