/**
 * The Okta-shaped request mix, driven by autocannon. Each connection replays Okta's lifecycle of
 * one new user, in order: existence filter, POST, GET, PUT (profile push), PATCH active=false,
 * then a group PATCH adding the user. Every POST gets a unique userName from setupRequest, and the
 * id in the POST's answer feeds the next steps (onResponse → context).
 */
import autocannon from 'autocannon';
import { scimCall } from './bench-env';
import { LatencyRecorder, Percentiles } from './bench-stats';

export const MIX_STEPS = ['filter', 'create', 'get', 'replace', 'deactivate', 'groupAdd'] as const;
export type MixStep = (typeof MIX_STEPS)[number];

export interface MixTarget {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  token: string;
  groupIds: string[];
  /** Makes userNames unique across runs against the same state. */
  tag: string;
}

export interface MixResult {
  mode: 'rate' | 'flat';
  connections: number;
  targetRps?: number;
  durationS: number;
  responses: number;
  rps: number;
  errors: number;
  non2xx: number;
  latency: Percentiles;
  steps: Record<string, Percentiles>;
}

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
let serial = 0;
/** The step whose response autocannon is about to report: set in onResponse, read in the 'response' event, synchronously. */
let answering: MixStep = 'filter';

function userBody(userName: string, given: string) {
  return JSON.stringify({
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: given, familyName: 'Bench' },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} Bench`,
    active: true,
  });
}

/** The state one lifecycle carries from step to step. */
interface Lifecycle {
  userName?: string;
  id?: string;
  groupId?: string;
}

/** The request each step sends; one definition for the autocannon run and the round-trip probe. */
function stepRequest(step: MixStep, life: Lifecycle): { method: 'GET' | 'POST' | 'PUT' | 'PATCH'; path: string; body?: string } {
  const scim = '/scim/v2';
  switch (step) {
    case 'filter':
      return { method: 'GET', path: `${scim}/Users?filter=${encodeURIComponent(`userName eq "${life.userName}"`)}&startIndex=1&count=100` };
    case 'create':
      return { method: 'POST', path: `${scim}/Users`, body: userBody(life.userName!, 'Created') };
    case 'get':
      return { method: 'GET', path: `${scim}/Users/${life.id}` };
    case 'replace':
      return { method: 'PUT', path: `${scim}/Users/${life.id}`, body: userBody(life.userName!, 'Updated') };
    case 'deactivate':
      return {
        method: 'PATCH',
        path: `${scim}/Users/${life.id}`,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] }),
      };
    case 'groupAdd':
      return {
        method: 'PATCH',
        path: `${scim}/Groups/${life.groupId}`,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: life.id }] }] }),
      };
  }
}

function nextUserName(target: MixTarget): string {
  return `${target.tag}-${++serial}@bench.example.com`;
}

function sequence(target: MixTarget): autocannon.Request[] {
  let groupCursor = 0;
  const toRequest = (step: MixStep) => (req: autocannon.Request, context: object) => {
    const life = context as Lifecycle;
    if (step === 'filter') life.userName = nextUserName(target);
    else if (step !== 'create' && !life.id) return null as unknown as autocannon.Request; // the POST failed: restart the sequence
    if (step === 'groupAdd') life.groupId = target.groupIds[groupCursor++ % target.groupIds.length];
    return Object.assign(req, stepRequest(step, life));
  };
  return MIX_STEPS.map((step) => ({
    method: stepRequest(step, {}).method,
    setupRequest: toRequest(step),
    onResponse: (status: number, body: string, context: object) => {
      answering = step;
      if (step === 'create') (context as Lifecycle).id = status === 201 ? (JSON.parse(body) as { id: string }).id : undefined;
    },
  }));
}

/**
 * Redis round trips per step, read off the server's own counter (bench/redis-round-trips.ts)
 * around single requests sent one at a time: what the bridge and the baseline must match.
 */
export async function roundTripsPerStep(target: MixTarget, readCounter: () => Promise<number>, lifecycles: number): Promise<Record<MixStep, number>> {
  const totals = Object.fromEntries(MIX_STEPS.map((s) => [s, 0])) as Record<MixStep, number>;
  for (let i = 0; i < lifecycles; i++) {
    const life: Lifecycle = { userName: nextUserName(target), groupId: target.groupIds[i % target.groupIds.length] };
    for (const step of MIX_STEPS) {
      const { method, path, body } = stepRequest(step, life);
      const before = await readCounter();
      const answer = await scimCall(target.origin, target.token, method, path, body === undefined ? undefined : JSON.parse(body));
      if (answer.status >= 300) throw new Error(`round-trip probe: ${step} answered ${answer.status}`);
      if (step === 'create') life.id = answer.body.id as string;
      totals[step] += (await readCounter()) - before;
    }
  }
  return Object.fromEntries(MIX_STEPS.map((s) => [s, totals[s] / lifecycles])) as Record<MixStep, number>;
}

function runOne(target: MixTarget, options: autocannon.Options, recorder: LatencyRecorder): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        ...options,
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/scim+json', accept: 'application/scim+json' },
        requests: sequence(target),
        // We keep our own raw latencies per step; autocannon's correction assumes evenly spaced requests, which its per-second rate limit does not send.
        ignoreCoordinatedOmission: options.overallRate !== undefined,
      },
      (err: Error | null, result) => (err ? reject(err) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => recorder.record(answering, ms, status));
  });
}

/**
 * Flat out: `connections` closed loops as fast as the server answers.
 * Fixed rate: autocannon's rate limit lets each connection fire its whole per-second quota back to
 * back, and all connections of one instance share the same second boundary, so a single instance at
 * 1,000 req/s sends bursts at full concurrency. To offer a steady 1,000 req/s we run `connections`
 * one-connection instances at rate/connections each, their seconds staggered evenly.
 */
export async function runMix(
  target: MixTarget,
  mode: { flat: true; connections: number } | { rps: number; connections: number },
  durationS: number,
): Promise<MixResult> {
  const recorder = new LatencyRecorder();
  const url = `${target.origin}/scim/v2/Users`;
  let results: autocannon.Result[];
  if ('flat' in mode) {
    results = [await runOne(target, { url, connections: mode.connections, duration: durationS }, recorder)];
  } else {
    const n = mode.connections;
    results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new Promise<void>((r) => setTimeout(r, (i * 1000) / n)).then(() =>
          runOne(target, { url, connections: 1, overallRate: Math.round(mode.rps / n), duration: durationS }, recorder),
        ),
      ),
    );
  }
  const responses = recorder.count();
  return {
    mode: 'flat' in mode ? 'flat' : 'rate',
    connections: mode.connections,
    targetRps: 'rps' in mode ? mode.rps : undefined,
    durationS,
    responses,
    rps: responses / durationS,
    errors: results.reduce((n, r) => n + r.errors, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    latency: recorder.percentiles(),
    steps: Object.fromEntries(MIX_STEPS.map((s) => [s, recorder.percentiles(s)])),
  };
}
