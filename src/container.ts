import type { RedisConnection } from './store/redis-connection';
import type { RedisOptions } from 'ioredis';
import type { BridgeConfig } from './config/config-schema';
import { AdminService } from './domain/admin-service';
import { ResourceService } from './domain/resource-service';
import { StaticTokenVerifier } from './domain/static-token-verifier';
import { TokenService } from './domain/token-service';
import { HistoryReader } from './history/history-reader';
import { JobHistory } from './history/job-history';
import { ProtectedAttempts } from './history/protected-attempts';
import { ResourceHistory } from './history/resource-history';
import type { JobContext } from './jobs/sync-job';
import type { Logger } from './logging/logger';
import { BridgeMetrics } from './metrics/bridge-metrics';
import { DirtyBackedEnqueuer } from './queue/dirty-backed-enqueuer';
import { ProvisioningQueue } from './queue/provisioning-queue';
import { CircuitBreaker } from './secret-server/circuit-breaker';
import { RedisRateLimiter } from './secret-server/redis-rate-limiter';
import { SecretServerClient } from './secret-server/secret-server-client';
import { ClaimableAccounts } from './jobs/claimable-accounts';
import { AccountView } from './jobs/account-view';
import { OAuthService } from './oauth/oauth-service';
import { OAuthStore } from './oauth/oauth-store';
import { AdminSessionStore } from './store/admin-session-store';
import { AuthFailureStore } from './store/auth-failure-store';
import { createRedis } from './store/redis-connection';
import { SERVER_ONLY, writeDurability, type WriteDurability } from './store/replica-acknowledgement';
import { RedisReachability, redisLocation, redisRetryStrategy } from './store/redis-reachability';
import { DEFAULT_DIRECTORY, directoryKeyBase, redisKeys } from './store/redis-keys';
import { ResourceLock } from './store/resource-lock';
import { ResourceStore } from './store/resource-store';
import { ImportStatusStore } from './store/import-status-store';
import { DriftReportStore } from './store/drift-report-store';
import { AccountOwners, type AccountOwnerCheck } from './directories/account-owners';
import { defaultDirectory, secretServerIdentity, secretServerOf, type DirectoryRecord } from './directories/directory';
import { Directories } from './directories/directories';
import { DirectoryStore } from './directories/directory-store';
import { environmentValue } from './config/load-config';
import { DriftService } from './domain/drift-service';
import type { SecretServerClientDeps } from './secret-server/secret-server-client';
import { RedisTokenStore } from './store/token-store';

/**
 * The one composition root: it alone knows the concrete adapters. main.ts, the tests and the
 * benchmarks build their process from createContainer and hand narrow pieces to the app and the
 * workers; the CLI builds the few services it needs from createTokenService, createDriftService and
 * createAdminServices below, which createContainer uses too.
 *
 * A process serves every directory (directories/): the connections, metrics and console sign-ins
 * are shared, everything else is per directory (DirectoryServices), built on first use. The
 * Container is the default directory's services plus what is shared.
 */
export interface DirectoryServices {
  directory: DirectoryRecord;
  /** Where this directory's keys and queues live (store/redis-keys.ts directoryKeyBase). */
  keyBase: string;
  store: ResourceStore;
  /**
   * The same state on a plain connection of the import's own (see createContainer), opened on its
   * first command: only a process that runs an import connects it.
   */
  importStore: ResourceStore;
  /** When the last import finished (the import job writes it, Okta's import pass reads it). */
  importStatus: ImportStatusStore;
  queue: ProvisioningQueue;
  /** Operator actions (failed jobs, resync, import) for /admin. */
  admin: AdminService;
  resources: ResourceService;
  tokens: TokenService;
  /** The OAuth 2.0 authorization server for Okta (/oauth2, src/oauth/) and its access tokens. */
  oauth: OAuthService;
  authFailures: AuthFailureStore;
  secretServer: SecretServerClient;
  /** Set when the directory's Secret Server password variable is unset in this process: its workers do not start. */
  missingPasswordEnv?: string;
  breaker: CircuitBreaker;
  /** Which directory linked each account of this directory's Secret Server. */
  owners: AccountOwners;
  lock: ResourceLock;
  jobContext: JobContext;
  /** Each user's and group's history: SCIM requests, job runs, Secret Server calls (history/). */
  history: ResourceHistory;
  /** The last attempts on accounts the bridge never claims. */
  protectedAttempts: ProtectedAttempts;
  /** What the job runner records of each run into the two above. */
  jobHistory: JobHistory;
  /** The drift report between Redis and Secret Server (console, CLI). */
  drift: DriftService;
  /** Closes the directory's queue and timers; the connections stay open. */
  close(): Promise<void>;
}

