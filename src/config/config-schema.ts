import net from 'node:net';
import { authSchemesFormat, DEFAULT_AUTH_SCHEMES } from './auth-schemes';
import './config-formats';

const PROXY_ADDRESS_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY: `off`, a hop count, or a comma list of addresses, CIDR ranges and Express's named ranges. */
function trustProxyFormat(value: unknown): void {
  const text = String(value).trim();
  if (text === 'off' || /^\d+$/.test(text)) return;
  for (const entry of text.split(',').map((e) => e.trim())) {
    const [address, bits, ...rest] = entry.split('/');
    const family = net.isIP(address);
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (PROXY_ADDRESS_NAMES.has(entry) || (family !== 0 && bitsOk && rest.length === 0)) continue;
    throw new Error(`must be off, a hop count, or proxy addresses (IP, CIDR, loopback, linklocal, uniquelocal); ${JSON.stringify(entry)} is none of them`);
  }
}

/** PUBLIC_BASE_URL: empty, or an absolute http(s) URL with no query or fragment. */
function publicBaseUrlFormat(value: unknown): void {
  const text = String(value);
  if (text === '') return;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`must be an absolute URL such as https://scim.example.com, got ${JSON.stringify(text)}`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) throw new Error('must be an http(s) URL without query or fragment');
}

/**
 * Every setting scim-bridge reads. The env names are a public contract (README "Configuration"):
 * keep them stable. process.env is read nowhere else.
 */
