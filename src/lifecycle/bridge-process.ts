import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Job, type Worker } from 'bullmq';
import { createApp, type AppDependencies, type ScimDirectoryDependencies } from '../app';
import type { BridgeConfig } from '../config/config-schema';
import { createContainer, type Container, type DirectoryServices } from '../container';
import { DEFAULT_DIRECTORY } from '../directories/directory';
import type { AdminService } from '../domain/admin-service';
import { ImportRefresh } from '../domain/import-refresh';
import { adminRouter } from '../http/admin-router';
import { queueDashboard } from '../queue/queue-dashboard';
import { clientErrorHandler } from '../http/client-error-handler';
import { opsRouter } from '../http/ops-router';
import { DirtySweeper } from '../jobs/dirty-sweeper';
import { createJobWorkers } from '../jobs/job-runner';
import type { Logger } from '../logging/logger';
import { isLoopbackUrl } from '../config/secret-rules';
import { oauthRouter } from '../oauth/oauth-router';
import { adminConsole } from './admin-console';
import { SecretServerReadiness } from './secret-server-readiness';
import { WorkerHeartbeat } from './worker-heartbeat';

/**
 * How long start-up waits for Redis before it listens without it. A reachable Redis answers in
 * milliseconds, and then workers are running when startBridge returns.
 */
const REDIS_STARTUP_WAIT_MS = 3_000;

/** How often a process looks for directories created or removed while it runs (`npm run directory`). */
const DIRECTORY_POLL_MS = 5_000;

interface RunningDirectory {
  workers: Worker[];
  sweeper: DirtySweeper;
}

const delay = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(value), ms);
    timer.unref();
  });

export interface RunningBridge {
  container: Container;
  admin: AdminService;
  /** Base URL of the HTTP server (api role), e.g. http://127.0.0.1:8080 */
  url?: string;
  server?: http.Server;
  workers: Worker[];
  sweeper?: DirtySweeper;
  /** Ordered shutdown: HTTP (finish in-flight requests), workers (finish active jobs), queues, Redis. */
  stop(): Promise<void>;
}

/**
 * Starts what BRIDGE_ROLE asks for on one container: `api` (SCIM front, ops, admin), `worker`
 * (provisioning and import consumers, sweeper, import schedule) or `all`.
 */
