/**
 * `npm run demo` leaves nothing behind: the real script, spawned as a child against the real
 * Redis, keeps its keys under a prefix of its own, deletes them all (its token included) when it
 * stops after the replay (DEMO_EXIT), on SIGTERM during the replay, or on Ctrl-C once idle, and
 * never writes under npm start's prefix, whether the default or one set with REDIS_PREFIX.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import type Redis from 'ioredis';
import { keysMatching } from '../../src/store/key-scan';
import { connectRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../support/redis';

const REPO = path.resolve(__dirname, '../..');
const PREFIX_LINE = /Redis keys of this run\s+(scimbridge-demo-[0-9a-f]+):\*/;
const TOKEN_LINE = /Bearer (\S+)/;
/** The default REDIS_PREFIX (src/config/config-schema.ts), which npm start uses. */
const NPM_START_PREFIX = 'scimbridge';

interface Demo {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout and stderr together. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startDemo(env: Record<string, string>): Demo {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      REDIS_URL: TEST_REDIS_URL,
      HOST: '127.0.0.1',
      PORT: '0',
      SS_SIM_PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<() => void> = [];
  const collect = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = text.match(pattern);
      if (match) return match;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`demo never printed ${pattern}; output:\n${text}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { child, output: () => text, waitFor, exited };
}

/** The Redis key of a token anywhere: the bridge stores SHA-256 of the token, never the token. */
function tokenKeyPattern(token: string): string {
  return `*:token-hash:${crypto.createHash('sha256').update(token).digest('hex')}`;
}

/** The SCIM ids the replay printed in its PATCH lines (the group and a user). */
function replayedIds(output: string): string[] {
  return [...output.matchAll(/PATCH \/(?:Users|Groups)\/([0-9a-f-]{36})/g)].map((m) => m[1]);
}

describe('npm run demo leaves nothing behind', () => {
  let redis: Redis;
  const running: Demo[] = [];
  const sentinelKey = `${NPM_START_PREFIX}:demo-cleanup-sentinel:${crypto.randomBytes(4).toString('hex')}`;
  const explicitPrefix = uniquePrefix('demo-explicit');
  const demoPrefixes: string[] = [];

  beforeAll(async () => {
    redis = connectRedis();
    // A key of its own under npm start's prefix: real data a developer keeps there is never written by this test.
    await redis.set(sentinelKey, 'npm start data');
  });

  afterAll(async () => {
    for (const demo of running.filter((d) => d.child.exitCode === null && d.child.signalCode === null)) {
      demo.child.kill('SIGKILL');
      await demo.exited;
    }
    await redis.del(sentinelKey);
    for (const prefix of [explicitPrefix, ...demoPrefixes]) await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const run = (env: Record<string, string>) => {
    const demo = startDemo(env);
    running.push(demo);
    return demo;
  };

  /** The prefix a demo announced; a test that fails half-way still gets its keys removed in afterAll. */
  const prefixOf = async (demo: Demo) => {
    const [, prefix] = await demo.waitFor(PREFIX_LINE);
    demoPrefixes.push(prefix);
    return prefix;
  };

  it('when DEMO_EXIT=true, then it replays, exits 0, and no key of the run or its token is left; npm start keys are untouched', async () => {
    const demo = run({ DEMO_EXIT: 'true' });
    const prefix = await prefixOf(demo);
    expect(prefix).not.toBe(NPM_START_PREFIX);
    const [, token] = await demo.waitFor(TOKEN_LINE);

    expect(await demo.exited).toEqual({ code: 0, signal: null });
    const output = demo.output();
    expect(output).toMatch(/stays untouched/);
    expect(output.match(/POST {2}\/Users\s+-> 201/g)).toHaveLength(3);
    expect(output).toMatch(/PATCH \/Groups\/\S+\s+-> 200/);
    expect(output).toMatch(/In the simulated Secret Server now:\n(?: {2}user .*\n){3} {2}group .*members: ada\.lovelace/);
    expect(output).toMatch(/grace\.hopper\S+\s+"Grace Hopper"\s+DISABLED/);
    expect(output).toMatch(new RegExp(`removed [1-9]\\d* keys under ${prefix}:`));

    expect(await keysMatching(redis, `${prefix}:*`)).toEqual([]);
    expect(await keysMatching(redis, tokenKeyPattern(token))).toEqual([]);
    const ids = replayedIds(output);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(await keysMatching(redis, `*${id}*`)).toEqual([]);
    expect(await redis.get(sentinelKey)).toBe('npm start data');
  }, 60_000);

  it('when REDIS_PREFIX is set, then the demo says it does not use it and leaves its keys exactly as they were', async () => {
    await redis.set(`${explicitPrefix}:users:order`, 'kept');
    await redis.hset(`${explicitPrefix}:tokens`, 'some-id', '{"name":"production"}');
    const demo = run({ DEMO_EXIT: 'true', REDIS_PREFIX: explicitPrefix });
    const prefix = await prefixOf(demo);
    expect(prefix.startsWith(explicitPrefix)).toBe(false);

    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.output()).toContain(`REDIS_PREFIX "${explicitPrefix}" is not used by the demo and stays untouched`);
    expect(await keysMatching(redis, `${prefix}:*`)).toEqual([]);
    expect(await keysMatching(redis, `${explicitPrefix}:*`)).toEqual([`${explicitPrefix}:tokens`, `${explicitPrefix}:users:order`]);
    expect(await redis.get(`${explicitPrefix}:users:order`)).toBe('kept');
    expect(await redis.hgetall(`${explicitPrefix}:tokens`)).toEqual({ 'some-id': '{"name":"production"}' });
  }, 60_000);

  it('when SIGTERM comes during the replay, then it stops, exits 0, and no key of the run or its token is left', async () => {
    const demo = run({});
    const prefix = await prefixOf(demo);
    await demo.waitFor(/scim-bridge is running\./);
    const [, token] = await demo.waitFor(TOKEN_LINE);
    demo.child.kill('SIGTERM');

    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.output()).toMatch(new RegExp(`removed \\d+ keys under ${prefix}:`));
    expect(await keysMatching(redis, `${prefix}:*`)).toEqual([]);
    expect(await keysMatching(redis, tokenKeyPattern(token))).toEqual([]);
    expect(await redis.get(sentinelKey)).toBe('npm start data');
  }, 60_000);

  it('when Ctrl-C comes once the demo waits for Okta, then it stops, exits 0, and no key of the run is left', async () => {
    const demo = run({});
    const prefix = await prefixOf(demo);
    await demo.waitFor(/Point Okta \(or curl\) at the base URL above/);
    expect((await keysMatching(redis, `${prefix}:*`)).length).toBeGreaterThan(0);
    demo.child.kill('SIGINT');

    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.output()).toMatch(new RegExp(`removed [1-9]\\d* keys under ${prefix}:`));
    expect(await keysMatching(redis, `${prefix}:*`)).toEqual([]);
  }, 60_000);
});
