/**
 * `npm run demo`: the whole product on one machine, right after `npm ci`.
 * Starts Redis if none answers (spawning redis-server when installed), the Secret Server
 * simulator and the bridge; prints the SCIM base URL and a fresh token to paste into Okta;
 * replays a short Okta-style push and shows what landed in the simulated Secret Server.
 * Ctrl-C (or SIGTERM) stops everything. DEMO_EXIT=true exits after the replay (CI's smoke test).
 *
 * A demo leaves nothing behind: each run keeps its keys under a prefix of its own
 * (scimbridge-demo-<random>, see demo-keys.ts), never REDIS_PREFIX, so `npm start`'s data is
 * neither read nor written; when the demo stops, for whatever reason after start-up, the bridge
 * and simulator stop first and then every key under that prefix (the token included) is deleted.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import Redis from 'ioredis';
import type { BridgeConfig } from '../src/config/config-schema';
import { loadConfig } from '../src/config/load-config';
import { RunningBridge, startBridge } from '../src/lifecycle/bridge-process';
import { createLogger, Logger } from '../src/logging/logger';
import { createRedis } from '../src/store/redis-connection';
import { redisLocation } from '../src/store/redis-reachability';
import { deleteKeysUnder, demoPrefix, manualCleanupHint, prefixBannerLine } from './demo-keys';
import { createSimulator, SimulatorServer } from '../simulator/simulator-app';

/** How long the key removal may take before the demo gives up and says how to do it by hand. */
const CLEANUP_TIMEOUT_MS = 15_000;

/**
 * What this run has started, so that a stop at any moment, start-up included, closes exactly that.
 * `bridge` is the start itself: a stop that comes while the bridge starts waits for it, then
 * stops it, instead of deleting keys that its workers are about to write.
 */
const running: {
  children: ChildProcess[];
  simulator?: SimulatorServer;
  bridge?: Promise<RunningBridge>;
  /** Set just before the bridge starts: from then on there are keys to delete. */
  config?: BridgeConfig;
} = { children: [] };
let stopping: Promise<void> | undefined;

async function main(): Promise<void> {
  listenForStops();
  const base = loadConfig();
  await ensureRedis(base.redis.url);

  const prefix = demoPrefix();
  say(prefixBannerLine(prefix, base.redis.prefix, process.env.REDIS_PREFIX !== undefined));

  const simulatorPort = Number(process.env.SS_SIM_PORT ?? 8090);
  const simulator = createSimulator({ username: base.secretServer.username, password: base.secretServer.password });
  const sim = await simulator.listen(simulatorPort).catch(() => simulator.listen(0));
  running.simulator = sim;
  say(`Secret Server simulator   ${sim.url}`);

  const config = loadConfig({}, demoEnvironment(prefix, sim.url));
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  running.config = config;
  running.bridge = startBridgeOnFreePort(config, logger);
  const bridge = await running.bridge;
  const { token } = await bridge.container.tokens.create('okta-demo');
  const scimUrl = `${bridge.url}/scim/v2`;

  say('');
  say('scim-bridge is running.');
  say(`  SCIM base URL (Okta "Base URL"):   ${scimUrl}`);
  say(`  API token (Okta "API Token"):      Bearer ${token}`);
  say(`  Health:  ${bridge.url}/readyz     Metrics: ${bridge.url}/metrics`);
  say('');
  say('Replaying an Okta-style push (3 users, one with blank names, a group, a deactivation)...');

  // Connection: close, because a stop during the replay waits for the bridge's open sockets, and
  // fetch would otherwise keep this one open for its keep-alive time (seconds) after each answer.
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${scimUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/scim+json',
        'User-Agent': 'Okta SCIM Client 1.0.0',
        Connection: 'close',
      },
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
  if (process.env.DEMO_EXIT === 'true') return stopDemo(0);
  say('Point Okta (or curl) at the base URL above. Ctrl-C stops everything and deletes the keys of this run.');
}

/**
 * The demo's own settings, as environment variables: convict ranks the environment above values
 * passed to load() (https://github.com/mozilla/node-convict/tree/master/packages/convict#precedence-order),
 * so as overrides a REDIS_PREFIX or SS_BASE_URL set in the shell would win, and the demo would
 * write into npm start's keys or a real Secret Server.
 */
function demoEnvironment(prefix: string, simulatorUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BRIDGE_ROLE: 'all',
    REDIS_PREFIX: prefix,
    SS_BASE_URL: simulatorUrl,
    LOG_FORMAT: process.env.LOG_FORMAT === 'json' ? 'json' : 'pretty',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
}

