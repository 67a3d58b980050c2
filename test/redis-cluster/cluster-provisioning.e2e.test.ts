/**
 * The bridge on a real Redis Cluster (3 masters, 3 replicas): the SCIM front, the BullMQ workers
 * and the import, end to end into the Secret Server simulator, exactly as on one Redis; and every
 * key of the directory in one hash slot, which is what lets its multi-key scripts run there.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Job } from 'bullmq';
import { keysMatching, underPrefix } from '../../src/store/key-scan';
import { isCluster } from '../../src/store/redis-connection';
import { startHarness, Harness } from '../support/bridge-harness';
import { oktaUser, patchOp, uniqueEmail } from '../support/fault-mode';
import { startRedisCluster, TestRedisCluster } from '../support/redis-cluster';

const EXT = 'urn:scim-bridge:params:scim:schemas:extension:secretserver:2.0:User';

describe('the bridge on Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let h: Harness;
  const ssUsersByEmail = (email: string) => [...h.simulator.state.users.values()].filter((u) => (u.emailAddress ?? '').toLowerCase() === email.toLowerCase());

  beforeAll(async () => {
    cluster = await startRedisCluster();
    h = await startHarness({ redis: { clusterNodes: cluster.seedNodes }, secretServer: { pageSize: 50 } });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await cluster?.stop();
  });

  it('when REDIS_CLUSTER_NODES is set, then the bridge talks to a Cluster and /readyz says so', async () => {
    expect(isCluster(h.bridge.container.redis)).toBe(true);
    expect(h.bridge.container.keyBase).toBe(`${h.prefix}:{default}`);
    const ready = await fetch(`${h.bridge.url}/readyz`);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks.redis.ok).toBe(true);
    expect(h.bridge.container.reachability.describe()).toBe(`connected to Redis Cluster ${cluster.seedNodes}`);
  });

  it('when Okta creates, updates, deactivates and deletes a user, then the one Secret Server user follows', async () => {
    const email = uniqueEmail('cluster.user');
    const created = await h.scim('POST', '/Users', oktaUser(email, 'Clara', 'Cluster'));
    expect(created.status).toBe(201);
    await h.waitForSync();
    const [ssUser, ...others] = ssUsersByEmail(email);
    expect(others).toEqual([]);
    expect(ssUser).toMatchObject({ displayName: 'Clara Cluster', enabled: true });

    const renamed = await h.scim(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp({ op: 'replace', value: { name: { givenName: 'Carla', familyName: 'Cluster' } } }),
    );
    expect(renamed.status).toBe(200);
    const deactivated = await h.scim('PATCH', `/Users/${created.body.id}`, patchOp({ op: 'replace', value: { active: false } }));
    expect(deactivated.status).toBe(200);
    await h.waitForSync();
    expect(h.simulator.state.users.get(ssUser.id)).toMatchObject({ displayName: 'Carla Cluster', enabled: false });

    expect((await h.scim('DELETE', `/Users/${created.body.id}`)).status).toBe(204);
    await h.waitForSync();
    expect(ssUsersByEmail(email)).toHaveLength(1);
    expect(h.simulator.state.users.get(ssUser.id)!.enabled).toBe(false);
    expect((await h.scim('GET', `/Users/${created.body.id}`)).status).toBe(404);
  });

  it('when Okta pushes a group and changes its members, then Secret Server has exactly those members', async () => {
    const emails = [uniqueEmail('cluster.g1'), uniqueEmail('cluster.g2'), uniqueEmail('cluster.g3')];
    const ids: string[] = [];
    for (const email of emails) ids.push((await h.scim('POST', '/Users', oktaUser(email))).body.id);
    const name = `Cluster Ops ${Date.now()}`;
    const group = await h.scim('POST', '/Groups', { displayName: name, members: [{ value: ids[0] }, { value: ids[1] }] });
    expect(group.status).toBe(201);
    const changed = await h.scim(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'remove', path: `members[value eq "${ids[0]}"]` }, { op: 'add', path: 'members', value: [{ value: ids[2] }] }),
    );
    expect([200, 204]).toContain(changed.status);
    await h.waitForSync();
    const [ssGroup, ...sameName] = [...h.simulator.state.groups.values()].filter((g) => g.name === name);
    expect(sameName).toEqual([]);
    const ssId = (email: string) => ssUsersByEmail(email)[0].id;
    expect([...ssGroup.memberIds].sort()).toEqual([ssId(emails[1]), ssId(emails[2])].sort());
  });

  it("when Okta reads as it does (existence filter, paging, a group's members), then the answers are the single-Redis ones", async () => {
    const email = uniqueEmail('cluster.reader');
    const created = (await h.scim('POST', '/Users', oktaUser(email, 'Rita', 'Reader'))).body;
    const found = await h.scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${email.toUpperCase()}"`)}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(created.id);
    const none = await h.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`);
    expect(none.body).toMatchObject({ totalResults: 0, Resources: [] });

    const first = await h.scim('GET', '/Users?startIndex=1&count=2');
    const second = await h.scim('GET', '/Users?startIndex=3&count=2');
    expect(first.body.totalResults).toBeGreaterThanOrEqual(4);
    expect(second.body.totalResults).toBe(first.body.totalResults);
    const pageIds = [...first.body.Resources, ...second.body.Resources].map((u: { id: string }) => u.id);
    expect(new Set(pageIds).size).toBe(4);

    const groups = await h.scim('GET', `/Groups?filter=${encodeURIComponent('displayName sw "Cluster Ops"')}`);
    expect(groups.body.totalResults).toBe(1);
    expect(groups.body.Resources[0].members).toHaveLength(2);
  });

  it('when Import Now runs, then every Secret Server user comes back once through Okta-style paging', async () => {
    const before = new Set(h.simulator.state.users.keys());
    h.simulator.seedUsers(60, { disabledRatio: 0.1, blankDisplayNameRatio: 0.1, seed: 11 });
    const seeded = [...h.simulator.state.users.values()].filter((u) => !before.has(u.id) && !u.isApplicationAccount);
    const jobId = await h.bridge.admin.importNow('cli');
    const deadline = Date.now() + 60_000;
    let summary: any;
    for (;;) {
      const job = await Job.fromId(h.bridge.container.queue.import, jobId!);
      if (job && (await job.isCompleted())) {
        summary = job.returnvalue;
        break;
      }
      if (job && (await job.isFailed())) throw new Error(`import failed: ${job.failedReason}`);
      if (Date.now() > deadline) throw new Error('import did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(summary.users.created).toBeGreaterThan(0);
    const seen: any[] = [];
    for (let start = 1; ; start += 50) {
      const page = await h.scim('GET', `/Users?startIndex=${start}&count=50`);
      expect(page.status).toBe(200);
      seen.push(...page.body.Resources);
      if (start + 50 > page.body.totalResults) break;
    }
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    // Secret Server does not enforce unique emails; one email is one SCIM user, the first one wins.
    const keyOf = (email: string | null | undefined, userName: string) => (email ?? userName).toLowerCase();
    const imported = new Set(seen.map((u) => keyOf(u.emails?.[0]?.value, u.userName)));
    expect(seeded.length).toBeGreaterThanOrEqual(60);
    expect(seeded.filter((u) => !imported.has(keyOf(u.emailAddress, u.userName))).map((u) => u.userName)).toEqual([]);
    expect(seen.filter((u) => u[EXT]?.secretServerUserId !== undefined).length).toBeGreaterThanOrEqual(
      new Set(seeded.map((u) => keyOf(u.emailAddress, u.userName))).size,
    );
  });

  it("when the CLI runs with REDIS_CLUSTER_NODES, then its token is accepted by the bridge, failed jobs list and a worker's healthcheck finds its heartbeat", async () => {
    // The real CLI as `npm run admin` runs it, in a child process with the bridge's environment.
    const root = path.resolve(__dirname, '../..');
    const cli = (argv: string[], extraEnv: Record<string, string> = {}) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const env = { ...process.env, REDIS_PREFIX: h.prefix, REDIS_CLUSTER_NODES: cluster.seedNodes, SCIM_TOKEN: '', ...extraEnv };
        execFile(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/main.ts', ...argv], { cwd: root, env, timeout: 20_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    const created = await cli(['token', 'create', '--name', 'okta-cluster']);
    expect(created.code).toBe(0);
    const token = /scb_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    expect(token).toBeDefined();
    const listed = await h.scim('GET', '/Users?count=1', undefined, { Authorization: `Bearer ${token}` });
    expect(listed.status).toBe(200);
    expect(await cli(['failed', 'list'])).toMatchObject({ code: 0, stderr: '' });
    expect((await cli(['token', 'list'])).stdout).toContain('okta-cluster');
    // A worker's healthcheck finds this process's heartbeat, scanned across the masters.
    const health = await cli(['healthcheck'], { BRIDGE_ROLE: 'worker' });
    expect(health.code).toBe(0);
    expect(health.stdout).toMatch(/worker heartbeat .*:worker:heartbeat:.* written \d+ s ago/);
  });

  it("when writes have created the directory's keys (BullMQ's among them), then they all hash to one slot", async () => {
    const { redis, keyBase } = h.bridge.container;
    const keys = await keysMatching(redis, underPrefix(keyBase));
    expect(keys.some((k) => k.startsWith(`${keyBase}:bull:provision:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${keyBase}:user:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${keyBase}:group:`))).toBe(true);
    const node = cluster.node(cluster.ports[0]);
    try {
      const slots = new Set(await Promise.all(keys.map(async (key) => Number(await node.call('CLUSTER', 'KEYSLOT', key)))));
      expect([...slots]).toEqual([Number(await node.call('CLUSTER', 'KEYSLOT', '{default}'))]);
    } finally {
      node.disconnect();
    }
    // The only keys of the prefix outside the directory's are single-key ones: worker heartbeats and account owners.
    const outside = (await keysMatching(redis, underPrefix(h.prefix))).filter((k) => !k.startsWith(`${keyBase}:`));
    expect(outside.filter((k) => !k.startsWith(`${h.prefix}:worker:heartbeat:`) && !k.startsWith(`${h.prefix}:ss-owners:`))).toEqual([]);
  });

  it('when a second directory is created, then it provisions through its own base URL and its keys sit in a slot of their own', async () => {
    const root = path.resolve(__dirname, '../..');
    const cli = (argv: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) => {
        const env = { ...process.env, REDIS_PREFIX: h.prefix, REDIS_CLUSTER_NODES: cluster.seedNodes, SCIM_TOKEN: '' };
        execFile(path.join(root, 'node_modules/.bin/tsx'), ['src/cli/main.ts', ...argv], { cwd: root, env, timeout: 20_000 }, (error, stdout) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        );
      });
    expect((await cli(['directory', 'create', '--name', 'second'])).code).toBe(0);
    const token = (await cli(['token', 'create', '--name', 'okta', '--directory', 'second'])).stdout.trim().split('\n').at(-1)!;
    const email = uniqueEmail('cluster.second');
    const created = await h.scim('POST', '/d/second/Users', oktaUser(email, 'Sam', 'Second'), { Authorization: `Bearer ${token}` });
    expect(created.status).toBe(201);
    const deadline = Date.now() + 30_000;
    while (ssUsersByEmail(email).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(ssUsersByEmail(email)).toHaveLength(1);

    const second = `${h.prefix}:{second}`;
    const keys = await keysMatching(h.bridge.container.redis, underPrefix(second));
    expect(keys.some((k) => k.startsWith(`${second}:bull:provision:`))).toBe(true);
    const node = cluster.node(cluster.ports[0]);
    try {
      const slots = new Set(await Promise.all(keys.map(async (key) => Number(await node.call('CLUSTER', 'KEYSLOT', key)))));
      expect([...slots]).toEqual([Number(await node.call('CLUSTER', 'KEYSLOT', '{second}'))]);
      expect(slots.has(Number(await node.call('CLUSTER', 'KEYSLOT', '{default}')))).toBe(false);
    } finally {
      node.disconnect();
    }
  });
});
