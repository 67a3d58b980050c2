/**
 * Fault knobs and call statistics of the simulator. Knobs are one live object: tests may set
 * fields directly (`sim.knobs.latencyMs = 200`) or go through setKnobs / POST {base}/_sim/knobs.
 */
import type { NextFunction, Request, Response } from 'express';

export interface RateLimitKnob {
  /** Fraction of calls answered 429 (0..1). */
  rate?: number;
  /** Answer the next K calls with 429, then stop (counts down). */
  nextCalls?: number;
  /** Retry-After seconds (default 1). */
  retryAfterSeconds?: number;
  /** Send Retry-After as an HTTP date instead of seconds. */
  httpDate?: boolean;
}

export interface SimulatorKnobs {
  /** Added to every call, ms. */
  latencyMs: number;
  /** Up to this much more, at random, ms. */
  latencyJitterMs: number;
  /** Fraction of calls answered 503 (0..1). */
  errorRate: number;
  /** true: every call answers 503 until turned off; a number: until that epoch ms. */
  outage: boolean | number;
  rateLimit: RateLimitKnob | null;
  /** true, or a fraction (0..1) of calls, answered 200 with an HTML page (as DelineaXPM/python-tss-sdk delinea/secrets/server.py warns). */
  htmlOn200: boolean | number;
  /** Lifetime of tokens granted from now on, seconds. */
  tokenTtlSeconds: number;
  /**
   * userNames (any case) that Secret Server refuses to disable or delete, as it refuses system
   * users and Platform service users: 400 API_AccessDenied, nothing changes (the calling user is
   * always refused, listed or not).
   */
  refuseDisable: string[];
}

export type KnobsInput = Partial<Omit<SimulatorKnobs, 'outage'>> & { outage?: boolean | number | string };

export function defaultKnobs(tokenTtlSeconds: number): SimulatorKnobs {
  return { latencyMs: 0, latencyJitterMs: 0, errorRate: 0, outage: false, rateLimit: null, htmlOn200: false, tokenTtlSeconds, refuseDisable: [] };
}

const fraction = (v: unknown, key: string) => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TypeError(`${key} must be a number between 0 and 1`);
  return v;
};
const nonNegative = (v: unknown, key: string) => {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new TypeError(`${key} must be a non-negative number`);
  return v;
};

/** Validates a partial knob set (from code or HTTP) and merges it into `knobs`. Throws TypeError. */
export function applyKnobs(knobs: SimulatorKnobs, input: unknown): SimulatorKnobs {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('knobs must be a JSON object');
  const next = { ...knobs };
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    switch (key) {
      case 'latencyMs':
      case 'latencyJitterMs':
        next[key] = nonNegative(value, key);
        break;
      case 'tokenTtlSeconds':
        next.tokenTtlSeconds = nonNegative(value, key);
        break;
      case 'errorRate':
        next.errorRate = fraction(value, key);
        break;
      case 'outage':
        if (typeof value === 'boolean') next.outage = value;
        else if (typeof value === 'number' && Number.isFinite(value)) next.outage = value;
        else if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) next.outage = Date.parse(value);
        else throw new TypeError('outage must be true, false, an epoch-ms number or an ISO date');
        break;
      case 'htmlOn200':
        next.htmlOn200 = typeof value === 'boolean' ? value : fraction(value, key);
        break;
      case 'refuseDisable':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) throw new TypeError('refuseDisable must be an array of userNames');
        next.refuseDisable = [...(value as string[])];
        break;
      case 'rateLimit': {
        if (value === null || value === false) {
          next.rateLimit = null;
          break;
        }
        if (typeof value !== 'object') throw new TypeError('rateLimit must be an object or null');
        const v = value as Record<string, unknown>;
        const rl: RateLimitKnob = {};
        if (v.rate !== undefined) rl.rate = fraction(v.rate, 'rateLimit.rate');
        if (v.nextCalls !== undefined) rl.nextCalls = Math.floor(nonNegative(v.nextCalls, 'rateLimit.nextCalls'));
        if (v.retryAfterSeconds !== undefined) rl.retryAfterSeconds = Math.floor(nonNegative(v.retryAfterSeconds, 'rateLimit.retryAfterSeconds'));
        if (v.httpDate !== undefined) rl.httpDate = v.httpDate === true;
        next.rateLimit = rl;
        break;
      }
      default:
        throw new TypeError(`unknown knob: ${key}`);
    }
  }
  return Object.assign(knobs, next);
}

