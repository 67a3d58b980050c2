/**
 * `npm run demo`: the whole product on one machine, right after `npm ci`.
 * Starts Redis if none answers (spawning redis-server when installed), the Secret Server
 * simulator and the bridge; prints the SCIM base URL and a fresh token to paste into Okta;
 * replays a short Okta-style push and shows what landed in the simulated Secret Server.
 * Ctrl-C stops everything. DEMO_EXIT=true exits after the replay (used by CI's smoke test).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import Redis from 'ioredis';
import { loadConfig } from '../src/config/load-config';
import { startBridge } from '../src/lifecycle/bridge-process';
import { createLogger } from '../src/logging/logger';
import { createSimulator } from './ss-sim/simulator-app';

const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const base = loadConfig();
  const redisUrl = base.redis.url;
  await ensureRedis(redisUrl);

  const simulatorPort = Number(process.env.SS_SIM_PORT ?? 8090);
  const simulator = createSimulator({ username: base.secretServer.username, password: base.secretServer.password });
  const sim = await simulator.listen(simulatorPort).catch(() => simulator.listen(0));
  say(`Secret Server simulator   ${sim.url}`);

  const config = loadConfig({
    role: 'all',
    secretServer: { baseUrl: sim.url },
    log: { format: process.env.LOG_FORMAT === 'json' ? 'json' : 'pretty', level: process.env.LOG_LEVEL ?? 'warn' },
  });
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const bridge = await startBridge(config, logger).catch(async (err) => {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    say(`port ${config.http.port} is taken; using a free one`);
    return startBridge({ ...config, http: { ...config.http, port: 0 } }, logger);
  });
  const { token } = await bridge.container.tokens.create('okta-demo');
  const scimUrl = `${bridge.url}/scim/v2`;

  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping...');
    await bridge.stop();
    await sim.close();
    for (const child of children) child.kill('SIGTERM');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  say('');
  say('scim-bridge is running.');
  say(`  SCIM base URL (Okta "Base URL"):   ${scimUrl}`);
  say(`  API token (Okta "API Token"):      Bearer ${token}`);
  say(`  Health:  ${bridge.url}/readyz     Metrics: ${bridge.url}/metrics`);
  say('');
  say('Replaying an Okta-style push (3 users, one with blank names, a group, a deactivation)...');

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${scimUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json', 'User-Agent': 'Okta SCIM Client 1.0.0' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    say(`  ${method.padEnd(5)} ${path.split('?')[0].padEnd(52)} -> ${res.status}`);
    return text ? JSON.parse(text) : undefined;
  };
  const stamp = Date.now().toString(36);
  const people = [
    { given: 'Ada', family: 'Lovelace', email: `ada.lovelace+${stamp}@example.com` },
    { given: 'Grace', family: 'Hopper', email: `grace.hopper+${stamp}@example.com` },
    { given: '', family: '', email: `alan.turing+${stamp}@example.com` },
  ];
  const ids: string[] = [];
  for (const p of people) {
    await call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${p.email}"`)}&startIndex=1&count=100`);
    const user = await call('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: p.email,
      name: { givenName: p.given, familyName: p.family },
      emails: [{ primary: true, value: p.email, type: 'work' }],
      displayName: `${p.given} ${p.family}`.trim(),
      active: true,
      password: 'placeholder-Okta-password-1',
    });
    ids.push(user.id);
  }
  const group = await call('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: `Engineering ${stamp}`,
    members: [],
  });
  await call('PATCH', `/Groups/${group.id}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'add', path: 'members', value: ids.slice(0, 2).map((value) => ({ value })) }],
  });
  await call('PATCH', `/Users/${ids[1]}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: false } }],
  });

  const deadline = Date.now() + 30_000;
  while ((await bridge.container.store.countDirty()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

  say('');
  say('In the simulated Secret Server now:');
  const state = simulator.state;
  for (const u of [...state.users.values()].filter((u) => people.some((p) => p.email === u.emailAddress))) {
    say(`  user  #${u.id}  ${u.userName.padEnd(44)} "${u.displayName}"  ${u.enabled ? 'enabled' : 'DISABLED'}`);
  }
  for (const g of [...state.groups.values()].filter((g) => g.name === group.displayName)) {
    const members = [...g.memberIds].map((id) => state.users.get(id)?.userName);
    say(`  group #${g.id}  ${g.name}  members: ${members.join(', ')}`);
  }
  say('');
  if (process.env.DEMO_EXIT === 'true') return stop(0);
  say('Point Okta (or curl) at the base URL above. Ctrl-C stops everything.');
}

async function ensureRedis(url: string): Promise<void> {
  if (await redisAnswers(url)) return;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1'].includes(parsed.hostname);
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!local || !found) {
    process.stderr.write(
      `No Redis answers at ${url}.\n` +
        (local ? 'Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.\n' : 'Start it or set REDIS_URL.\n'),
    );
    process.exit(1);
  }
  say(`No Redis at ${url}; starting ${found} on port ${parsed.port || 6379} for the demo`);
  const child = spawn(found, ['--port', parsed.port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  children.push(child);
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not start');
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  for (const child of children) child.kill('SIGTERM');
  process.exit(1);
});
