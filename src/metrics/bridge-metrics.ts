import type { NextFunction, Request, Response } from 'express';
import client from 'prom-client';
import { DRIFT_KINDS, type DriftSummary } from '../domain/drift-report';

/**
 * Every Prometheus metric, in one registry per process (tests build several apps in one process).
 * Labels are templates (route, endpoint) and directory names, never ids or emails.
 */
export class BridgeMetrics {
  readonly registry = new client.Registry();
  readonly httpRequests: client.Histogram<'method' | 'route' | 'status'>;
  readonly jobOutcomes: client.Counter<'job' | 'result' | 'directory'>;
  readonly jobDurations: client.Histogram<'job' | 'directory'>;
  readonly secretServerCalls: client.Histogram<'endpoint' | 'status'>;
  readonly secretServerErrors: client.Counter<'endpoint' | 'status'>;
  readonly queueJobs: client.Gauge<'queue' | 'state' | 'directory'>;
  readonly circuitOpen: client.Gauge;
  readonly grantBackoff: client.Gauge;
  readonly importUsers: client.Gauge<'outcome'>;
  readonly importDuration: client.Gauge;
  readonly driftItems: client.Gauge<'kind'>;
  readonly driftFinished: client.Gauge;
  private driftSummary: (() => Promise<DriftSummary | undefined>) | undefined;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'scimbridge_' });
    this.httpRequests = new client.Histogram({
      name: 'scimbridge_http_request_duration_seconds',
      help: 'SCIM and ops HTTP requests by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [this.registry],
    });
    this.jobOutcomes = new client.Counter({
      name: 'scimbridge_job_outcomes_total',
      help: 'Provisioning job outcomes (created, linked, updated, disabled, retry, failed, ...) per directory',
      labelNames: ['job', 'result', 'directory'],
      registers: [this.registry],
    });
    this.jobDurations = new client.Histogram({
      name: 'scimbridge_job_duration_seconds',
      help: 'Time one provisioning job took',
      labelNames: ['job', 'directory'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60],
      registers: [this.registry],
    });
    this.secretServerCalls = new client.Histogram({
      name: 'scimbridge_secret_server_call_duration_seconds',
      help: 'Secret Server REST calls by endpoint template and status',
      labelNames: ['endpoint', 'status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [this.registry],
    });
    this.secretServerErrors = new client.Counter({
      name: 'scimbridge_secret_server_errors_total',
      help: 'Secret Server calls that failed (non-2xx or no answer)',
      labelNames: ['endpoint', 'status'],
      registers: [this.registry],
    });
    this.queueJobs = new client.Gauge({
      name: 'scimbridge_queue_jobs',
      help: 'Jobs per directory, queue and state (waiting, active, delayed, failed), read at scrape time',
      labelNames: ['queue', 'state', 'directory'],
      registers: [this.registry],
    });
    this.circuitOpen = new client.Gauge({
      name: 'scimbridge_secret_server_circuit_open',
      help: '1 while calls to Secret Server are paused by the circuit breaker (0 closed, 0.5 half-open)',
      registers: [this.registry],
    });
    this.grantBackoff = new client.Gauge({
      name: 'scimbridge_secret_server_grant_backoff_seconds',
      help: 'Delay imposed on the next token grant after Secret Server refused one (0: none); a wrong SS_PASSWORD shows here',
      registers: [this.registry],
    });
    this.importUsers = new client.Gauge({
      name: 'scimbridge_import_last_run_resources',
      help: 'Users and groups seen, created and updated by the last import from Secret Server',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.importDuration = new client.Gauge({
      name: 'scimbridge_import_last_run_duration_seconds',
      help: 'Duration of the last import from Secret Server',
      registers: [this.registry],
    });
    // The last drift report may have run in another process (the CLI): its summary is read from
    // Redis at scrape time (https://github.com/siimon/prom-client#configuration, `collect`).
    this.driftItems = new client.Gauge({
      name: 'scimbridge_drift_items',
      help: 'Items of the last drift report by kind (missing, duplicate, enabled, displayName, email, members-missing, members-extra, unmanaged)',
      labelNames: ['kind'],
      registers: [this.registry],
      collect: () => this.collectDrift(),
    });
    // Registered after driftItems, whose collect sets it too: the registry collects in order.
    this.driftFinished = new client.Gauge({
      name: 'scimbridge_drift_last_run_timestamp_seconds',
      help: 'When the last drift report finished (Unix time); absent when none ran',
      registers: [this.registry],
    });
  }

  /** Where the last drift report's summary is kept (DriftReportStore.lastSummary). */
  readDriftSummaryFrom(source: () => Promise<DriftSummary | undefined>): void {
    this.driftSummary = source;
  }

  private async collectDrift(): Promise<void> {
    let summary: DriftSummary | undefined;
    try {
      summary = await this.driftSummary?.();
    } catch {
      // Redis down: the scrape still answers with what the process knows, without drift figures.
    }
    this.driftItems.reset();
    this.driftFinished.reset();
    if (!summary) return;
    for (const kind of DRIFT_KINDS) this.driftItems.set({ kind }, summary.counts[kind] ?? 0);
    this.driftFinished.set(Date.parse(summary.finishedAt) / 1000);
  }

  /** Express middleware: one observation per request, labelled with the matched route template. */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.httpRequests.startTimer();
      res.on('finish', () => {
        end({ method: req.method, route: routeTemplate(req), status: String(res.statusCode) });
      });
      next();
    };
  }

  recordJob(directory: string, job: string, result: string, durationMs: number): void {
    this.jobOutcomes.inc({ job, result, directory });
    this.jobDurations.observe({ job, directory }, durationMs / 1000);
  }

  recordSecretServerCall(endpoint: string, status: number | 'error', durationMs: number): void {
    this.secretServerCalls.observe({ endpoint, status: String(status) }, durationMs / 1000);
    if (status === 'error' || status >= 400) this.secretServerErrors.inc({ endpoint, status: String(status) });
  }
}

const CANONICAL_MOUNTS = new Map(['/scim/v2', '/scim/v2/Users', '/scim/v2/Groups'].map((m) => [m.toLowerCase(), m]));

function routeTemplate(req: Request): string {
  // Unmatched requests (404s, failed authentication) share one label, so the label set stays bounded.
  // The mount part is the matched text of the request path, and routing ignores case: every
  // spelling a client invents (/scim/v2/USERS) gets the documented one, never a label of its own.
  if (!req.route) return 'unmatched';
  const mount = req.baseUrl.toLowerCase();
  return `${CANONICAL_MOUNTS.get(mount) ?? directoryMount(mount)}${String((req.route as { path: string }).path)}`;
}

/** A named directory's mount (/scim/v2/d/<name>/users) spelt as documented; directory names are lower-case already. */
function directoryMount(mount: string): string {
  return mount.replace(
    /^(\/scim\/v2\/d\/[^/]+)\/(users|groups)$/,
    (_, base: string, resource: string) => `${base}/${resource === 'users' ? 'Users' : 'Groups'}`,
  );
}
