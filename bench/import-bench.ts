/**
 * Phase 3, import and Okta's "Import Now": the simulator holds 100,000 users and 1,000 groups; the
 * worker process runs the import job (as POST /admin/import queues it); then the driver pages
 * GET /Users and GET /Groups at count=100 through the api process, one page at a time as Okta does.
 * Both processes are fresh, so their peak RSS (VmHWM) is the peak at 100,000 users.
 */
import type Redis from 'ioredis';
import type { BenchChild } from './bench-processes';
import { LatencyRecorder, Percentiles, round, sleep } from './bench-stats';
import { ADMIN_TOKEN, BenchSettings, cpuDelta, cpuSnapshot, issueToken, scimCall, startBridgeChild } from './bench-env';

export interface ImportResult {
  seededUsers: number;
  seededGroups: number;
  seedSeconds: number;
  importSeconds: number;
  importSummary: Record<string, unknown> | null;
  secretServerCalls: Record<string, number>;
  importCpuSeconds: Record<string, number>;
  /** GC of the api process while it served the /Users pages: count, total and longest pause (ms), pauses over 10 ms. */
  apiGcDuringUserPages: { count: number; totalMs: number; maxMs: number; over10ms: number };
  /** CPU seconds per process while the /Users pages were read, with what other processes used. */
  cpuDuringUserPages: Record<string, number>;
  userPages: Percentiles & { pages: number; resources: number; totalResults: number; slowest: Array<{ startIndex: number; ms: number }> };
  groupPages: Percentiles & { pages: number; rounds: number };
  peakRssMb: { api?: number; worker?: number };
  /** Largest V8 heap of the worker seen during the import (sampled each second), MB: what the RSS peak is made of. */
  workerHeapMb: { heapTotal: number; heapUsed: number; external: number; heapUsedAfterGcAtEnd?: number };
}

const GROUP_ROUNDS = 5;

export async function runImportBench(settings: BenchSettings, redis: Redis, sim: BenchChild, log: (line: string) => void): Promise<ImportResult> {
  const prefix = `${settings.runPrefix}:import`;
  await sim.call('reset');
  const seedStarted = performance.now();
  await sim.call('seedUsers', { count: settings.importUsers });
  await sim.call('seedGroups', { count: settings.importGroups, membersPerGroup: 10 });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  await sim.call('setKnobs', { latencyMs: settings.importLatencyMs });
  await sim.call('resetStats');
  log(`import: simulator seeded with ${settings.importUsers} users and ${settings.importGroups} groups in ${round(seedSeconds, 1)}s`);

  const token = await issueToken(redis, prefix);
  const common = { REDIS_PREFIX: prefix, SS_BASE_URL: sim.ready.url as string, SS_MAX_RPS: '0' };
  const api = await startBridgeChild(settings, 'import-api', { ...common, BRIDGE_ROLE: 'api' });
  const worker = await startBridgeChild(settings, 'import-worker', { ...common, BRIDGE_ROLE: 'worker' });
  try {
    const origin = api.ready.url as string;
    const cpuBefore = await cpuSnapshot(redis, [api, worker, sim]);
    const started = performance.now();
    const queued = await fetch(`${origin}/admin/import`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    if (queued.status !== 202) throw new Error(`POST /admin/import answered ${queued.status}`);
    const statusKey = `${prefix}:import:status`;
    const deadline = started + 480_000;
    let summary: Record<string, unknown> | null = null;
    let lastLog = started;
    let lastSample = 0;
    const heap = { heapTotal: 0, heapUsed: 0, external: 0 };
    while (!summary && performance.now() < deadline) {
      if (performance.now() - lastSample > 1000) {
        lastSample = performance.now();
        const m = await worker.call<NodeJS.MemoryUsage>('memory');
        for (const k of ['heapTotal', 'heapUsed', 'external'] as const) heap[k] = Math.max(heap[k], Math.round(m[k] / 1048576));
      }
      const json = await redis.get(statusKey);
      if (json) summary = JSON.parse(json) as Record<string, unknown>;
      else await sleep(100);
      if (performance.now() - lastLog > 10_000) {
        lastLog = performance.now();
        log(`import: running for ${round((lastLog - started) / 1000, 0)}s`);
      }
    }
    const importSeconds = (performance.now() - started) / 1000;
    const afterGc = await worker.call<NodeJS.MemoryUsage>('memoryAfterGc');
    const importCpuSeconds = cpuDelta(cpuBefore, await cpuSnapshot(redis, [api, worker, sim]));
    const stats = await sim.call<{ byEndpoint: Record<string, number> }>('stats');
    log(`import: ${summary ? 'finished' : 'NOT finished'} in ${round(importSeconds, 1)}s; paging /Users and /Groups`);

    // Okta's import: one page at a time, in order, until startIndex passes totalResults.
    const users = new LatencyRecorder();
    let resources = 0;
    // Where the slow pages are (the first ones, deep ones, at random) says what the tail is made of.
    const timed: Array<{ startIndex: number; ms: number }> = [];
    await api.call('resetGcStats');
    const pagingCpuBefore = await cpuSnapshot(redis, [api, worker, sim]);
    let totalResults = 0;
    for (let startIndex = 1, pages = 0; pages < 10_000; pages++) {
      const page = await scimCall(origin, token, 'GET', `/scim/v2/Users?startIndex=${startIndex}&count=100`);
      if (page.status !== 200) throw new Error(`GET /Users page at ${startIndex}: ${page.status}`);
      users.record('page', page.ms);
      timed.push({ startIndex, ms: Math.round(page.ms * 10) / 10 });
      totalResults = page.body.totalResults;
      resources += page.body.Resources.length;
      startIndex += 100;
      if (startIndex > totalResults) break;
    }
    const apiGc = await api.call<ImportResult['apiGcDuringUserPages']>('gcStats');
    const cpuDuringUserPages = cpuDelta(pagingCpuBefore, await cpuSnapshot(redis, [api, worker, sim]));
    const groups = new LatencyRecorder();
    for (let pass = 0; pass < GROUP_ROUNDS; pass++) {
      for (let startIndex = 1; startIndex <= settings.importGroups; startIndex += 100) {
        const page = await scimCall(origin, token, 'GET', `/scim/v2/Groups?startIndex=${startIndex}&count=100`);
        if (page.status !== 200) throw new Error(`GET /Groups page at ${startIndex}: ${page.status}`);
        groups.record('page', page.ms);
      }
    }
    const userPages = users.percentiles('page');
    const groupPages = groups.percentiles('page');
    return {
      seededUsers: settings.importUsers,
      seededGroups: settings.importGroups,
      seedSeconds: round(seedSeconds),
      importSeconds: round(importSeconds),
      importSummary: summary,
      secretServerCalls: stats.byEndpoint,
      importCpuSeconds,
      apiGcDuringUserPages: { count: apiGc.count, totalMs: round(apiGc.totalMs), maxMs: round(apiGc.maxMs), over10ms: apiGc.over10ms },
      cpuDuringUserPages,
      userPages: { ...userPages, pages: userPages.count, resources, totalResults, slowest: timed.sort((a, b) => b.ms - a.ms).slice(0, 12) },
      groupPages: { ...groupPages, pages: groupPages.count, rounds: GROUP_ROUNDS },
      peakRssMb: { api: api.peakRssMb(), worker: worker.peakRssMb() },
      workerHeapMb: { ...heap, heapUsedAfterGcAtEnd: Math.round(afterGc.heapUsed / 1048576) },
    };
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}
