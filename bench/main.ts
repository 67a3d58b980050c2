/**
 * `npm run bench`: the SCIM front, end-to-end provisioning, import and paging, memory, and Secret
 * Server calls per change on the current and legacy Web APIs, in one run against the real Redis
 * and the Secret Server simulator, each service in its own process.
 * Prints a table beside the targets and the full results as JSON (also bench-results/latest.json).
 *
 * Settings (environment): BENCH_PHASES=front,e2e,import,calls,first-sync  BENCH_USERS=10000  BENCH_GROUPS=100
 * BENCH_FRONT_SECONDS=20  BENCH_FRONT_RPS=1000  BENCH_FRONT_CONNECTIONS=16  BENCH_IMPORT_USERS=100000
 * BENCH_IMPORT_GROUPS=1000  BENCH_SS_LATENCY_MS=20  BENCH_IMPORT_LATENCY_MS=20  BENCH_CALLS_USERS=50
 * BENCH_CALLS_MEMBERS=10 (added and as many removed in one group change)  BENCH_FIRST_SYNC_USERS=1000
 * BENCH_FIRST_SYNC_LATENCY_MS=100  BENCH_CPU_PROF=1
 * (writes .cpuprofile files of the bridge processes to bench-results/profiles; see cpu-profile-summary.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { BenchChild, buildForBench, RESULTS_DIR, startChild, stopAllChildren } from './bench-processes';
import { deleteRunKeys, loadSettings } from './bench-env';
import { runCallsBench } from './calls-bench';
import { runE2eBench } from './e2e-bench';
import { runFirstSyncBench } from './first-sync-bench';
import { runFrontBench } from './front-bench';
import { runImportBench } from './import-bench';
import { BenchResults, markdownTable, rowsOf, stepTable } from './report';

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<number> {
  const settings = loadSettings();
  const started = Date.now();
  log('building (tsconfig.build.json) so the measured processes run the production JavaScript');
  const runtime = buildForBench();
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    // A busy machine skews every figure: the load average at the start is recorded with them.
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverageAtStart: os.loadavg()[0] },
    settings: { ...settings, phases: [...settings.phases], runtime },
  };
  const redis = new Redis(settings.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', (err) => log(`redis: ${err.message}`));
  // Ctrl-C reaches the children too (same process group); the run's keys still go. `on`, not
  // `once`: tsx repeats the signal when our answer is slow, and a second one must not kill us.
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) return;
    interrupted = true;
    log("interrupted: stopping the children, then deleting this run's keys");
    void stopAllChildren()
      .then(() => deleteRunKeys(redis, settings.runPrefix))
      .finally(() => process.exit(130));
  });
  let sim: BenchChild | undefined;
  let failed = false;
  log(`run prefix ${settings.runPrefix}; phases ${[...settings.phases].join(', ')}`);
  if (os.loadavg()[0] > 0.5) log(`warning: load average ${os.loadavg()[0].toFixed(2)} before the start; other processes will skew the figures`);
  try {
    await redis.ping();
    if (settings.phases.has('front')) results.front = await runFrontBench(settings, redis, log);
    if (settings.phases.has('e2e') || settings.phases.has('import')) {
      // Pinned, so an SS_SIM_PROFILE left in the shell cannot change what these phases measure.
      sim = await startChild('simulator', 'sim-child', { env: { SS_SIM_PROFILE: 'current' } });
      if (settings.phases.has('e2e')) results.e2e = await runE2eBench(settings, redis, sim, log);
      if (settings.phases.has('import')) results.import = await runImportBench(settings, redis, sim, log);
      await sim.stop();
    }
    // Its own simulator per profile: the other phases' users and groups would only get in the way.
    if (settings.phases.has('calls')) results.calls = await runCallsBench(settings, redis, log);
    if (settings.phases.has('first-sync')) results.firstSync = await runFirstSyncBench(settings, redis, log);
  } catch (err) {
    failed = true;
    log(`FAILED: ${err instanceof Error ? err.stack : String(err)}`);
  } finally {
    await sim?.stop();
    const deleted = await deleteRunKeys(redis, settings.runPrefix).catch(() => -1);
    log(`deleted ${deleted} keys under ${settings.runPrefix}:*`);
    redis.disconnect();
  }

  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  const table = markdownTable(rowsOf(results));
  const steps = results.front ? `\n\nSCIM mix per step:\n\n${stepTable(results.front)}` : '';
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.md'), `${table}${steps}\n`);
  process.stdout.write(`\n${table}${steps}\n\n${JSON.stringify(results)}\n`);
  log(`done in ${results.durationSeconds}s; bench-results/latest.json and latest.md written`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench crashed: ${String(err)}`);
    process.exit(1);
  },
);
