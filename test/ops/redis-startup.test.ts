/**
 * Redis unreachable when the process starts: the real entry point listens anyway, says so once per
 * retry interval without stack traces, answers /healthz 200, /readyz and SCIM 503; once a
 * redis-server appears on that port, the workers start by themselves and a pushed user reaches
 * Secret Server.
 */
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createSimulator, SimulatorServer } from '../../simulator/simulator-app';
import { redisLocation } from '../../src/store/redis-reachability';
import { createPrivateRedis, PrivateRedis } from '../support/private-redis';

const SCIM_TOKEN = 'redis-startup-test-token-0123456789abcdef';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const UNREACHABLE = /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; retrying every 2 s/;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis down at start-up', () => {
  let redis: PrivateRedis;
  let simulator: ReturnType<typeof createSimulator>;
  let ss: SimulatorServer;
  let child: ChildProcess;
  const lines: Array<{ at: number; text: string }> = [];
  let base = '';

  beforeAll(async () => {
    redis = await createPrivateRedis();
    simulator = createSimulator();
    ss = await simulator.listen(0);
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: redis.url,
        REDIS_PREFIX: 'redis-startup',
        SCIM_TOKEN,
        SS_BASE_URL: ss.url,
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const collect = (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const complete = partial.split('\n');
      partial = complete.pop()!;
      for (const text of complete.filter(Boolean)) lines.push({ at: Date.now(), text });
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const listening = await until('the listening line', () => lines.find((l) => l.text.includes('scim-bridge listening')));
    base = (JSON.parse(listening.text) as { url: string }).url.replace(/\/scim\/v2$/, '');
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await ss?.close();
    await redis?.stop();
    if (redis) fs.rmSync(redis.dir, { recursive: true, force: true });
  }, 30_000);

  it('when Redis cannot be reached, then the process listens: /healthz 200, /readyz 503 naming Redis', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.checks.redis).toMatchObject({ ok: false, detail: expect.stringMatching(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/) });
  });

  it('when a SCIM request comes while Redis is unreachable, then 503 with Retry-After and a SCIM error body', async () => {
    const res = await fetch(`${base}/scim/v2/Users?startIndex=1&count=2`, { headers: { Authorization: `Bearer ${SCIM_TOKEN}` } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(await res.json()).toEqual({ schemas: [ERROR_SCHEMA], status: '503', detail: "The bridge's store is unavailable; retry later" });
  });

  it('when Redis stays unreachable, then one WARN line per retry interval and no stack trace', async () => {
    await new Promise((r) => setTimeout(r, 4_500));
    const warnings = lines.filter((l) => UNREACHABLE.test(l.text));
    const span = warnings[warnings.length - 1].at - warnings[0].at;
    // One every 2 s, give or take the timer's jitter: never a burst.
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    expect(warnings.length).toBeLessThanOrEqual(Math.round(span / 2000) + 1);
    for (const w of warnings) expect(JSON.parse(w.text)).toMatchObject({ level: 'warn' });
    expect(lines.filter((l) => /"stack"|\n\s+at /.test(l.text))).toEqual([]);
  });

  it('when Redis comes up, then the workers start by themselves and a pushed user reaches Secret Server', async () => {
    await redis.start();
    await until('the workers', () => lines.find((l) => l.text.includes('workers started')));
    await until('/readyz to see Redis', async () => {
      const body = (await (await fetch(`${base}/readyz`)).json()) as { checks: Record<string, { ok: boolean }> };
      return body.checks.redis.ok && body.checks.queue.ok ? true : undefined;
    });
    const email = `after.outage.${Date.now()}@example.com`;
    const created = await fetch(`${base}/scim/v2/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${SCIM_TOKEN}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({ userName: email, name: { givenName: 'After', familyName: 'Outage' }, emails: [{ value: email, primary: true }], active: true }),
    });
    expect(created.status).toBe(201);
    await until('the user in Secret Server', () => ([...simulator.state.users.values()].some((u) => u.emailAddress === email) ? true : undefined));
    const reached = lines.findIndex((l) => l.text.includes('reached Redis at'));
    expect(reached).toBeGreaterThan(-1);
    expect(lines.slice(reached).filter((l) => UNREACHABLE.test(l.text))).toEqual([]);
  }, 40_000);
});

describe('redisLocation', () => {
  it('when REDIS_URL carries a password, then the location shown hides it', () => {
    expect(redisLocation({ url: 'redis://user:hunter2@redis.example.com:6380/2', sentinels: '', sentinelName: 'mymaster', clusterNodes: '' })).toBe(
      'redis://user:***@redis.example.com:6380/2',
    );
  });

  it('when Sentinels are set, then the location names them and the primary', () => {
    expect(redisLocation({ url: 'redis://:pw@x', sentinels: '10.0.0.1:26379', sentinelName: 'mymaster', clusterNodes: '' })).toBe(
      'Sentinels 10.0.0.1:26379 (primary mymaster)',
    );
  });

  it('when Redis Cluster nodes are set, then the location names the seed nodes and no credential', () => {
    const location = redisLocation({ url: 'redis://:hunter2@x', sentinels: '', sentinelName: 'mymaster', clusterNodes: '10.0.0.1:7000,10.0.0.2:7000' });
    expect(location).toBe('Redis Cluster 10.0.0.1:7000,10.0.0.2:7000');
    expect(location).not.toContain('hunter2');
  });
});
