/**
 * A bridge process for the bench: the real startBridge with the configuration from the environment
 * the driver sets (BRIDGE_ROLE, REDIS_PREFIX, SS_BASE_URL, WORKER_CONCURRENCY, ...), exactly as
 * `npm start` would run, plus the IPC the driver needs (its URL, CPU time, stop).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { loadConfig } from '../src/config/load-config';
import { startBridge } from '../src/lifecycle/bridge-process';
import { createLogger } from '../src/logging/logger';
import { serveRpc } from './child-rpc';
import { countRedisRoundTrips, redisRoundTrips } from './redis-round-trips';

async function main(): Promise<void> {
  countRedisRoundTrips();
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const bridge = await startBridge(config, logger);
  // GC pauses, so a latency tail can be told apart from the bridge's own work.
  let gc = { count: 0, totalMs: 0, maxMs: 0, over10ms: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (entry.duration > 10) gc.over10ms++;
    }
  }).observe({ entryTypes: ['gc'] });
  serveRpc(
    {
      stop: () => bridge.stop(),
      /** Secret Server calls as the worker saw them (its own histogram): count and total seconds. */
      secretServerCalls: async () => {
        const metric = await bridge.container.metrics.secretServerCalls.get();
        const pick = (suffix: string) => metric.values.filter((v) => v.metricName?.endsWith(suffix)).reduce((n, v) => n + v.value, 0);
        return { count: pick('_count'), seconds: pick('_sum') };
      },
      memory: () => process.memoryUsage(),
      redisRoundTrips: () => redisRoundTrips(),
      gcStats: () => gc,
      resetGcStats: () => {
        gc = { count: 0, totalMs: 0, maxMs: 0, over10ms: 0 };
      },
      /** Memory after a full GC: the live data, as opposed to the garbage a busy heap carries. */
      memoryAfterGc: () => {
        v8.setFlagsFromString('--expose-gc');
        (vm.runInNewContext('gc') as () => void)();
        return process.memoryUsage();
      },
      queueCounts: () => bridge.container.queue.provision.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'),
    },
    { url: bridge.url ?? null, role: config.role },
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench bridge child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
