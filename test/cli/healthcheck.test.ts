/**
 * `scim-bridge healthcheck`, the image's HEALTHCHECK, run in process with an environment of its
 * own: exit 0 and one line on stdout when healthy, exit 1 and one `error: unhealthy: ...` line on
 * stderr otherwise. The api case asks a real bridge; the worker case reads the real Redis.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import os from 'node:os';
import { PassThrough } from 'node:stream';
import '../../src/cli/main';
import { HEALTHCHECK_TIMEOUT_MS, ownHealthz } from '../../src/cli/healthcheck-command';
import { runCli } from '../../src/cli/run-cli';
import { createSilentLogger } from '../../src/logging/logger';
import { WorkerHeartbeat, heartbeatKey } from '../../src/lifecycle/worker-heartbeat';
import { startHarness, type Harness } from '../support/bridge-harness';
import { TEST_REDIS_URL, connectRedis, deletePrefix, uniquePrefix } from '../support/redis';
import { hasOpenssl, makeSelfSignedCert, type SelfSignedCert } from '../support/self-signed-cert';

async function healthcheck(env: NodeJS.ProcessEnv, ...args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const started = Date.now();
  const code = await runCli(['healthcheck', ...args], { stdout, stderr, env });
  return { code, stdout: out, stderr: err, ms: Date.now() - started };
}

/** A server on a port of its own answering `status` to every request, or never answering. */
async function stubServer(answer: number | 'never', options: { host?: string; tls?: { cert: string; key: string } } = {}) {
  const handler: http.RequestListener = (req, res) => {
    if (answer === 'never') return;
    res.writeHead(answer, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  };
  const server = options.tls
    ? https.createServer({ cert: fs.readFileSync(options.tls.cert), key: fs.readFileSync(options.tls.key) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const oneLine = (text: string) => expect(text.trimEnd().split('\n')).toHaveLength(1);

describe('scim-bridge healthcheck, BRIDGE_ROLE api or all', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ role: 'api', log: { level: 'error' } });
  });
  afterAll(() => h.stop());

  it('when the api answers /healthz on PORT and HOST, then it exits 0 with one line naming what answered', async () => {
    const port = new URL(h.bridge.url!).port;
    const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: port, HOST: '127.0.0.1' });
    expect(result).toEqual({ code: 0, stdout: `healthy: http://127.0.0.1:${port}/healthz answered 200\n`, stderr: '', ms: expect.any(Number) });
  });

  it('when HOST is 0.0.0.0 (the default), then it asks 127.0.0.1; BRIDGE_ROLE all is checked the same way', async () => {
    const stub = await stubServer(200, { host: '0.0.0.0' });
    try {
      const result = await healthcheck({ BRIDGE_ROLE: 'all', PORT: String(stub.port) });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`healthy: http://127.0.0.1:${stub.port}/healthz answered 200\n`);
    } finally {
      await stub.close();
    }
  });

  it('when nothing listens on PORT, then it exits 1 with one line saying so', async () => {
    const stub = await stubServer(200);
    await stub.close();
    const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: String(stub.port), HOST: '127.0.0.1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: unhealthy: http://127\\.0\\.0\\.1:${stub.port}/healthz: connect ECONNREFUSED`));
    oneLine(result.stderr);
  });

  it('when /healthz answers 503, then it exits 1', async () => {
    const stub = await stubServer(503);
    try {
      const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: String(stub.port), HOST: '127.0.0.1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: unhealthy: http://127.0.0.1:${stub.port}/healthz answered 503\n`);
    } finally {
      await stub.close();
    }
  });

  it("when the server never answers, then it gives up after its own timeout, before Docker's", async () => {
    const stub = await stubServer('never');
    try {
      const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: String(stub.port), HOST: '127.0.0.1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: unhealthy: http://127.0.0.1:${stub.port}/healthz: no answer within ${HEALTHCHECK_TIMEOUT_MS / 1000} s\n`);
      expect(result.ms).toBeGreaterThanOrEqual(HEALTHCHECK_TIMEOUT_MS - 100);
      expect(result.ms).toBeLessThan(HEALTHCHECK_TIMEOUT_MS + 1500);
    } finally {
      await stub.close();
    }
  });

  it('when the configuration is invalid, then it exits 1 with the configuration error', async () => {
    const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: invalid configuration: .*PORT/);
    oneLine(result.stderr);
  });
});

if (!hasOpenssl) console.warn('openssl not found: the healthcheck TLS test is skipped (install openssl to run it)');

(hasOpenssl ? describe : describe.skip)('scim-bridge healthcheck with TLS_CERT', () => {
  let tls: SelfSignedCert;
  beforeAll(() => {
    // A certificate for the public name, as in production: it does not name 127.0.0.1.
    tls = makeSelfSignedCert('healthcheck-tls', 'scim.example.com');
  });
  afterAll(() => tls?.remove());

  it('when the api serves HTTPS with a certificate for its public name, then it asks https://127.0.0.1 and is healthy', async () => {
    const stub = await stubServer(200, { tls });
    try {
      const result = await healthcheck({ BRIDGE_ROLE: 'api', PORT: String(stub.port), TLS_CERT: tls.cert, TLS_KEY: tls.key });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`healthy: https://127.0.0.1:${stub.port}/healthz answered 200\n`);
    } finally {
      await stub.close();
    }
  });
});

