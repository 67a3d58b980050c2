/**
 * Driver side of the bench's child processes: build, fork an entry (compiled, or under tsx), talk
 * to it over IPC, read its peak RSS from the kernel, stop it. Children are ours alone: they are
 * stopped through their own handle, and every wait is bounded.
 */
import { ChildProcess, fork, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
export const RESULTS_DIR = path.join(ROOT, 'bench-results');
const READY_TIMEOUT_MS = 30_000;
const CALL_TIMEOUT_MS = 600_000;
const STOP_TIMEOUT_MS = 20_000;
let compiled = false;
/** Children still running, so an interrupted bench can stop them before deleting its keys. */
const running = new Set<BenchChild>();

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop()));
}

/**
 * Compiles src, scripts, simulator and bench as `npm start` does (tsconfig.build.json into dist/),
 * so the children run the production JavaScript: no TypeScript hook in their CPU profile or their
 * RSS. If the build fails, children run under tsx and the results say so.
 */
export function buildForBench(): 'dist' | 'tsx' {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], {
    encoding: 'utf8',
  });
  compiled = result.status === 0;
  if (!compiled) process.stderr.write(`[bench] build failed, children run under tsx:\n${result.stdout}${result.stderr}\n`);
  return compiled ? 'dist' : 'tsx';
}

export interface CpuUsage {
  user: number;
  system: number;
}

export interface BenchChild {
  name: string;
  pid: number;
  ready: Record<string, any>;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** CPU seconds (user + system) this process has used so far. */
  cpuSeconds(): Promise<number>;
  /** Peak resident set size in MB: the kernel's VmHWM, i.e. over the whole life of the process. */
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
}

export interface StartChildOptions {
  env?: Record<string, string>;
  /** Write a V8 CPU profile (.cpuprofile) into this folder when the child exits. */
  cpuProfDir?: string;
}

/**
 * Forks bench/<entry> from dist/ when buildForBench succeeded, else the .ts under tsx;
 * stdout and stderr go to bench-results/<name>.log.
 */
export async function startChild(name: string, entry: string, options: StartChildOptions = {}): Promise<BenchChild> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const log = fs.openSync(path.join(RESULTS_DIR, `${name}.log`), 'w');
  // An absolute path runs as given (A/B experiments against another tree).
  const script = path.isAbsolute(entry) ? entry : compiled ? path.join(ROOT, 'dist/bench', `${entry}.js`) : path.join(ROOT, 'bench', `${entry}.ts`);
  // Under tsx, its CommonJS hook only: no ESM loader thread, so the process and its profile are just the service.
  const execArgv = script.endsWith('.ts') ? ['--require', 'tsx/cjs'] : [];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  const child = fork(script, [], {
    execArgv,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', log, log, 'ipc'],
  });
  fs.closeSync(log);
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}); see bench-results/${name}.log`));
    }
    pending.clear();
  });

  const ready = await new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS} ms; see bench-results/${name}.log`)), READY_TIMEOUT_MS);
    child.once('exit', () => reject(new Error(`${name} exited during start-up; see bench-results/${name}.log`)));
    child.on('message', (message: any) => {
      if (message?.ready) {
        clearTimeout(timer);
        resolve(message.ready);
        return;
      }
      const waiter = pending.get(message?.id);
      if (!waiter) return;
      pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.error) waiter.reject(new Error(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
  }).catch((err) => {
    if (!exited) child.kill('SIGKILL');
    throw err;
  });

  const call = <T>(cmd: string, args?: unknown) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error(`${name} is not running`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: ${cmd} took longer than ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      child.send({ id, cmd, args });
    });

  const handle: BenchChild = {
    name,
    pid: child.pid!,
    ready,
    call,
    cpuSeconds: async () => {
      const usage = await call<CpuUsage>('cpu');
      return (usage.user + usage.system) / 1e6;
    },
    peakRssMb: () => vmHwmMb(child.pid!),
    stop: () => stopChild(child, call, exitedPromise, () => exited).finally(() => running.delete(handle)),
  };
  running.add(handle);
  return handle;
}

async function stopChild(child: ChildProcess, call: BenchChild['call'], exitedPromise: Promise<void>, isExited: () => boolean): Promise<void> {
  if (isExited()) return;
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref());
  // The reply to `stop` may never come (the child exits right after sending it); the exit is what counts.
  call('stop').catch(() => undefined);
  if ((await Promise.race([exitedPromise, timeout])) === 'timeout' && !isExited()) {
    child.kill('SIGKILL');
    await exitedPromise;
  }
}

/** VmHWM from /proc/<pid>/status (Linux): the peak RSS, sampled by the kernel, so no peak is missed. */
export function vmHwmMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