export async function startBridge(
  config: BridgeConfig,
  logger: Logger,
  options: { sweepIntervalMs?: number; sweepGraceMs?: number } = {},
): Promise<RunningBridge> {
  const container = createContainer(config, logger);
  const { admin } = container;
  const runsApi = config.role === 'all' || config.role === 'api';
  const runsWorker = config.role === 'all' || config.role === 'worker';
  let server: http.Server | undefined;
  let url: string | undefined;
  let heartbeat: WorkerHeartbeat | undefined;

  if (config.secretServer.baseUrl.trim().toLowerCase().startsWith('http://') && !isLoopbackUrl(config.secretServer.baseUrl)) {
    logger.warn('SS_BASE_URL is plain http to another machine: the API account password and every token cross the network readable; use https', {
      category: 'lifecycle',
      baseUrl: config.secretServer.baseUrl,
    });
  }
  if (config.secretServer.dryRun) {
    logger.warn('SS_DRY_RUN is on: workers log the Secret Server writes they would make and make none; users and groups show syncState dry-run', {
      category: 'lifecycle',
    });
  }

  let stopped = false;
  const running = new Map<string, RunningDirectory>();
  let directoryTimer: NodeJS.Timeout | undefined;
  const noted = new Set<string>();

  /** A directory's workers, sweeper and import schedule; none when its Secret Server password variable is unset. */
  const startDirectory = async (services: DirectoryServices): Promise<void> => {
    const name = services.directory.name;
    if (services.missingPasswordEnv) {
      if (!noted.has(name)) {
        logger.error(
          `directory ${name}: ${services.missingPasswordEnv} is not set, so its workers cannot sign in to Secret Server and do not start; set it and restart`,
          {
            category: 'lifecycle',
            directory: name,
          },
        );
        noted.add(name);
      }
      return;
    }
    const scoped = container.withShared(services);
    // Accounts linked before owners were recorded (an install from before directories) are this directory's.
    await claimLinkedAccounts(services);
    const workers = createJobWorkers(scoped, scoped.logger);
    for (const w of workers) void w.run();
    const sweeper = new DirtySweeper(services.store, services.queue, scoped.logger, options.sweepGraceMs);
    sweeper.start(options.sweepIntervalMs);
    running.set(name, { workers, sweeper });
    await services.queue.scheduleImport(config.import.intervalS);
    if (name !== DEFAULT_DIRECTORY) logger.info('directory workers started', { category: 'lifecycle', directory: name });
  };
  const stopDirectory = async (name: string): Promise<void> => {
    const directory = running.get(name);
    if (!directory) return;
    running.delete(name);
    directory.sweeper.stop();
    await Promise.all(directory.workers.map((w) => w.close()));
  };
  /** Starts the workers of directories created since the last look and stops those of removed ones. */
  const followDirectories = async (): Promise<void> => {
    const current = await container.directories.sync();
    const names = new Set(current.map((d) => d.directory.name));
    for (const name of [...running.keys()]) if (!names.has(name)) await stopDirectory(name);
    if (!runsWorker) return;
    for (const services of current) if (!running.has(services.directory.name) && !stopped) await startDirectory(services);
  };

  // Everything that needs Redis to start. Without Redis the API still listens (and answers 503),
  // and this runs by itself once Redis answers.
  const startWithRedis = async () => {
    if (stopped) return;
    // Detects the kind of server (and a Platform tenant's vault) now, so the start-up log says it;
    // the client logs the outcome. A failure here stops nothing: jobs retry, /readyz reports it.
    // It waits for Redis because the rate limiter of every Secret Server call lives there.
    container.secretServer.connect().catch((err: unknown) => {
      logger.warn(`Secret Server not reachable at start-up: ${(err as Error).message}`, { category: 'lifecycle', baseUrl: config.secretServer.baseUrl });
    });
    if (runsWorker) await startDirectory(container);
    await followDirectories();
    directoryTimer = setInterval(() => {
      followDirectories().catch((err: unknown) => logger.warn(`could not read the directories: ${(err as Error).message}`, { category: 'lifecycle' }));
    }, DIRECTORY_POLL_MS);
    directoryTimer.unref();
    if (!runsWorker || stopped) return;
    // What `scim-bridge healthcheck` reads for a worker, which serves no HTTP (worker-heartbeat.ts).
    heartbeat = new WorkerHeartbeat(container.redis, config.redis.prefix, logger);
    heartbeat.start();
    logger.info('workers started', { category: 'lifecycle', concurrency: config.worker.concurrency, directories: running.size });
  };
  const redisReady = container.reachability.whenReady();
  const redisNow = await Promise.race([redisReady.then(() => true), delay(REDIS_STARTUP_WAIT_MS, false)]);
  const started = redisNow ? startWithRedis() : redisReady.then(startWithRedis);
  // A start that fails later (Redis lost again half-way) is logged, not left unhandled.
  const startedLogged = started.catch((err: unknown) => logger.error('could not start the workers', { category: 'lifecycle', err }));
  if (redisNow) await started;

  if (runsApi) {
    container.tokens.start();
    // One set of readiness checks for /readyz and the console's overview.
    const checks = readinessChecks(container, config);
    const app = createApp({
      config,
      logger,
      resources: container.resources,
      importRefresh: importRefreshOf(container, config, logger),
      // The stored SCIM tokens first, then OAuth access tokens: both as `Authorization: Bearer`.
      scimTokens: container.tokens,
      oauthTokens: container.oauth.accessTokens,
      authFailures: container.authFailures,
      httpMetrics: container.metrics.httpMiddleware(),
      opsRouter: opsRouter({
        metrics: container.metrics,
        checks,
        queues: {
          counts: async () =>
            Promise.all(
              container.directories.current().map(async (d) => ({ directory: d.directory.name, queue: 'provision', counts: await d.admin.queueCounts() })),
            ),
        },
      }),
      adminRouter: config.auth.adminToken
        ? adminRouter(admin, queueDashboard([container.queue.provision, container.queue.import], '/admin/queues'))
        : undefined,
      adminTokens: container.adminTokens,
      oauthRouter: oauthRouter({
        oauth: container.oauth,
        authFailures: container.authFailures,
        failLimit: config.auth.failLimit,
        logger,
        consoleEnabled: Boolean(config.auth.adminToken),
        bodyLimitBytes: config.http.bodyLimitBytes,
      }),
      adminConsole: config.auth.adminToken ? adminConsole(container, checks) : undefined,
      storeReadiness: container.reachability,
      directories: scimDirectories(container, config, logger),
    });
    server = createServer(config, app, logger);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.http.port, config.http.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = config.http.host === '0.0.0.0' || config.http.host === '::' ? '127.0.0.1' : config.http.host;
    url = `${config.http.tlsCert ? 'https' : 'http'}://${host}:${address.port}`;
    logger.info('scim-bridge listening', { category: 'lifecycle', url: `${url}/scim/v2`, role: config.role });
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down', { category: 'lifecycle' });
      if (server) {
        const closing = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closing;
      }
      stopped = true;
      // A start under way (Redis came back during shutdown) finishes first, so its workers are closed too.
      if (container.reachability.isReady()) await startedLogged;
      clearInterval(directoryTimer);
      for (const name of [...running.keys()]) await stopDirectory(name);
      await heartbeat?.stop();
      await container.close();
      logger.info('stopped', { category: 'lifecycle' });
    })());

  return {
    container,
    admin,
    url,
    server,
    get workers() {
      return [...running.values()].flatMap((d) => d.workers);
    },
    get sweeper() {
      return running.get(DEFAULT_DIRECTORY)?.sweeper;
    },
    stop,
  };
}