/**
 * Ctrl-C, SIGTERM and a closed terminal (SIGHUP) stop cleanly; a second signal quits at once, for
 * a stop that hangs. An error nobody caught (the demo keeps serving after main returns) stops it
 * too, so its keys still go.
 */
function listenForStops(): void {
  const onSignal = () => {
    if (!stopping) return void stopDemo(0);
    process.stderr.write(`stopped before cleaning up; ${leftoverHint()}\n`);
    killChildren();
    process.exit(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * Stops once, whatever asked first, in the order that leaves nothing behind: the bridge (HTTP,
 * then workers, which may still be writing), the simulator the workers talk to, then the keys
 * (nothing writes them any more), then the redis-server this demo spawned, if any.
 */
function stopDemo(code: number): Promise<void> {
  return (stopping ??= (async () => {
    say('\nstopping...');
    await stopServices();
    const cleaned = await removeDemoKeys();
    killChildren();
    // Keys left behind are a failure even after a clean stop, so CI's smoke test notices them.
    process.exit(cleaned ? code : 1);
  })());
}

/** An error during a stop is the stop's own doing (the replay's requests fail once HTTP closes). */
function crash(err: unknown): void {
  if (stopping) return;
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  void stopDemo(1);
}

/**
 * Bounded like npm start's shutdown (SHUTDOWN_TIMEOUT_MS): BullMQ's workers wait for Redis to
 * close, so with Redis gone the stop would never end and the keys would never be tried.
 */
async function stopServices(): Promise<void> {
  const timeoutMs = running.config?.shutdownTimeoutMs ?? 15_000;
  try {
    const bridge = await running.bridge?.catch(() => undefined);
    if (bridge) await withTimeout(bridge.stop(), timeoutMs, `the bridge did not stop within ${timeoutMs / 1000} s`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
  }
  await running.simulator?.close();
}

/** Whether nothing of the run is left in Redis; says what happened in one line either way. */
async function removeDemoKeys(): Promise<boolean> {
  const keys = running.config?.redis;
  if (!keys) return true;
  // Its own connection: the bridge's are closed by now. It gives up quickly rather than retry
  // forever, so a Redis that went away costs the user one line, not a demo that never exits.
  const redis = createRedis(keys, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1, retryStrategy: (times) => (times > 3 ? null : 200) });
  redis.on('error', () => undefined);
  try {
    const removed = await withTimeout(deleteKeysUnder(redis, keys.prefix), CLEANUP_TIMEOUT_MS, `no answer from Redis within ${CLEANUP_TIMEOUT_MS / 1000} s`);
    say(`removed ${removed} keys under ${keys.prefix}: (the demo's users, groups, queues and token)`);
    return true;
  } catch (err) {
    process.stderr.write(`could not delete the demo's keys at ${redisLocation(keys)} (${(err as Error).message}); ${leftoverHint()}\n`);
    return false;
  } finally {
    redis.disconnect();
  }
}

function leftoverHint(): string {
  return running.config ? `remove what is left with: ${manualCleanupHint(running.config.redis.prefix)}` : 'no keys were written';
}

function killChildren(): void {
  for (const child of running.children) child.kill('SIGTERM');
}

/**
 * A bridge whose listen fails has already started its workers and is not returned to be stopped,
 * so the port is checked first rather than retried after EADDRINUSE: no stray worker keeps
 * writing under the prefix while it is deleted.
 */
async function startBridgeOnFreePort(config: BridgeConfig, logger: Logger): Promise<RunningBridge> {
  const { port, host } = config.http;
  if (port === 0 || (await portIsFree(port, host))) return startBridge(config, logger);
  say(`port ${port} is taken; using a free one`);
  return startBridge({ ...config, http: { ...config.http, port: 0 } }, logger);
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function ensureRedis(url: string): Promise<void> {
  if (await redisAnswers(url)) return;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1'].includes(parsed.hostname);
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!local || !found) {
    process.stderr.write(
      `No Redis answers at ${url}.\n` +
        (local
          ? 'Install one (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.\n'
          : 'Start it or set REDIS_URL.\n'),
    );
    process.exit(1);
  }
  say(`No Redis at ${url}; starting ${found} on port ${parsed.port || 6379} for the demo`);
  // Persistence off and the temporary directory as its home: the demo writes no file in the repo.
  const child = spawn(found, ['--port', parsed.port || '6379', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
    cwd: os.tmpdir(),
  });
  running.children.push(child);
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

main().catch(crash);