export const configSchema = {
  role: { doc: 'Which parts this process runs: all, api or worker', format: ['all', 'api', 'worker'], default: 'all', env: 'BRIDGE_ROLE' },
  http: {
    port: { doc: 'HTTP port of the SCIM front', format: 'whole-number', min: 0, max: 65535, default: 8080, env: 'PORT' },
    host: { doc: 'Address to bind', format: 'host', default: '0.0.0.0', env: 'HOST' },
    bodyLimitBytes: {
      doc: 'Largest request body accepted (bytes); larger gets 413',
      format: 'whole-number',
      min: 1,
      max: 104857600,
      default: 1048576,
      env: 'BODY_LIMIT_BYTES',
    },
    maxConnections: {
      doc: 'Open connections accepted at once (HTTP and HTTPS); more are refused',
      format: 'whole-number',
      min: 1,
      max: 1000000,
      default: 1024,
      env: 'HTTP_MAX_CONNECTIONS',
    },
    tlsCert: { doc: 'Path to a PEM certificate; with TLS_KEY serves HTTPS', format: 'readable-file', default: '', env: 'TLS_CERT' },
    tlsKey: { doc: 'Path to the PEM private key for TLS_CERT', format: 'readable-file', default: '', env: 'TLS_KEY' },
    trustProxy: {
      doc: 'Which peers may set X-Forwarded-For/-Proto/-Host: off, a hop count, or proxy addresses (IP, CIDR, loopback, uniquelocal)',
      format: trustProxyFormat,
      default: 'off',
      env: 'TRUST_PROXY',
    },
    publicBaseUrl: {
      doc: 'The URL clients reach the bridge at (e.g. https://scim.example.com), for Location and meta.location',
      format: publicBaseUrlFormat,
      default: '',
      env: 'PUBLIC_BASE_URL',
    },
  },
  redis: {
    url: { doc: 'Redis connection URL', format: 'url', schemes: ['redis', 'rediss'], default: 'redis://127.0.0.1:6379', env: 'REDIS_URL', sensitive: true },
    prefix: { doc: 'Namespace of every key and queue', format: 'name', default: 'scimbridge', env: 'REDIS_PREFIX' },
    sentinels: { doc: 'Redis Sentinel nodes, host:port,host:port; empty for a plain REDIS_URL', format: 'sentinels', default: '', env: 'REDIS_SENTINELS' },
    sentinelName: { doc: 'Name of the Sentinel-monitored primary', format: 'name', default: 'mymaster', env: 'REDIS_SENTINEL_NAME' },
    clusterNodes: {
      doc: 'Redis Cluster seed nodes, host:port,host:port; empty for a single Redis or Sentinel',
      format: 'sentinels',
      default: '',
      env: 'REDIS_CLUSTER_NODES',
    },
    clusterWaitMs: {
      doc: 'Redis Cluster: how long a SCIM write waits for a replica to confirm it (WAIT) before it is answered, ms; 0 answers without waiting',
      format: 'whole-number',
      min: 0,
      max: 60000,
      default: 1000,
      env: 'REDIS_CLUSTER_WAIT_MS',
    },
  },
  auth: {
    scimToken: {
      doc: 'Optional static bearer token accepted by /scim/v2 (quick starts, tests)',
      format: 'text',
      default: '',
      env: 'SCIM_TOKEN',
      sensitive: true,
    },
    schemes: {
      doc: 'How /scim/v2 clients may authenticate: bearer, basic and oauth, comma-separated',
      format: authSchemesFormat,
      default: DEFAULT_AUTH_SCHEMES,
      env: 'SCIM_AUTH_SCHEMES',
    },
    adminToken: {
      doc: 'Bearer token for /admin (dashboard, resync, import); empty disables /admin',
      format: 'text',
      default: '',
      env: 'ADMIN_TOKEN',
      sensitive: true,
    },
    failLimit: {
      doc: 'Failed authentications per client per window before 429',
      format: 'whole-number',
      min: 1,
      max: 1000000,
      default: 20,
      env: 'AUTH_FAIL_LIMIT',
    },
    failWindowS: { doc: 'Window of AUTH_FAIL_LIMIT, seconds', format: 'whole-number', min: 1, max: 86400, default: 60, env: 'AUTH_FAIL_WINDOW_S' },
    sessionIdleS: {
      doc: 'A console sign-in ends after this many seconds without a request',
      format: 'whole-number',
      min: 60,
      max: 86400,
      default: 1800,
      env: 'ADMIN_SESSION_IDLE_S',
    },
    sessionMaxS: {
      doc: 'A console sign-in ends this many seconds after it began, however active',
      format: 'whole-number',
      min: 60,
      max: 604800,
      default: 28800,
      env: 'ADMIN_SESSION_MAX_S',
    },
  },
  log: {
    level: { doc: 'error, warn, info, debug', format: ['error', 'warn', 'info', 'http', 'debug'], default: 'info', env: 'LOG_LEVEL' },
    format: { doc: 'json (default) or pretty (readable lines)', format: ['json', 'pretty'], default: 'json', env: 'LOG_FORMAT' },
  },
  secretServer: {
    baseUrl: {
      doc: 'Secret Server base URL (https://host/SecretServer or https://tenant.secretservercloud.com)',
      format: 'url',
      schemes: ['http', 'https'],
      default: 'http://127.0.0.1:8090/SecretServer',
      env: 'SS_BASE_URL',
    },
    username: { doc: 'Secret Server API account user name', format: 'name', default: 'scim-bridge', env: 'SS_USERNAME' },
    password: { doc: 'Secret Server API account password', format: 'text', default: 'simulator-password', env: 'SS_PASSWORD', sensitive: true },
    domain: { doc: 'AD domain of the API account; empty for a local account', format: 'domain', default: '', env: 'SS_DOMAIN' },
    timeoutMs: { doc: 'Timeout of one Secret Server call, ms', format: 'whole-number', min: 1, max: 600000, default: 15000, env: 'SS_TIMEOUT_MS' },
    maxRps: {
      doc: 'Cap on calls per second to each Secret Server, across all workers and the directories that target it',
      format: 'whole-number',
      min: 0,
      max: 100000,
      default: 50,
      env: 'SS_MAX_RPS',
    },
    pageSize: { doc: 'take= used when paging Secret Server lists', format: 'whole-number', min: 1, max: 10000, default: 500, env: 'SS_PAGE_SIZE' },
    accountViewMaxAgeS: {
      doc: 'During a burst of new users, creates trust a view of Secret Server accounts at most this old, seconds; 0 = always search first',
      format: 'whole-number',
      min: 0,
      max: 3600,
      default: 60,
      env: 'SS_ACCOUNT_VIEW_MAX_AGE_S',
    },
    usernameFormat: {
      doc: 'Secret Server userName for new users: email, email-local-part or scim-username',
      format: ['email', 'email-local-part', 'scim-username'],
      default: 'email',
      env: 'SS_USERNAME_FORMAT',
    },
    dryRun: { doc: 'Log the Secret Server writes workers would make, make none', format: 'strict-boolean', default: false, env: 'SS_DRY_RUN' },
    platform: {
      doc: 'auto detects a Delinea Platform tenant behind SS_BASE_URL; true or false says it',
      format: ['auto', 'true', 'false'],
      default: 'auto',
      env: 'SS_PLATFORM',
    },
    protectedUsers: {
      doc: 'Comma-separated userNames or emails of Secret Server accounts the bridge never links, changes or disables',
      format: 'comma-list',
      default: '',
      env: 'SS_PROTECTED_USERS',
    },
  },
  worker: {
    concurrency: { doc: 'Jobs processed at once per worker process', format: 'whole-number', min: 1, max: 1000, default: 8, env: 'WORKER_CONCURRENCY' },
    attempts: { doc: 'Attempts per job before it lands in the failed set', format: 'whole-number', min: 1, max: 1000, default: 12, env: 'JOB_ATTEMPTS' },
    backoffMs: { doc: 'First retry delay; doubles each attempt', format: 'whole-number', min: 1, max: 3600000, default: 1000, env: 'JOB_BACKOFF_MS' },
  },
  import: {
    intervalS: {
      doc: 'Seconds between scheduled imports from Secret Server; 0 disables the schedule',
      format: 'whole-number',
      min: 0,
      max: 604800,
      default: 900,
      env: 'SS_IMPORT_INTERVAL_S',
    },
    refreshAgeS: {
      doc: "Okta's import pass (GET /Users?startIndex=1 without a filter) imports from Secret Server first when the last import is older than this, seconds; 0 never",
      format: 'whole-number',
      min: 0,
      max: 604800,
      default: 300,
      env: 'IMPORT_REFRESH_AGE_S',
    },
    refreshWaitS: {
      doc: 'How long that first page waits for the import before answering with what it has, seconds (Okta gives a request 60 s)',
      format: 'whole-number',
      min: 0,
      max: 50,
      default: 20,
      env: 'IMPORT_REFRESH_WAIT_S',
    },
    familyNamePlaceholder: {
      doc: 'familyName used when a Secret Server display name is a single word',
      format: 'text',
      allowEmpty: false,
      default: '-',
      env: 'IMPORT_FAMILY_NAME_PLACEHOLDER',
    },
  },
  breaker: {
    failureThreshold: {
      doc: 'Consecutive retryable Secret Server failures that open the circuit',
      format: 'whole-number',
      min: 1,
      max: 1000,
      default: 5,
      env: 'BREAKER_FAILURE_THRESHOLD',
    },
    openMs: {
      doc: 'How long the circuit stays open before one probe call, ms',
      format: 'whole-number',
      min: 1,
      max: 3600000,
      default: 5000,
      env: 'BREAKER_OPEN_MS',
    },
  },
  shutdownTimeoutMs: {
    doc: 'Force-quit after this long during shutdown, ms',
    format: 'whole-number',
    min: 1,
    max: 600000,
    default: 15000,
    env: 'SHUTDOWN_TIMEOUT_MS',
  },
};

