/**
 * A real Redis Cluster of the test's own: 3 masters and 3 replicas of redis-server on free
 * loopback ports, in a temporary directory, joined with `redis-cli --cluster create`
 * (https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/#create-a-redis-cluster).
 * A short node timeout makes a failover take seconds, not the default 15 s.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';

const run = promisify(execFile);

/** How long a node may be silent before its peers count it failed, ms (cluster-node-timeout). */
export const CLUSTER_NODE_TIMEOUT_MS = 1000;

/** Each node listens on its port and on port + 10000 for the cluster bus (cluster spec). */
const BUS_PORT_OFFSET = 10_000;

export interface ClusterNodeInfo {
  port: number;
  role: 'master' | 'replica';
}

export interface TestRedisCluster {
  ports: number[];
  /** REDIS_CLUSTER_NODES for the bridge: every node, host:port, comma-separated. */
  seedNodes: string;
  /** The port of the master serving `slot` now. */
  masterOf(slot: number): Promise<number>;
  /** A plain connection to one node (the caller disconnects it). */
  node(port: number): Redis;
  /** SIGKILL of one node: a crash, nothing flushed or handed over. */
  kill(port: number): Promise<void>;
  /** Resolves once `slot` is served by a master other than `oldPort` and every live node says cluster_state:ok. */
  waitForFailover(slot: number, oldPort: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<TestRedisCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scimbridge-cluster-'));
  const ports = await freeNodePorts(6);
  const children = new Map<number, ChildProcess>();
  const stop = async () => {
    await Promise.all([...children.keys()].map((port) => killNode(children, port, 'SIGKILL')));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const settings: Record<string, string> = {
        port: String(port),
        bind: '127.0.0.1',
        dir,
        'cluster-enabled': 'yes',
        'cluster-config-file': path.join(dir, `nodes-${port}.conf`),
        'cluster-node-timeout': String(CLUSTER_NODE_TIMEOUT_MS),
        save: '',
        appendonly: 'no',
        daemonize: 'no',
      };
      const child = spawn(
        'redis-server',
        Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]),
        { stdio: 'ignore' },
      );
      children.set(port, child);
    }
    await Promise.all(ports.map((port) => until(`node ${port} answers`, 10_000, () => answers(port))));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    await until('cluster_state:ok on every node, every replica in sync', 30_000, async () =>
      (await Promise.all(ports.map((p) => nodeReady(p)))).every(Boolean),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    ports,
    seedNodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    masterOf: (slot) =>
      masterServing(
        ports.filter((p) => children.has(p)),
        slot,
      ),
    node: (port) => new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: false }),
    kill: (port) => killNode(children, port, 'SIGKILL'),
    async waitForFailover(slot, oldPort, timeoutMs = 30_000) {
      let promoted = oldPort;
      await until(`slot ${slot} served by a master other than ${oldPort}`, timeoutMs, async () => {
        const live = ports.filter((p) => children.has(p));
        promoted = await masterServing(live, slot).catch(() => oldPort);
        if (promoted === oldPort) return false;
        return (await Promise.all(live.map((p) => clusterInfo(p).then((i) => i.includes('cluster_state:ok'))))).every(Boolean);
      });
      return promoted;
    },
    stop,
  };
}

/** Ports p with p and p + 10000 free on loopback, from a random range so parallel runs rarely meet. */
async function freeNodePorts(count: number): Promise<number[]> {
  const chosen: number[] = [];
  for (let tries = 0; chosen.length < count && tries < 500; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (chosen.includes(port) || chosen.includes(port + BUS_PORT_OFFSET) || chosen.some((p) => p + BUS_PORT_OFFSET === port)) continue;
    if ((await isFree(port)) && (await isFree(port + BUS_PORT_OFFSET))) chosen.push(port);
  }
  if (chosen.length < count) throw new Error('no free loopback ports for the test cluster');
  return chosen;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function killNode(children: Map<number, ChildProcess>, port: number, signal: NodeJS.Signals): Promise<void> {
  const child = children.get(port);
  if (!child) return;
  children.delete(port);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}

async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

const answers = (port: number) => withNode(port, async (r) => (await r.ping()) === 'PONG').catch(() => false);
const clusterInfo = (port: number) => withNode(port, async (r) => String(await r.call('CLUSTER', 'INFO')));

/** cluster_state:ok, and a master has its replica attached (a replica its link to the master up). */
async function nodeReady(port: number): Promise<boolean> {
  return withNode(port, async (r) => {
    if (!String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
    const replication = await r.info('replication');
    if (replication.includes('role:master')) return /connected_slaves:[1-9]/.test(replication);
    return replication.includes('master_link_status:up');
  }).catch(() => false);
}

/** The port of the master serving `slot`, as CLUSTER SLOTS of a live node says. */
async function masterServing(livePorts: number[], slot: number): Promise<number> {
  for (const port of livePorts) {
    try {
      const slots = (await withNode(port, (r) => r.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (range) return range[2][1];
    } catch {
      // this node is gone or not answering: ask the next
    }
  }
  throw new Error(`no live node knows who serves slot ${slot}`);
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
