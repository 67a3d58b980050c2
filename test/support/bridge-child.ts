/**
 * The real daemon (src/main.ts, through tsx) in a child process, for faults that need a real
 * process boundary: SIGKILL of a worker, SIGTERM of an api. Configured by environment variables
 * only, exactly as an operator would run it. Only this helper's own child is ever signalled.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TEST_ADMIN_TOKEN, TEST_SCIM_TOKEN } from './bridge-harness';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface BridgeChildOptions {
  role: 'api' | 'worker' | 'all';
  redisUrl: string;
  prefix: string;
  /** SS_BASE_URL: the simulator started in the test process. */
  secretServerUrl: string;
  /** More environment variables (JOB_BACKOFF_MS, SHUTDOWN_TIMEOUT_MS, ...). */
  env?: Record<string, string>;
}

export interface BridgeChild {
  pid: number;
  /** Every stdout and stderr line so far. */
  output: string[];
  /** For the api role: the SCIM base URL the child printed, e.g. http://127.0.0.1:40111/scim/v2 */
  scimUrl?: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function spawnBridge(options: BridgeChildOptions): Promise<BridgeChild> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    BRIDGE_ROLE: options.role,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.prefix,
    SS_BASE_URL: options.secretServerUrl,
    SS_MAX_RPS: '0',
    SS_IMPORT_INTERVAL_S: '0',
    IMPORT_REFRESH_AGE_S: '0',
    SCIM_TOKEN: TEST_SCIM_TOKEN,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    // The api must say where it listens (an info line); a worker needs to say nothing but trouble.
    LOG_LEVEL: options.role === 'worker' ? 'warn' : 'info',
    LOG_FORMAT: 'json',
    ...options.env,
  };
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (proc.pid === undefined) throw new Error('could not start the bridge child process');
  const output: string[] = [];
  const lineWaiters: Array<() => void> = [];
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    for (const wake of lineWaiters.splice(0)) wake();
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      hasExited = true;
      for (const wake of lineWaiters.splice(0)) wake();
      resolve({ code, signal });
    });
  });

  const child: BridgeChild = {
    pid: proc.pid,
    output,
    exited,
    signal: (signal) => {
      if (!hasExited) proc.kill(signal);
    },
    async stop(graceMs = 20_000) {
      if (hasExited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  if (options.role !== 'worker') {
    // Wait for the "scim-bridge listening" line, which carries the URL.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const line = output.find((l) => l.includes('scim-bridge listening'));
      if (line) {
        child.scimUrl = (JSON.parse(line) as { url: string }).url;
        break;
      }
      if (hasExited || Date.now() > deadline) {
        await child.stop(1000);
        throw new Error(`the ${options.role} child did not start:\n${output.join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        lineWaiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  return child;
}