describe('ownHealthz: where the api of this container listens', () => {
  const base = { port: 8080, host: '0.0.0.0', tlsCert: '', tlsKey: '' } as Parameters<typeof ownHealthz>[0];

  it('asks loopback when HOST is every address, the one address otherwise, in brackets for IPv6', () => {
    expect(ownHealthz(base)).toEqual(['http://127.0.0.1:8080/healthz', { insecureLoopbackTls: false }]);
    expect(ownHealthz({ ...base, host: '::' })[0]).toBe('http://127.0.0.1:8080/healthz');
    expect(ownHealthz({ ...base, host: '::1' })[0]).toBe('http://[::1]:8080/healthz');
    expect(ownHealthz({ ...base, host: '10.1.2.3', port: 9443 })[0]).toBe('http://10.1.2.3:9443/healthz');
  });

  it('skips certificate verification only for HTTPS on loopback', () => {
    const withTls = { ...base, tlsCert: '/run/cert.pem', tlsKey: '/run/key.pem' };
    expect(ownHealthz(withTls)).toEqual(['https://127.0.0.1:8080/healthz', { insecureLoopbackTls: true }]);
    expect(ownHealthz({ ...withTls, host: 'localhost' })[1]).toEqual({ insecureLoopbackTls: true });
    expect(ownHealthz({ ...withTls, host: '10.1.2.3' })).toEqual(['https://10.1.2.3:8080/healthz', { insecureLoopbackTls: false }]);
  });
});

describe('scim-bridge healthcheck, BRIDGE_ROLE worker', () => {
  const prefix = uniquePrefix('healthcheck');
  const env = { BRIDGE_ROLE: 'worker', REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
  let redis: Redis;
  beforeAll(() => {
    redis = connectRedis();
  });
  afterAll(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('when no worker of this host wrote a heartbeat, then it exits 1 naming the host and the key it looked for', async () => {
    const result = await healthcheck(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: unhealthy: no worker heartbeat of host ${os.hostname()} in Redis (${prefix}:worker:heartbeat:${os.hostname()}-*`);
    oneLine(result.stderr);
  });

  it('when only a worker of another host beats, then this host is still unhealthy', async () => {
    await redis.set(
      heartbeatKey(prefix, 'another-host-1'),
      JSON.stringify({ hostname: 'another-host', pid: 1, startedAt: new Date().toISOString(), at: new Date().toISOString() }),
      'EX',
      30,
    );
    const result = await healthcheck(env);
    expect(result.code).toBe(1);
    await redis.del(heartbeatKey(prefix, 'another-host-1'));
  });

  it('when a worker of this host beats, then it exits 0 naming its key and how fresh it is; once it stops, 1 again', async () => {
    const heartbeat = new WorkerHeartbeat(redis, prefix, createSilentLogger(), { pid: 4242 });
    heartbeat.start();
    await new Promise((r) => setTimeout(r, 50));
    const healthy = await healthcheck(env);
    expect(healthy).toEqual({
      code: 0,
      stdout: `healthy: worker heartbeat ${prefix}:worker:heartbeat:${os.hostname()}-4242 written 0 s ago\n`,
      stderr: '',
      ms: expect.any(Number),
    });
    await heartbeat.stop();
    expect((await healthcheck(env)).code).toBe(1);
  });

  it('when Redis cannot be reached, then it exits 1 at once, naming REDIS_URL but not its value', async () => {
    const result = await healthcheck({ ...env, REDIS_URL: 'redis://:s3cret@127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: unhealthy: cannot reach Redis \(REDIS_URL\): .*ECONNREFUSED/);
    expect(result.stderr).not.toContain('s3cret');
    expect(result.ms).toBeLessThan(HEALTHCHECK_TIMEOUT_MS);
  });
});

describe('scim-bridge healthcheck --url (the simulator)', () => {
  it('when the URL answers 2xx, then it exits 0 without reading the configuration', async () => {
    const stub = await stubServer(200);
    try {
      const url = `http://127.0.0.1:${stub.port}/SecretServer/_sim/stats`;
      // An environment the bridge would refuse: --url reads none of it.
      const result = await healthcheck({ BRIDGE_ROLE: 'simulator', PORT: 'none' }, '--url', url);
      expect(result).toEqual({ code: 0, stdout: `healthy: ${url} answered 200\n`, stderr: '', ms: expect.any(Number) });
    } finally {
      await stub.close();
    }
  });

  it('when the URL answers 500, is not http(s), or is no URL, then it exits 1', async () => {
    const stub = await stubServer(500);
    try {
      expect((await healthcheck({}, '--url', `http://127.0.0.1:${stub.port}/`)).stderr).toBe(`error: unhealthy: http://127.0.0.1:${stub.port}/ answered 500\n`);
    } finally {
      await stub.close();
    }
    expect(await healthcheck({}, '--url', 'ftp://127.0.0.1/')).toMatchObject({ code: 1, stderr: 'error: unhealthy: ftp://127.0.0.1/ is not http(s)\n' });
    expect(await healthcheck({}, '--url', 'not a url')).toMatchObject({ code: 1, stderr: 'error: unhealthy: "not a url" is not a URL\n' });
  });

  it('when it gets an argument it does not know, then it exits 2 with its usage', async () => {
    const result = await healthcheck({}, 'now');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unexpected argument "now"/);
    expect(result.stderr).toContain('scim-bridge healthcheck --url <url>');
  });
});