/** One directory's services with the process's shared parts that its workers use. */
export interface DirectoryContainer extends DirectoryServices {
  config: BridgeConfig;
  logger: Logger;
  /** Commands (API, store). Fails requests fast while Redis is down instead of queueing them forever. */
  redis: RedisConnection;
  /** BullMQ's connection: it wants maxRetriesPerRequest null for blocking commands. */
  bullRedis: RedisConnection;
  metrics: BridgeMetrics;
}

export interface Container extends DirectoryContainer {
  /** Whether Redis answers, from the connections' events; logs the outage once per retry interval. */
  reachability: RedisReachability;
  adminTokens: StaticTokenVerifier;
  /** Console sign-ins (/admin/login), in Redis so every api process shares them. */
  adminSessions: AdminSessionStore;
  /** Every directory's services, the default one included (directories/directories.ts). */
  directories: Directories;
  /** A directory's services with the shared parts, for its workers. */
  withShared(services: DirectoryServices): DirectoryContainer;
  close(): Promise<void>;
}

interface Connections {
  redis: RedisConnection;
  bullRedis: RedisConnection;
  importRedis: RedisConnection;
  metrics: BridgeMetrics;
  durability: WriteDurability;
}

export function createContainer(config: BridgeConfig, logger: Logger): Container {
  const redisOptions: RedisOptions = { lazyConnect: false, connectTimeout: 5000, retryStrategy: redisRetryStrategy };
  // Auto-pipelining sends every command issued in one event-loop turn as one write: a request's
  // independent reads (auth's failure counter and token record, a resource and its link) and
  // concurrent requests share round trips, the largest cost per request in npm run bench. BullMQ
  // keeps its own plain connection: an auto-pipeline copies every script the connection defines
  // (BullMQ defines dozens), which cost more than the writes it saved.
  const redis = createRedis(config.redis, { ...redisOptions, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const bullRedis = createRedis(config.redis, { ...redisOptions, maxRetriesPerRequest: null });
  // The import issues a slice of a page's commands at once, which Redis pipelines by itself. Through
  // auto-pipelining the same commands promoted many times more garbage to V8's old generation, in
  // the same time, and that garbage set the worker's peak RSS (the import phase of npm run bench
  // measures both; docs/performance.md). So it has its own plain one.
  const importRedis = createRedis(config.redis, { ...redisOptions, lazyConnect: true, maxRetriesPerRequest: 2 });
  const reachability = new RedisReachability(redis, [bullRedis, importRedis], redisLocation(config.redis), logger);
  const metrics = new BridgeMetrics();
  // In a Redis Cluster a SCIM write is answered once a replica has it (replica-acknowledgement.ts).
  const durability = writeDurability(redis, config.redis.clusterWaitMs, logger);
  const connections: Connections = { redis, bullRedis, importRedis, metrics, durability };

  const defaults = createDirectoryServices(config, defaultDirectory(), connections, logger);
  metrics.readDriftSummaryFrom(() => new DriftReportStore(redis, defaults.store.keys).lastSummary());
  const directories = new Directories(new DirectoryStore(redis, config.redis.prefix), defaults, (record) =>
    createDirectoryServices(config, record, connections, logger),
  );

  return {
    ...defaults,
    config,
    logger,
    redis,
    bullRedis,
    reachability,
    adminTokens: new StaticTokenVerifier(config.auth.adminToken),
    adminSessions: new AdminSessionStore(redis, defaults.keyBase, { idleSeconds: config.auth.sessionIdleS, absoluteSeconds: config.auth.sessionMaxS }),
    metrics,
    directories,
    withShared: (services) => ({ ...services, config, logger: services.jobContext.logger, redis, bullRedis, metrics }),
    async close() {
      reachability.close();
      await directories.close();
      redis.disconnect();
      bullRedis.disconnect();
      importRedis.disconnect();
    },
  };
}

/** One directory's services on the process's connections. */
function createDirectoryServices(config: BridgeConfig, directory: DirectoryRecord, connections: Connections, logger: Logger): DirectoryServices {
  const { redis, bullRedis, importRedis, metrics, durability } = connections;
  const prefix = directoryKeyBase(config.redis, directory.name);
  // The directory's Secret Server settings, its password variable read once here.
  const resolved = resolvedSecretServer(config, directory);
  const scoped: BridgeConfig = { ...config, secretServer: resolved.settings };
  const { store, queue, admin } = createAdminServices(scoped, redis, bullRedis, logger, directory, durability);
  const tokens = createTokenService(scoped, redis, logger, directory);
  const history = new ResourceHistory(redis, prefix, logger);
  const protectedAttempts = new ProtectedAttempts(redis, prefix, logger);
  const jobHistory = new JobHistory(history, protectedAttempts);
  const breaker = new CircuitBreaker({ failureThreshold: config.breaker.failureThreshold, openMs: config.breaker.openMs });
  // The gauge has no directory label: it shows the default directory's Secret Server, as before directories.
  if (directory.name === DEFAULT_DIRECTORY) breaker.onStateChange((state) => metrics.circuitOpen.set(state === 'open' ? 1 : state === 'half-open' ? 0.5 : 0));
  const secretServer = createSecretServerClient(scoped, redis, logger, {
    breaker,
    onCall: (endpoint, status, durationMs) => {
      metrics.recordSecretServerCall(endpoint, status, durationMs);
      jobHistory.calls.record(endpoint, status, durationMs);
    },
    onGrantBackoff: (seconds) => metrics.grantBackoff.set(seconds),
  });
  const owners = new AccountOwners(redis, config.redis.prefix, resolved.identity, directory.name);
  const accounts = claimableAccountsOf(scoped, secretServer, owners);
  const driftReports = new DriftReportStore(redis, store.keys);
  const directoryLogger = directory.name === DEFAULT_DIRECTORY ? logger : logger.child({ directory: directory.name });

  return {
    directory,
    keyBase: prefix,
    store,
    importStore: new ResourceStore(importRedis, prefix),
    importStatus: new ImportStatusStore(redis, store.keys),
    queue,
    admin,
    // A write that landed is never answered as failed because its enqueue failed: its dirty marker
    // already guarantees the sync (see DirtyBackedEnqueuer).
    resources: new ResourceService(store, new DirtyBackedEnqueuer(queue, logger), logger, config.import.familyNamePlaceholder, history),
    tokens,
    oauth: createOAuthService(scoped, redis, logger, directory),
    authFailures: new AuthFailureStore(redis, prefix, config.auth.failWindowS),
    secretServer,
    missingPasswordEnv: resolved.missingPasswordEnv,
    breaker,
    owners,
    lock: new ResourceLock(redis, prefix),
    jobContext: {
      store,
      secretServer,
      logger: directoryLogger,
      usernameFormat: config.secretServer.usernameFormat,
      accounts,
      accountView: new AccountView({
        maxAgeS: config.secretServer.accountViewMaxAgeS,
        pageSize: config.secretServer.pageSize,
        secretServer,
        linkedScimId: (id) => store.findIdBySecretServerId('User', id),
        logger,
      }),
    },
    history,
    protectedAttempts,
    jobHistory,
    drift: new DriftService({ store, secretServer, accounts, reports: driftReports, admin, pageSize: config.secretServer.pageSize, logger }),
    async close() {
      await tokens.stop();
      await queue.close();
    },
  };
}

/** The configuration with the directory's own Secret Server settings (SS_* for one that names none). */
export function directoryConfig(config: BridgeConfig, directory: DirectoryRecord): BridgeConfig {
  return { ...config, secretServer: resolvedSecretServer(config, directory).settings };
}

/** A directory's Secret Server settings; its password variable is read from the environment here. */
function resolvedSecretServer(config: BridgeConfig, directory: DirectoryRecord) {
  return secretServerOf(config, directory, environmentValue);
}

/** Where a directory's keys live; without one, the default directory's. */
function keyBaseOf(config: BridgeConfig, directory: DirectoryRecord = defaultDirectory()): string {
  return directoryKeyBase(config.redis, directory.name);
}

/*
 * The services an operator command acts on, on connections the caller opened: createContainer's
 * (reconnecting, for a daemon), or the CLI's (one connection that fails fast, opened only by the
 * command that needs it). Building them connects nothing and starts no timer, worker or scheduler.
 */

/** The SCIM bearer tokens (create, list, rotate, revoke, verify); the caller starts and stops its last-used flush. */
export function createTokenService(config: BridgeConfig, redis: RedisConnection, logger: Logger, directory?: DirectoryRecord): TokenService {
  // SCIM_TOKEN opens the default directory only: a named directory's clients hold its own tokens.
  const staticToken = directory && directory.name !== DEFAULT_DIRECTORY ? '' : config.auth.scimToken;
  return new TokenService(new RedisTokenStore(redis, redisKeys(keyBaseOf(config, directory))), { staticToken, logger });
}

/** The OAuth clients, approvals, token endpoint and access-token verifier, on Redis. */
export function createOAuthService(config: BridgeConfig, redis: RedisConnection, logger: Logger, directory?: DirectoryRecord): OAuthService {
  return new OAuthService(new OAuthStore(redis, redisKeys(keyBaseOf(config, directory))), { logger });
}

/** Each user's and group's history as the console and `npm run admin -- history` read it. */
export function createHistoryReader(config: BridgeConfig, redis: RedisConnection, logger: Logger, directory?: DirectoryRecord): HistoryReader {
  const prefix = keyBaseOf(config, directory);
  return new HistoryReader(new ResourceStore(redis, prefix), new ResourceHistory(redis, prefix, logger));
}

export interface AdminServices {
  store: ResourceStore;
  /** The producer; the caller closes it. */
  queue: ProvisioningQueue;
  admin: AdminService;
}

/**
 * The resource store on `redis`, the producer on `bullRedis` (BullMQ's connection), and the admin
 * operations over both; `durability` is what the store's writes wait for (the daemon's SCIM writes).
 */
export function createAdminServices(
  config: BridgeConfig,
  redis: RedisConnection,
  bullRedis: RedisConnection,
  logger: Logger,
  directory?: DirectoryRecord,
  durability: WriteDurability = SERVER_ONLY,
): AdminServices {
  const store = new ResourceStore(redis, keyBaseOf(config, directory), { durability });
  const queue = new ProvisioningQueue(
    bullRedis,
    keyBaseOf(config, directory),
    { attempts: config.worker.attempts, backoffMs: config.worker.backoffMs },
    logger,
  );
  return { store, queue, admin: new AdminService(store, queue, logger) };
}

/**
 * The Secret Server client of `config.secretServer` on that server's shared call budget (SS_MAX_RPS
 * across every process and directory of the prefix); `deps` adds the daemon's breaker and metrics hooks.
 */
export function createSecretServerClient(
  config: BridgeConfig,
  redis: RedisConnection,
  logger: Logger,
  deps: Omit<SecretServerClientDeps, 'logger' | 'rateLimiter'> = {},
): SecretServerClient {
  return new SecretServerClient(
    {
      baseUrl: config.secretServer.baseUrl,
      username: config.secretServer.username,
      password: config.secretServer.password,
      domain: config.secretServer.domain,
      timeoutMs: config.secretServer.timeoutMs,
      dryRun: config.secretServer.dryRun,
      pageSize: config.secretServer.pageSize,
      platform: config.secretServer.platform,
    },
    {
      logger: logger.child({ category: 'secret-server' }),
      rateLimiter: new RedisRateLimiter({
        redis,
        prefix: config.redis.prefix,
        secretServer: secretServerIdentity(config.secretServer.baseUrl),
        maxRps: config.secretServer.maxRps,
      }),
      ...deps,
    },
  );
}

/** The accounts the bridge never claims: SS_PROTECTED_USERS, the API account, application accounts. */
export function claimableAccountsOf(config: BridgeConfig, secretServer: SecretServerClient, owners?: AccountOwnerCheck): ClaimableAccounts {
  return new ClaimableAccounts(ClaimableAccounts.parseList(config.secretServer.protectedUsers), () => secretServer.apiAccount(), owners);
}

/** The drift report for an operator command: its own Secret Server client, over the admin services' store and queue. */
export function createDriftService(
  config: BridgeConfig,
  redis: RedisConnection,
  services: AdminServices,
  logger: Logger,
  directory?: DirectoryRecord,
): DriftService {
  const scoped = directory ? directoryConfig(config, directory) : config;
  const secretServer = createSecretServerClient(scoped, redis, logger);
  return new DriftService({
    store: services.store,
    secretServer,
    accounts: claimableAccountsOf(config, secretServer),
    reports: new DriftReportStore(redis, services.store.keys),
    admin: services.admin,
    pageSize: config.secretServer.pageSize,
    logger,
  });
}
