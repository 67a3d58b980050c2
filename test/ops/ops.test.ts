/** Operations: health, readiness, metrics, admin surfaces, token grace, dry run, the demo. */
import { spawn } from 'node:child_process';
import { startHarness, Harness, TEST_ADMIN_TOKEN, TEST_SCIM_TOKEN } from '../support/bridge-harness';
import { createPrivateRedis } from '../support/private-redis';
import { connectRedis, deletePrefix, uniquePrefix } from '../support/redis';

const get = (url: string, token?: string) => fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

describe('operations', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('when /healthz and /readyz are asked, then 200 with every check ok', async () => {
    expect((await get(`${h.bridge.url}/healthz`)).status).toBe(200);
    const ready = await get(`${h.bridge.url}/readyz`);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(ready.status).toBe(200);
    expect(Object.values(body.checks).every((c) => c.ok)).toBe(true);
  });

  it('when Secret Server goes down, then /readyz turns 503 naming it within a few seconds, and 200 again once it is back', async () => {
    // /readyz answers from the last call's outcome and refreshes it in the background when stale,
    // so it is polled, as an orchestrator does.
    const poll = async (status: number) => {
      for (let i = 0; i < 150; i++) {
        const res = await get(`${h.bridge.url}/readyz`);
        if (res.status === status) return res;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`/readyz never answered ${status}`);
    };
    h.simulator.setKnobs({ outage: true });
    try {
      const body = (await (await poll(503)).json()) as { checks: Record<string, { ok: boolean }> };
      expect(body.checks.secretServer.ok).toBe(false);
      expect(body.checks.redis.ok).toBe(true);
    } finally {
      h.simulator.setKnobs({ outage: false });
    }
    await poll(200);
  }, 40_000);

  it('when traffic has flowed, then /metrics has HTTP, queue, job and Secret Server series', async () => {
    const created = await h.scim('POST', '/Users', { userName: `metrics.${Date.now()}@example.com`, emails: [{ value: `metrics.${Date.now()}@example.com` }] });
    expect(created.status).toBe(201);
    await h.waitForSync();
    const text = await (await get(`${h.bridge.url}/metrics`)).text();
    expect(text).toMatch(/scimbridge_http_request_duration_seconds_count\{method="POST",route="\/scim\/v2\/Users\/",status="201"\}/);
    expect(text).toMatch(/scimbridge_queue_jobs\{queue="provision",state="waiting",directory="default"\}/);
    expect(text).toMatch(/scimbridge_job_outcomes_total\{job="sync-user",result="created",directory="default"\}/);
    expect(text).toMatch(/scimbridge_secret_server_call_duration_seconds_count\{endpoint="POST \/api\/v1\/users"/);
    expect(text).toMatch(/scimbridge_secret_server_circuit_open/);
  });

  it('when the SCIM token is used on /admin or the admin token on /scim, then 401 both ways', async () => {
    expect((await get(`${h.bridge.url}/admin/failed`, TEST_SCIM_TOKEN)).status).toBe(401);
    expect((await get(`${h.scimUrl}/Users`, TEST_ADMIN_TOKEN)).status).toBe(401);
    const admin = await get(`${h.bridge.url}/admin/failed`, TEST_ADMIN_TOKEN);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toEqual({ failed: [] });
    expect((await get(`${h.bridge.url}/admin/queues`, TEST_ADMIN_TOKEN)).status).toBe(200);
  });

  it('when a token is rotated with a grace period, then both work until the grace ends, then only the new one', async () => {
    const issued = await h.bridge.container.tokens.create('okta');
    const rotated = await h.bridge.container.tokens.rotate(issued.id, 800);
    const probe = (t: string) => h.scim('GET', '/Users?startIndex=1&count=2', undefined, { Authorization: `Bearer ${t}` });
    expect((await probe(issued.token)).status).toBe(200);
    expect((await probe(rotated.token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await probe(issued.token)).status).toBe(401);
    expect((await probe(rotated.token)).status).toBe(200);
  });

  it('when an admin triggers a resync and a retry, then the endpoints answer and nothing is duplicated', async () => {
    const post = (p: string) =>
      fetch(`${h.bridge.url}${p}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
    const resync = await post('/admin/resync');
    expect(resync.status).toBe(202);
    expect((await post('/admin/failed/retry')).status).toBe(200);
    await h.waitForSync();
    const emails = [...h.simulator.state.users.values()].map((u) => u.emailAddress).filter(Boolean);
    expect(new Set(emails).size).toBe(emails.length);
  });
});

describe('readiness without Redis', () => {
  it('when Redis goes away, then /readyz is 503 naming it, and ready again once Redis is back', async () => {
    const redis = await createPrivateRedis();
    await redis.start();
    const h = await startHarness({ redis: { url: redis.url } });
    try {
      expect((await get(`${h.bridge.url}/readyz`)).status).toBe(200);
      await redis.stop();
      const down = await get(`${h.bridge.url}/readyz`);
      expect(down.status).toBe(503);
      const body = (await down.json()) as { checks: Record<string, { ok: boolean }> };
      expect(body.checks.redis.ok).toBe(false);
      expect((await get(`${h.bridge.url}/healthz`)).status).toBe(200);
      await redis.start();
      const deadline = Date.now() + 15_000;
      while ((await get(`${h.bridge.url}/readyz`)).status !== 200) {
        if (Date.now() > deadline) throw new Error('not ready again after Redis came back');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await h.stop().catch(() => undefined);
      await redis.stop();
    }
  }, 60_000);
});

describe('dry run', () => {
  it('when SS_DRY_RUN is on, then workers make no Secret Server writes', async () => {
    const h = await startHarness({ secretServer: { dryRun: true } });
    try {
      const before = h.simulator.state.users.size;
      await h.scim('POST', '/Users', { userName: 'dry.run@example.com', emails: [{ value: 'dry.run@example.com' }] });
      await h.waitForSync();
      expect(h.simulator.state.users.size).toBe(before);
      expect(h.logs.some((l) => l.includes('dry run'))).toBe(true);
    } finally {
      await h.stop();
    }
  });
});

describe('the demo', () => {
  it('when `npm run demo` runs with DEMO_EXIT=true, then it prints a token and shows the pushed users in the simulator', async () => {
    const prefix = uniquePrefix('demo');
    const child = spawn('npx', ['tsx', 'scripts/demo.ts'], {
      env: { ...process.env, DEMO_EXIT: 'true', PORT: '0', SS_SIM_PORT: '0', REDIS_PREFIX: prefix, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out).toMatch(/API token \(Okta "API Token"\):\s+Bearer scb_/);
    expect(out).toMatch(/user\s+#\d+\s+ada\.lovelace/);
    expect(out).toMatch(/"Alan Turing"/);
    expect(out).toMatch(/grace\.hopper\S+\s+"Grace Hopper"\s+DISABLED/);
    expect(out).toMatch(/group #\d+\s+Engineering/);
    expect(code).toBe(0);
    const redis = connectRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  }, 60_000);
});
