/**
 * The Okta-shaped request mix, driven by autocannon. Each connection replays Okta's lifecycle of
 * one new user, in order: existence filter, POST, GET, PUT (profile push), PATCH active=false,
 * then a group PATCH adding the user. Every POST gets a unique userName from setupRequest, and the
 * id in the POST's answer feeds the next steps (onResponse → context).
 */
import autocannon from 'autocannon';
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

function sequence(target: MixTarget): autocannon.Request[] {
  const scim = '/scim/v2';
  let groupCursor = 0;
  type Ctx = { userName?: string; id?: string };
  const done = (step: MixStep) => () => {
    answering = step;
  };
  const withId = (build: (req: autocannon.Request, id: string, ctx: Ctx) => void) => (req: autocannon.Request, context: object) => {
    const ctx = context as Ctx;
    if (!ctx.id) return null as unknown as autocannon.Request; // the POST failed: restart the sequence
    build(req, ctx.id, ctx);
    return req;
  };
  return [
    {
      method: 'GET',
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        ctx.userName = `${target.tag}-${++serial}@bench.example.com`;
        req.path = `${scim}/Users?filter=${encodeURIComponent(`userName eq "${ctx.userName}"`)}&startIndex=1&count=100`;
        return req;
      },
      onResponse: done('filter'),
    },
    {
      method: 'POST',
      path: `${scim}/Users`,
      setupRequest: (req, context) => {
        req.body = userBody((context as Ctx).userName!, 'Created');
        return req;
      },
      onResponse: (status, body, context) => {
        answering = 'create';
        (context as Ctx).id = status === 201 ? (JSON.parse(body) as { id: string }).id : undefined;
      },
    },
    { method: 'GET', setupRequest: withId((req, id) => void (req.path = `${scim}/Users/${id}`)), onResponse: done('get') },
    {
      method: 'PUT',
      setupRequest: withId((req, id, ctx) => {
        req.path = `${scim}/Users/${id}`;
        req.body = userBody(ctx.userName!, 'Updated');
      }),
      onResponse: done('replace'),
    },
    {
      method: 'PATCH',
      setupRequest: withId((req, id) => {
        req.path = `${scim}/Users/${id}`;
        req.body = JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
      }),
      onResponse: done('deactivate'),
    },
    {
      method: 'PATCH',
      setupRequest: withId((req, id) => {
        req.path = `${scim}/Groups/${target.groupIds[groupCursor++ % target.groupIds.length]}`;
        req.body = JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] });
      }),
      onResponse: done('groupAdd'),
    },
  ];
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
      (err, result) => (err ? reject(err) : resolve(result)),
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
export async function runMix(target: MixTarget, mode: { flat: true; connections: number } | { rps: number; connections: number }, durationS: number): Promise<MixResult> {
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