/** Call counts by endpoint template ('POST /api/v1/users') and by status; the /_sim API is not counted. */
export class SimulatorStats {
  total = 0;
  byEndpoint: Record<string, number> = {};
  byStatus: Record<string, number> = {};

  record(endpoint: string): void {
    this.total += 1;
    this.byEndpoint[endpoint] = (this.byEndpoint[endpoint] ?? 0) + 1;
  }

  recordStatus(status: number): void {
    this.byStatus[status] = (this.byStatus[status] ?? 0) + 1;
  }

  /** Calls to one endpoint template, e.g. count('POST /api/v1/users'). */
  count(endpoint: string): number {
    return this.byEndpoint[endpoint] ?? 0;
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint = {};
    this.byStatus = {};
  }

  toJSON() {
    return { total: this.total, byEndpoint: { ...this.byEndpoint }, byStatus: { ...this.byStatus } };
  }
}

/** '/api/v1/Groups/12/users/7/' -> '/api/v1/groups/{id}/users/{userId}' */
export function endpointTemplate(method: string, path: string): string {
  let ids = 0;
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? (ids++ === 0 ? '{id}' : '{userId}') : s.toLowerCase()));
  return `${method.toUpperCase()} /${segments.join('/')}`;
}

/** Counts a call under its endpoint template and, once answered, its status. */
export function countCalls(stats: SimulatorStats) {
  return (req: Request, res: Response, next: NextFunction) => {
    stats.record(endpointTemplate(req.method, req.path));
    res.on('finish', () => stats.recordStatus(res.statusCode));
    next();
  };
}

const OUTAGE_PAGE =
  '<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p></body></html>';
const HTML_PAGE =
  '<!DOCTYPE html><html><head><title>Secret Server</title></head><body><h1>Secret Server</h1><p>An error occurred while processing your request.</p></body></html>';

/** Express middleware applying the knobs to one call (after it has been counted). */
export function knobsMiddleware(knobs: SimulatorKnobs, random: () => number, now: () => number) {
  const hit = (rate: number | boolean) => (typeof rate === 'boolean' ? rate : rate > 0 && random() < rate);
  return async (_req: Request, res: Response, next: NextFunction) => {
    const delay = knobs.latencyMs + (knobs.latencyJitterMs > 0 ? Math.floor(random() * knobs.latencyJitterMs) : 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (typeof knobs.outage === 'number' && now() >= knobs.outage) knobs.outage = false;
    if (knobs.outage !== false || hit(knobs.errorRate)) {
      // What IIS says when the application pool is down: HTML, not the API's JSON.
      res.status(503).type('text/html').send(OUTAGE_PAGE);
      return;
    }
    const rl = knobs.rateLimit;
    if (rl && ((rl.nextCalls ?? 0) > 0 || hit(rl.rate ?? 0))) {
      if ((rl.nextCalls ?? 0) > 0) rl.nextCalls = (rl.nextCalls ?? 0) - 1;
      const seconds = rl.retryAfterSeconds ?? 1;
      res.setHeader('Retry-After', rl.httpDate ? new Date(now() + seconds * 1000).toUTCString() : String(seconds));
      res.status(429).json({ message: 'Too many requests. Please try again later.' });
      return;
    }
    if (hit(knobs.htmlOn200)) {
      res.status(200).type('text/html').send(HTML_PAGE);
      return;
    }
    next();
  };
}
