/** The bench's verdict: one table of measures beside their targets, from the phases' results. */
import { CALLS_PROFILES, CallCount, CallsResult } from './calls-bench';
import type { E2eResult } from './e2e-bench';
import type { FirstSyncResult } from './first-sync-bench';
import type { FrontResult } from './front-bench';
import type { ImportResult } from './import-bench';
import type { MixStep } from './scim-mix';

export interface BenchResults {
  startedAt: string;
  durationSeconds?: number;
  machine: { cpus: number; node: string; platform: string; loadAverageAtStart: number };
  settings: Record<string, unknown>;
  front?: FrontResult;
  e2e?: E2eResult;
  import?: ImportResult;
  calls?: CallsResult;
  firstSync?: FirstSyncResult;
}

export interface Row {
  measure: string;
  result: string;
  target: string;
  met?: boolean;
}

/** "A handful": the calls a membership change costs beyond the members themselves. */
const FIXED_GROUP_CALLS = 5;

const ms = (n: number) => `${n.toFixed(1)} ms`;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function rowsOf(r: BenchResults): Row[] {
  const rows: Row[] = [];
  const f = r.front;
  if (f) {
    const rate = f.bridgeAtRate;
    rows.push(
      {
        measure: `SCIM mix at ${fmt(rate.targetRps ?? 0)} req/s: p50 / p99 (achieved ${fmt(rate.rps)} req/s)`,
        result: `${ms(rate.latency.p50)} / ${ms(rate.latency.p99)}`,
        target: 'p99 <= 10 ms',
        met: rate.latency.p99 <= 10 && rate.rps >= 0.95 * (rate.targetRps ?? 0),
      },
      {
        measure: `SCIM mix flat out (${f.bridgeFlat.connections} connections): throughput, p50 / p99`,
        result: `${fmt(f.bridgeFlat.rps)} req/s, ${ms(f.bridgeFlat.latency.p50)} / ${ms(f.bridgeFlat.latency.p99)}`,
        target: '',
      },
      {
        measure: 'Redis round trips per request, bridge / baseline (mix mean of one-at-a-time requests; flat out)',
        result: `${fmt(f.redisRoundTrips.bridge.mixMean, 2)} / ${fmt(f.redisRoundTrips.baseline.mixMean, 2)}; ${fmt(f.redisRoundTrips.bridge.flatOutPerRequest, 2)} / ${fmt(f.redisRoundTrips.baseline.flatOutPerRequest, 2)}`,
        target: 'equal',
        met: Math.abs(f.redisRoundTrips.bridge.mixMean - f.redisRoundTrips.baseline.mixMean) < 0.05,
      },
      {
        measure: 'Bare Express + same Redis round trips, flat out',
        result: `${fmt(f.baselineFlat.rps)} req/s, ${ms(f.baselineFlat.latency.p50)} / ${ms(f.baselineFlat.latency.p99)}`,
        target: '',
      },
      { measure: 'Bridge / baseline throughput', result: `${fmt(f.throughputRatio * 100)}%`, target: '>= 60%', met: f.throughputRatio >= 0.6 },
    );
  }
  const e = r.e2e;
  if (e) {
    rows.push(
      {
        measure: `End to end: ${fmt(e.users)} creates + ${e.groups} groups x ${e.membersPerGroup} members, until all in Secret Server`,
        result: `${fmt(e.elapsedSeconds, 1)} s${e.complete ? '' : ' (INCOMPLETE)'} (push ${fmt(e.pushSeconds, 1)} s)`,
        target: '',
      },
      {
        measure: `  vs ideal (${fmt(e.secretServerCalls)} calls x 20 ms / 32 = ${fmt(e.idealSeconds, 1)} s)`,
        result: `${fmt(e.ratioToIdeal, 2)}x`,
        target: '<= 1.25x',
        met: e.complete && e.ratioToIdeal <= 1.25,
      },
      {
        measure: `  vs the same bound with the call time the worker saw (${fmt(e.meanCallSeenByWorkerMs, 1)} ms mean; ${fmt(e.meanSecretServerCallMs, 1)} ms inside the simulator, 20 ms of it latency)`,
        result: `${fmt(e.ratioToEffectiveIdeal, 2)}x`,
        target: '',
      },
      {
        measure: `  Secret Server calls per new user (all calls / users; token grants: ${e.tokenGrants})`,
        result: `${fmt(e.callsPerNewUser, 2)} (users endpoints ${fmt(e.userEndpointCallsPerNewUser, 2)}, ${fmt(e.groupEndpointCallsPerGroup, 1)} per group)`,
        target: '<= 2',
        met: e.callsPerNewUser <= 2,
      },
    );
  }
  const i = r.import;
  if (i) {
    rows.push(
      {
        measure: `Import ${fmt(i.seededUsers)} users + ${fmt(i.seededGroups)} groups from Secret Server`,
        result: `${fmt(i.importSeconds, 1)} s${i.importSummary ? '' : ' (NOT FINISHED)'}`,
        target: '',
      },
      {
        measure: `GET /Users count=100, all ${fmt(i.userPages.pages)} pages: p50 / p99 / max`,
        result: `${ms(i.userPages.p50)} / ${ms(i.userPages.p99)} / ${ms(i.userPages.max)}`,
        target: 'p99 <= 20 ms',
        met: i.userPages.p99 <= 20 && i.userPages.resources === i.userPages.totalResults,
      },
      {
        measure: `GET /Groups count=100 over ${fmt(i.seededGroups)} groups (${i.groupPages.pages} pages): p50 / max`,
        result: `${ms(i.groupPages.p50)} / ${ms(i.groupPages.max)}`,
        target: '< 100 ms',
        met: i.groupPages.max < 100,
      },
      {
        measure: `Peak RSS, api process at ${fmt(i.seededUsers)} users`,
        result: `${fmt(i.peakRssMb.api ?? NaN)} MB`,
        target: '<= 200 MB',
        met: (i.peakRssMb.api ?? Infinity) <= 200,
      },
      {
        measure: `Peak RSS, worker process at ${fmt(i.seededUsers)} users (import)`,
        result: `${fmt(i.peakRssMb.worker ?? NaN)} MB`,
        target: '<= 200 MB',
        met: (i.peakRssMb.worker ?? Infinity) <= 200,
      },
    );
  }
  const c = r.calls;
  if (c) {
    // The endpoints beside each figure: an unexpected call shows where it went, not only that it happened.
    const endpoints = (count: CallCount) =>
      Object.entries(count.byEndpoint)
        .sort(([, a], [, b]) => b - a)
        .map(([endpoint, calls]) => `${endpoint} ${calls}`)
        .join(', ');
    for (const profile of CALLS_PROFILES) {
      const p = c.profiles[profile];
      if (!p) continue;
      rows.push({
        measure: `calls per new user (${profile})`,
        result: `${fmt(p.callsPerNewUser, 2)} over ${p.newUsers} users (${endpoints(p.userCalls)})`,
        target: '2',
        met: p.callsPerNewUser <= 2,
      });
    }
    for (const profile of CALLS_PROFILES) {
      const p = c.profiles[profile];
      if (!p) continue;
      const changed = p.membersAdded + p.membersRemoved;
      // current: a fixed few reads and one PATCH whatever the size; legacy: one POST or DELETE per member on top of the same few.
      const bound = FIXED_GROUP_CALLS + (profile === 'legacy' ? changed : 0);
      rows.push({
        measure: `calls per membership change of ${changed} members (${profile})`,
        result: `${p.callsPerChange} for +${p.membersAdded} -${p.membersRemoved} in one PATCH, ${fmt(p.callsPerMemberChanged, 2)} per member (${endpoints(p.changeCalls)})${p.failedJobs ? ` (${p.failedJobs} FAILED jobs)` : ''}`,
        target: profile === 'legacy' ? `<= ${bound} (1 per member + ${FIXED_GROUP_CALLS})` : `<= ${bound}, whatever the number of members`,
        met: p.callsPerChange <= bound && p.failedJobs === 0,
      });
    }
  }
  const s = r.firstSync;
  if (s) {
    const regime = `${fmt(s.users)} new users, ${s.latencyMs} ms per call, SS_MAX_RPS ${s.maxRps}, WORKER_CONCURRENCY ${s.concurrency}, 10 pushes at a time`;
    const today = s.runs['search-first'];
    if (today) {
      rows.push({
        measure: `First sync, every create searching first (SS_ACCOUNT_VIEW_MAX_AGE_S=0): ${regime}, until all in Secret Server`,
        result: `${fmt(today.elapsedSeconds, 1)} s${today.complete ? '' : ' (INCOMPLETE)'}, ${fmt(today.callsPerNewUser, 2)} calls per new user, ${fmt(today.ratioToFloor, 2)}x the floor (${fmt(today.floorSeconds, 1)} s)`,
        target: '',
      });
    }
    const view = s.runs['account-view'];
    if (view) {
      rows.push(
        {
          measure: `First sync with the account view (defaults): ${regime}, until all in Secret Server, vs the one-call floor (${fmt(view.users)} / ${s.maxRps} = ${fmt(view.floorSeconds, 1)} s)`,
          result: `${fmt(view.elapsedSeconds, 1)} s${view.complete ? '' : ' (INCOMPLETE)'}, ${fmt(view.ratioToFloor, 2)}x`,
          target: '<= 1.1x',
          met: view.complete && view.failedJobs === 0 && view.ratioToFloor <= 1.1,
        },
        {
          measure: '  Secret Server calls per new user (all calls, token grants and health checks included)',
          result: `${fmt(view.callsPerNewUser, 3)} (${Object.entries(view.callsByEndpoint)
            .sort(([, a], [, b]) => b - a)
            .map(([endpoint, calls]) => `${endpoint} ${calls}`)
            .join(', ')})`,
          target: '<= 1.1',
          met: view.callsPerNewUser <= 1.1,
        },
      );
    }
  }
  // Not the target's condition, but where memory peaks in practice: under load, not at rest.
  const underLoad = [
    f && `api ${fmt(f.peakRssMb.api ?? NaN)} MB (SCIM flat out)`,
    e && `api ${fmt(e.peakRssMb.api ?? NaN)} MB, worker ${fmt(e.peakRssMb.worker ?? NaN)} MB (end to end)`,
  ].filter(Boolean);
  if (underLoad.length) rows.push({ measure: 'Peak RSS in the other phases', result: underLoad.join('; '), target: '' });
  return rows;
}