/** The typed shape of the loaded configuration (mirrors configSchema). */
export interface BridgeConfig {
  role: 'all' | 'api' | 'worker';
  http: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    maxConnections: number;
    tlsCert: string;
    tlsKey: string;
    trustProxy: string;
    publicBaseUrl: string;
  };
  redis: { url: string; prefix: string; sentinels: string; sentinelName: string; clusterNodes: string; clusterWaitMs: number };
  auth: { scimToken: string; schemes: string; adminToken: string; failLimit: number; failWindowS: number; sessionIdleS: number; sessionMaxS: number };
  log: { level: string; format: 'json' | 'pretty' };
  secretServer: {
    baseUrl: string;
    username: string;
    password: string;
    domain: string;
    timeoutMs: number;
    maxRps: number;
    pageSize: number;
    accountViewMaxAgeS: number;
    usernameFormat: 'email' | 'email-local-part' | 'scim-username';
    dryRun: boolean;
    platform: 'auto' | 'true' | 'false';
    protectedUsers: string;
  };
  worker: { concurrency: number; attempts: number; backoffMs: number };
  import: { intervalS: number; refreshAgeS: number; refreshWaitS: number; familyNamePlaceholder: string };
  breaker: { failureThreshold: number; openMs: number };
  shutdownTimeoutMs: number;
}
