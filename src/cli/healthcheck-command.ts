import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import type { BridgeConfig } from '../config/load-config';
import { createRedis } from '../store/redis-connection';
import { keysMatching } from '../store/key-scan';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_TTL_S, hostHeartbeatPattern, type HeartbeatValue } from '../lifecycle/worker-heartbeat';
import type { CommandGroup } from './command-registry';
import { parseCommandArgs } from './parse-command-args';

const GROUP = 'healthcheck';

/**
 * Docker's HEALTHCHECK (https://docs.docker.com/reference/dockerfile/#healthcheck) gives up on a
 * check after its --timeout; the command answers first, with a line saying what it waited for.
 */
export const HEALTHCHECK_TIMEOUT_MS = 3_000;

/**
 * `scim-bridge healthcheck`: the image's HEALTHCHECK, one command for every role of the one image.
 * Exit 0 with one line on stdout when healthy; exit 1 with one `error: unhealthy: ...` line otherwise.
 *
 * - BRIDGE_ROLE=api or all: GET /healthz on this process's own socket (PORT, HOST, TLS_CERT).
 * - BRIDGE_ROLE=worker, which serves no HTTP: a worker of this host wrote its Redis heartbeat
 *   within its TTL (src/lifecycle/worker-heartbeat.ts).
 * - `--url <url>`: GET that URL instead, for a process that is no bridge at all (the Secret Server
 *   simulator's service in docker-compose.yml passes its own URL); no configuration is read then.
 */
export const healthcheckCommand: CommandGroup = {
  summary: "is this container's process healthy? (the image's HEALTHCHECK; exit 0 healthy, 1 not)",
  usage: [
    '                                     by BRIDGE_ROLE: api/all GET /healthz on PORT; worker its heartbeat in Redis',
    '--url <url>                          GET <url> instead (2xx is healthy), e.g. the simulator',
  ],
  async run(args, ctx) {
    const { values } = parseCommandArgs(GROUP, args, { url: { type: 'string' } }, []);
    if (values.url !== undefined) {
      ctx.out(`healthy: ${await probeUrl(values.url)}`);
      return;
    }
    const config = ctx.config();
    const answer = config.role === 'worker' ? await workerHeartbeat(config) : await probeUrl(...ownHealthz(config.http));
    ctx.out(`healthy: ${answer}`);
  },
};

class Unhealthy extends Error {
  constructor(reason: string) {
    super(`unhealthy: ${reason}`);
  }
}

/**
 * The URL of this process's own /healthz. HOST 0.0.0.0 or :: listens on every address, loopback
 * included (the same choice as the daemon's start-up line, bridge-process.ts); any other HOST is
 * the one address it listens on, so that is the one to ask.
 *
 * With TLS_CERT the server speaks HTTPS only. Its certificate names the public host, never the
 * loopback address dialled here, so verifying it would fail for a healthy server; on loopback the
 * connection cannot leave this host's network namespace, the check sends nothing secret and asks
 * only "does our own server answer?", so it skips verification there (rejectUnauthorized false).
 * To any other HOST it verifies as usual.
 */
export function ownHealthz(httpConfig: BridgeConfig['http']): [url: string, options: { insecureLoopbackTls: boolean }] {
  const any = httpConfig.host === '0.0.0.0' || httpConfig.host === '::';
  const host = any ? '127.0.0.1' : httpConfig.host;
  const scheme = httpConfig.tlsCert ? 'https' : 'http';
  const url = `${scheme}://${net.isIPv6(host) ? `[${host}]` : host}:${httpConfig.port}/healthz`;
  return [url, { insecureLoopbackTls: scheme === 'https' && isLoopbackHost(host) }];
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/** GET `url`; a 2xx answer within the timeout is healthy. Resolves to what was seen, rejects with Unhealthy. */
function probeUrl(url: string, options: { insecureLoopbackTls?: boolean } = {}): Promise<string> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new Unhealthy(`${JSON.stringify(url)} is not a URL`));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return Promise.reject(new Unhealthy(`${url} is not http(s)`));
  if (target.port === '0') return Promise.reject(new Unhealthy(`PORT is 0 (a port chosen at start-up): there is no known port to ask`));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      target,
      {
        timeout: HEALTHCHECK_TIMEOUT_MS,
        rejectUnauthorized: !options.insecureLoopbackTls,
        headers: { accept: 'application/json' },
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(`${url} answered ${status}`);
        else reject(new Unhealthy(`${url} answered ${status}`));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${HEALTHCHECK_TIMEOUT_MS / 1000} s`)));
    request.on('error', (err: Error) => reject(new Unhealthy(`${url}: ${err.message}`)));
  });
}

/** A heartbeat of a worker of this host is in Redis, so written within its TTL. */
async function workerHeartbeat(config: BridgeConfig): Promise<string> {
  const hostname = os.hostname();
  const pattern = hostHeartbeatPattern(config.redis.prefix, hostname);
  // One attempt, no reconnect loop, no offline queue: a check must answer within its timeout.
  const redis = createRedis(config.redis, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: HEALTHCHECK_TIMEOUT_MS,
    commandTimeout: HEALTHCHECK_TIMEOUT_MS,
  });
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => (lastError = err));
  try {
    try {
      await redis.connect();
    } catch (err) {
      // The URL may carry a password: name the setting, not its value.
      throw new Unhealthy(`cannot reach Redis (REDIS_URL): ${(lastError ?? (err as Error)).message}`);
    }
    const keys = await keysMatching(redis, pattern);
    // One GET per key: heartbeat keys carry no hash tag, so in a Redis Cluster they sit in
    // different slots and one MGET over them would be refused (CROSSSLOT).
    const beats = (await Promise.all(keys.map((key) => redis.get(key))))
      .map((raw, i) => ({ key: keys[i], value: parseBeat(raw) }))
      .filter((beat): beat is { key: string; value: HeartbeatValue } => beat.value !== undefined)
      .sort((a, b) => Date.parse(b.value.at) - Date.parse(a.value.at));
    const [latest] = beats;
    if (!latest) {
      throw new Unhealthy(
        `no worker heartbeat of host ${hostname} in Redis (${pattern}, written every ${HEARTBEAT_INTERVAL_MS / 1000} s with a ${HEARTBEAT_TTL_S} s TTL): the worker is not started, stopped, or cannot reach Redis`,
      );
    }
    const ageS = Math.max(0, Math.round((Date.now() - Date.parse(latest.value.at)) / 1000));
    return `worker heartbeat ${latest.key} written ${ageS} s ago`;
  } finally {
    if (redis.status === 'ready') await redis.quit().catch(() => undefined);
    // A connection that never opened has ended already; disconnect() would hold the process for
    // ioredis's disconnectTimeout (2 s) waiting for a socket that is gone.
    else if (redis.status !== 'end') redis.disconnect();
  }
}

function parseBeat(raw: string | null): HeartbeatValue | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as HeartbeatValue;
    return typeof value.at === 'string' && !Number.isNaN(Date.parse(value.at)) ? value : undefined;
  } catch {
    return undefined;
  }
}