/** A Markdown table: readable on a terminal and pasted as is into docs/performance.md. */
export function markdownTable(rows: Row[]): string {
  const lines = ['| Measure | Result | Target | Met |', '|---|---|---|---|'];
  for (const row of rows) lines.push(`| ${row.measure} | ${row.result} | ${row.target} | ${row.met === undefined ? '' : row.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

/** Per-step latencies of the SCIM mix, where a slow endpoint would hide inside the overall p99. */
export function stepTable(f: FrontResult): string {
  const lines = [
    '| Step | at rate p50 / p99 | flat out p50 / p99 | baseline flat out p50 / p99 | Redis round trips, bridge / baseline |',
    '|---|---|---|---|---|',
  ];
  for (const step of Object.keys(f.bridgeAtRate.steps)) {
    const cell = (s: { p50: number; p99: number } | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : '');
    const trips = (side: 'bridge' | 'baseline') => fmt(f.redisRoundTrips[side].perStep[step as MixStep], 2);
    lines.push(
      `| ${step} | ${cell(f.bridgeAtRate.steps[step])} | ${cell(f.bridgeFlat.steps[step])} | ${cell(f.baselineFlat.steps[step])} | ${trips('bridge')} / ${trips('baseline')} |`,
    );
  }
  return lines.join('\n');
}