/** Records as this directory's every account it had linked before account owners were recorded. */
async function claimLinkedAccounts(services: DirectoryServices): Promise<void> {
  for (const kind of ['User', 'Group'] as const) await services.owners.claimLinked(kind, await services.store.linkedSecretServerIds(kind));
}

function createServer(config: BridgeConfig, app: http.RequestListener, logger: Logger): http.Server {
  // Node would answer an HTTP/1.1 request without Host with a bare 400; the app answers it with a
  // SCIM error instead (app.ts).
  const options: http.ServerOptions = { requireHostHeader: false };
  const server =
    config.http.tlsCert && config.http.tlsKey
      ? https.createServer({ ...options, cert: fs.readFileSync(config.http.tlsCert), key: fs.readFileSync(config.http.tlsKey) }, app)
      : http.createServer(options, app);
  // The same limits for HTTP and HTTPS (https.Server would otherwise keep Node's 300 s request timeout):
  // Okta gives up after 60 s, so no socket is held longer than that; a slow client gets 20 s for its
  // headers; idle keep-alive sockets close after 5 s; past the connection cap new sockets are refused.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  server.maxConnections = config.http.maxConnections;
  // Node's default keeps the first 1,000 headers and silently drops the rest (Host and
  // Authorization among them). The 16 KB request-head limit already bounds the count: keep them all.
  server.maxHeadersCount = 0;
  // What Node's parser refuses (431, 400, 408) gets a SCIM error body too, not a bare status line.
  server.on('clientError', clientErrorHandler(logger));
  return server;
}

/** The named directories' SCIM endpoints, each built on first use; their tokens' last-used flush starts with them. */
function scimDirectories(container: Container, config: BridgeConfig, logger: Logger): AppDependencies['directories'] {
  const started = new WeakMap<DirectoryServices, ScimDirectoryDependencies>();
  return async (name) => {
    if (name === DEFAULT_DIRECTORY) return undefined;
    const services = await container.directories.get(name);
    if (!services) return undefined;
    let scim = started.get(services);
    if (!scim) {
      services.tokens.start();
      scim = {
        resources: services.resources,
        importRefresh: importRefreshOf(services, config, logger),
        scimTokens: services.tokens,
        authFailures: services.authFailures,
      };
      started.set(services, scim);
    }
    return scim;
  };
}

/** Okta's import pass refreshes from Secret Server first (import-refresh.ts), through the import queue. */
function importRefreshOf(container: DirectoryServices, config: BridgeConfig, logger: Logger): ImportRefresh {
  const { queue } = container;
  return new ImportRefresh(
    {
      lastFinishedAt: () => container.importStatus.lastFinishedAt(),
      start: () => queue.enqueueImport('import-pass'),
      async ended(jobId) {
        const job = await Job.fromId(queue.import, jobId);
        if (!job) return true;
        const state = await job.getState();
        return state === 'completed' || (state === 'failed' && job.attemptsMade >= (job.opts.attempts ?? 1));
      },
    },
    logger,
    { maxAgeMs: config.import.refreshAgeS * 1000, waitMs: config.import.refreshWaitS * 1000 },
  );
}

function readinessChecks(container: Container, config: BridgeConfig) {
  const readiness = new SecretServerReadiness(container.secretServer, container.breaker);
  const { reachability } = container;
  return [
    {
      name: 'redis',
      check: async () => {
        // Known down: say why at once, rather than wait for a PING that ioredis will give up on.
        if (!reachability.isReady()) return { ok: false, detail: reachability.describe() };
        return { ok: (await container.redis.ping()) === 'PONG' };
      },
    },
    {
      name: 'dryRun',
      check: async () => ({
        ok: true,
        enabled: config.secretServer.dryRun,
        detail: config.secretServer.dryRun ? 'SS_DRY_RUN is on: no Secret Server writes are made' : 'off',
      }),
    },
    {
      name: 'secretServer',
      check: async () => readiness.check(),
    },
    {
      name: 'queue',
      check: async () => {
        if (!reachability.isReady()) return { ok: false, detail: 'unknown while Redis is unreachable' };
        const counts = await container.queue.provision.getJobCounts('waiting', 'active');
        const workers = await container.queue.provision.getWorkersCount();
        const stuck = counts.waiting > 0 && counts.active === 0 && workers === 0;
        return { ok: !stuck, detail: stuck ? `${counts.waiting} jobs waiting and no worker connected` : `${counts.waiting} waiting, ${workers} workers` };
      },
    },
  ];
}
