/**
 * What every bench phase shares: settings from the environment, the run's Redis prefix, SCIM
 * calls from the driver, tokens as Okta would hold them, CPU accounting of Redis.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Redis from 'ioredis';
import { TokenService } from '../src/domain/token-service';
import { underPrefix, unlinkMatching } from '../src/store/key-scan';
import type { RedisConnection } from '../src/store/redis-connection';
import { redisKeys } from '../src/store/redis-keys';
import { RedisTokenStore } from '../src/store/token-store';
import { BenchChild, RESULTS_DIR, startChild } from './bench-processes';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

export interface BenchSettings {
  redisUrl: string;
  /** REDIS_PREFIX of this run; each phase works under `<runPrefix>:<phase>`. */
  runPrefix: string;
  phases: Set<string>;
  frontSeconds: number;
  frontRps: number;
  frontConnections: number;
  e2eUsers: number;
  e2eGroups: number;
  e2eLatencyMs: number;
  e2eConcurrency: number;
  importUsers: number;
  importGroups: number;
  importLatencyMs: number;
  /** Users pushed per profile in the calls phase. */
  callsUsers: number;
  /** Members the calls phase's one group change adds, and as many it removes. */
  callsMembers: number;
  /** New users of the first-sync phase, and the simulator's latency per call there. */
  firstSyncUsers: number;
  firstSyncLatencyMs: number;
  /** Folder for .cpuprofile files of the bridge children, or undefined (BENCH_CPU_PROF=1 turns it on). */
  cpuProfDir?: string;
}

export function loadSettings(): BenchSettings {
  const phases = (process.env.BENCH_PHASES ?? 'front,e2e,import,calls,first-sync').split(',').map((p) => p.trim());
  const callsUsers = intFromEnv('BENCH_CALLS_USERS', 50);
  const callsMembers = intFromEnv('BENCH_CALLS_MEMBERS', 10);
  // The change removes members of the group of new users, so it cannot remove more than it holds.
  if (callsUsers < 1 || callsMembers > callsUsers)
    throw new Error(`BENCH_CALLS_USERS must be at least 1 and at least BENCH_CALLS_MEMBERS, got ${callsUsers} and ${callsMembers}`);
  return {
    // Only loopback Redis: the bench floods it and deletes its keys afterwards.
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    runPrefix: `bench-${new Date().toISOString().slice(0, 10)}-${crypto.randomBytes(3).toString('hex')}`,
    phases: new Set(phases),
    frontSeconds: intFromEnv('BENCH_FRONT_SECONDS', 20),
    frontRps: intFromEnv('BENCH_FRONT_RPS', 1000),
    frontConnections: intFromEnv('BENCH_FRONT_CONNECTIONS', 16),
    e2eUsers: intFromEnv('BENCH_USERS', 10_000),
    e2eGroups: intFromEnv('BENCH_GROUPS', 100),
    e2eLatencyMs: intFromEnv('BENCH_SS_LATENCY_MS', 20),
    e2eConcurrency: intFromEnv('BENCH_WORKER_CONCURRENCY', 32),
    importUsers: intFromEnv('BENCH_IMPORT_USERS', 100_000),
    importGroups: intFromEnv('BENCH_IMPORT_GROUPS', 1000),
    importLatencyMs: intFromEnv('BENCH_IMPORT_LATENCY_MS', 20),
    callsUsers,
    callsMembers,
    firstSyncUsers: Math.max(1, intFromEnv('BENCH_FIRST_SYNC_USERS', 1000)),
    firstSyncLatencyMs: intFromEnv('BENCH_FIRST_SYNC_LATENCY_MS', 100),
    cpuProfDir: process.env.BENCH_CPU_PROF === '1' ? path.join(RESULTS_DIR, 'profiles') : undefined,
  };
}

/** A stored bearer token (`scb_...`), as `npm run token -- create` makes: what Okta really sends, so auth costs what it costs in production. */
export async function issueToken(redis: Redis, prefix: string): Promise<string> {
  const service = new TokenService(new RedisTokenStore(redis, redisKeys(prefix)));
  return (await service.create('bench')).token;
}

// As long as `openssl rand -hex 32`: the bridge refuses admin tokens shorter than 32 characters.
export const ADMIN_TOKEN = `bench-admin-${crypto.randomBytes(32).toString('hex')}`;

/**
 * Starts one bridge role as its own process, configured only through its environment, like `npm start`.
 * Imports run only where a bench asks for them: a scheduled import would add Secret Server calls to every count.
 */
export function startBridgeChild(settings: BenchSettings, name: string, env: Record<string, string>): Promise<BenchChild> {
  return startChild(name, 'bridge-child', {
    cpuProfDir: settings.cpuProfDir,
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: settings.redisUrl,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      ADMIN_TOKEN,
      AUTH_FAIL_LIMIT: '1000',
      SS_IMPORT_INTERVAL_S: '0',
      IMPORT_REFRESH_AGE_S: '0',
      ...env,
    },
  });
}

export interface ScimAnswer {
  status: number;
  body: any;
  ms: number;
}

/** Keep-alive sockets for the driver's own calls: node:http costs the load generator far less CPU per call than fetch. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One SCIM call from the driver, timed from send to the last byte of the body. */
export function scimCall(origin: string, token: string, method: string, pathAndQuery: string, body?: unknown): Promise<ScimAnswer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${origin}${pathAndQuery}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/scim+json',
          ...(payload === undefined ? {} : { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - started; // before parsing: the driver's JSON.parse is not the server's time
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, ms });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${pathAndQuery}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function expectStatus(answer: Promise<ScimAnswer>, status: number, what: string): Promise<ScimAnswer> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: expected ${status}, got ${a.status} ${JSON.stringify(a.body).slice(0, 300)}`);
  return a;
}

/** CPU seconds Redis has used since it started (user + system), from INFO cpu. */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

export function driverCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Deletes every key of this run (SCAN + UNLINK, never KEYS). */
export function deleteRunKeys(redis: RedisConnection, runPrefix: string): Promise<number> {
  return unlinkMatching(redis, underPrefix(runPrefix));
}

/** Busy CPU seconds (user + system) of the whole machine, all cores, from /proc/stat; undefined off Linux. */
function machineBusySeconds(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // Interrupt time is left out: much of it is our own loopback traffic, billed to no process.
    const [user, nice, system] = fields;
    return (user + nice + system) / 100; // USER_HZ
  } catch {
    return undefined;
  }
}

/** CPU seconds used by each process between two readings: where a 2-core machine's time went. */
export async function cpuSnapshot(redis: Redis, children: BenchChild[]): Promise<Record<string, number>> {
  const entries = await Promise.all(children.map(async (c) => [c.name, await c.cpuSeconds()] as const));
  const machine = machineBusySeconds();
  return { ...Object.fromEntries(entries), redis: await redisCpuSeconds(redis), driver: driverCpuSeconds(), ...(machine === undefined ? {} : { machine }) };
}

/**
 * Per-process CPU between two snapshots, plus `otherProcesses`: what the rest of the machine used
 * meanwhile, kernel threads included (a test run next door shows up here, and explains a latency
 * tail the bridge did not cause).
 */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta = Object.fromEntries(Object.keys(after).map((k) => [k, Math.round((after[k] - (before[k] ?? 0)) * 100) / 100]));
  if (delta.machine !== undefined) {
    const ours = Object.entries(delta).reduce((sum, [k, v]) => (k === 'machine' ? sum : sum + v), 0);
    delta.otherProcesses = Math.round(Math.max(0, delta.machine - ours) * 100) / 100;
  }
  return delta;
}
