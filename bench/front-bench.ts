/**
 * Phase 1, the SCIM front: the Okta-shaped mix against the bridge API (its own process,
 * BRIDGE_ROLE=api, no worker, so nothing else competes for the CPU) at a steady 1,000 req/s and
 * flat out, then the bare Express baseline flat out with the same mix and connections.
 */
import type Redis from 'ioredis';
import { BenchChild, startChild } from './bench-processes';
import { inPool } from './bench-stats';
import { BenchSettings, cpuDelta, cpuSnapshot, expectStatus, issueToken, scimCall, startBridgeChild } from './bench-env';
import { MIX_STEPS, MixResult, MixStep, MixTarget, roundTripsPerStep, runMix } from './scim-mix';

export interface FrontResult {
  bridgeAtRate: MixResult;
  bridgeFlat: MixResult;
  baselineFlat: MixResult;
  /** bridge flat-out throughput / baseline flat-out throughput. */
  throughputRatio: number;
  /** CPU seconds per process during the 1,000 req/s run (otherProcesses: the rest of the machine). */
  cpuBridgeAtRate: Record<string, number>;
  /** CPU seconds per process during each flat-out run. */
  cpuBridgeFlat: Record<string, number>;
  cpuBaselineFlat: Record<string, number>;
  peakRssMb: { api?: number };
  /**
   * Redis round trips per request, counted inside each server: per step of the mix (requests sent
   * one at a time) and over the flat-out run (where concurrent requests can share a write).
   */
  redisRoundTrips: { bridge: RoundTrips; baseline: RoundTrips };
}

export interface RoundTrips {
  perStep: Record<MixStep, number>;
  /** Mean of perStep: each step is one sixth of the mix. */
  mixMean: number;
  flatOutPerRequest: number;
}

const PROBE_LIFECYCLES = 20;

async function probeRoundTrips(child: BenchChild, target: MixTarget): Promise<Record<MixStep, number>> {
  // autocannon stops with requests still in flight; let the server finish them before counting.
  for (let last = -1, now = await child.call<number>('redisRoundTrips'); now !== last;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    last = now;
    now = await child.call<number>('redisRoundTrips');
  }
  return roundTripsPerStep({ ...target, tag: `${target.tag}-probe` }, () => child.call<number>('redisRoundTrips'), PROBE_LIFECYCLES);
}

function roundTrips(perStep: Record<MixStep, number>, flat: { result: MixResult; trips: number }): RoundTrips {
  return {
    perStep,
    mixMean: MIX_STEPS.reduce((n, s) => n + perStep[s], 0) / MIX_STEPS.length,
    flatOutPerRequest: flat.trips / flat.result.responses,
  };
}

const WARMUP_SECONDS = 5;
const GROUPS = 50;

async function createGroups(origin: string, token: string, tag: string): Promise<string[]> {
  return inPool(
    Array.from({ length: GROUPS }, (_, i) => i),
    8,
    async (i) => {
      const a = await expectStatus(
        scimCall(origin, token, 'POST', '/scim/v2/Groups', {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
          displayName: `${tag} group ${i}`,
          members: [],
        }),
        201,
        'create bench group',
      );
      return a.body.id as string;
    },
  );
}

/** Warm-up (JIT, Lua script cache, connection pools), not counted. */
async function warm(target: MixTarget, connections: number): Promise<void> {
  await runMix({ ...target, tag: `${target.tag}-warm` }, { flat: true, connections }, WARMUP_SECONDS);
}

async function measuredFlat(redis: Redis, server: BenchChild, target: MixTarget, connections: number, seconds: number) {
  const before = await cpuSnapshot(redis, [server]);
  const tripsBefore = await server.call<number>('redisRoundTrips');
  const result = await runMix(target, { flat: true, connections }, seconds);
  const trips = (await server.call<number>('redisRoundTrips')) - tripsBefore;
  return { result, trips, cpu: cpuDelta(before, await cpuSnapshot(redis, [server])) };
}

export async function runFrontBench(settings: BenchSettings, redis: Redis, log: (line: string) => void): Promise<FrontResult> {
  const prefix = `${settings.runPrefix}:front`;
  const token = await issueToken(redis, prefix);
  // SS_BASE_URL points nowhere: the api role never calls Secret Server (readiness is not polled here).
  const api = await startBridgeChild(settings, 'front-api', { BRIDGE_ROLE: 'api', REDIS_PREFIX: prefix, SS_BASE_URL: 'http://127.0.0.1:9/SecretServer' });
  let bridgeAtRate: MixResult;
  let cpuBridgeAtRate: Record<string, number>;
  let bridgeFlat: Awaited<ReturnType<typeof measuredFlat>>;
  let bridgeSteps: Record<MixStep, number>;
  let peakApi: number | undefined;
  try {
    const origin = api.ready.url as string;
    const target: MixTarget = { origin, token, groupIds: await createGroups(origin, token, 'front'), tag: 'front' };
    log(`front: bridge api at ${origin}; warming up ${WARMUP_SECONDS}s`);
    await warm(target, settings.frontConnections);
    bridgeSteps = await probeRoundTrips(api, target);
    log(`front: ${settings.frontRps} req/s for ${settings.frontSeconds}s`);
    const rateCpuBefore = await cpuSnapshot(redis, [api]);
    bridgeAtRate = await runMix({ ...target, tag: 'front-rate' }, { rps: settings.frontRps, connections: 20 }, settings.frontSeconds);
    cpuBridgeAtRate = cpuDelta(rateCpuBefore, await cpuSnapshot(redis, [api]));
    log(`front: flat out, ${settings.frontConnections} connections, ${settings.frontSeconds}s`);
    bridgeFlat = await measuredFlat(redis, api, { ...target, tag: 'front-flat' }, settings.frontConnections, settings.frontSeconds);
    peakApi = api.peakRssMb();
  } finally {
    await api.stop();
  }

  const baseline = await startChild('front-baseline', 'bare-baseline', {
    env: { REDIS_URL: settings.redisUrl, REDIS_PREFIX: `${settings.runPrefix}:baseline` },
  });
  let baselineFlat: Awaited<ReturnType<typeof measuredFlat>>;
  let baselineSteps: Record<MixStep, number>;
  try {
    const origin = baseline.ready.url as string;
    const target: MixTarget = { origin, token: 'none', groupIds: await createGroups(origin, 'none', 'baseline'), tag: 'baseline' };
    log(`front: bare baseline at ${origin}; warming up ${WARMUP_SECONDS}s, then flat out ${settings.frontSeconds}s`);
    await warm(target, settings.frontConnections);
    baselineSteps = await probeRoundTrips(baseline, target);
    baselineFlat = await measuredFlat(redis, baseline, { ...target, tag: 'baseline-flat' }, settings.frontConnections, settings.frontSeconds);
  } finally {
    await baseline.stop();
  }

  return {
    bridgeAtRate,
    bridgeFlat: bridgeFlat.result,
    baselineFlat: baselineFlat.result,
    throughputRatio: bridgeFlat.result.rps / baselineFlat.result.rps,
    cpuBridgeAtRate,
    cpuBridgeFlat: bridgeFlat.cpu,
    cpuBaselineFlat: baselineFlat.cpu,
    peakRssMb: { api: peakApi },
    redisRoundTrips: { bridge: roundTrips(bridgeSteps, bridgeFlat), baseline: roundTrips(baselineSteps, baselineFlat) },
  };
}
