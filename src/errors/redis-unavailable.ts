/**
 * Recognises the errors ioredis gives a command when Redis cannot be reached, as opposed to an
 * answer from Redis about the command itself. Matched by shape, so this leaf module needs no
 * ioredis import. The commands connection (container.ts) uses maxRetriesPerRequest 2, so while
 * Redis is down a command fails within a few reconnect attempts instead of waiting forever.
 */

/** ioredis' own messages for a command that never got an answer. */
const CONNECTION_MESSAGES = [
  'Connection is closed.', // the connection ended, or was closed while the command waited
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Command aborted due to connection close', // AbortError: a pipeline cut off half-way
  'Command timed out', // commandTimeout, when set
  'Failed to refresh slots cache', // a Cluster none of whose nodes answers
  'Too many Cluster redirections', // a Cluster whose slots kept moving (a failover under way)
];

/** ioredis gave up on a command after maxRetriesPerRequest reconnect attempts. */
const MAX_RETRIES_ERROR = 'MaxRetriesPerRequestError';

/** Socket-level failures, when one reaches a command (a Sentinel or connect error passed on). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Replies that mean "not now" rather than "not this": the dataset is still loading after a
 * restart, a Sentinel failover left us on a replica or without a primary, or a Redis Cluster has a
 * slot without a master while it fails over (CLUSTERDOWN, TRYAGAIN). A write refused this way was
 * not applied.
 */
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN) /;

interface ErrorShape {
  code?: unknown;
  isAxiosError?: unknown;
}

export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const shape = err as ErrorShape;
  if (err.name === MAX_RETRIES_ERROR) return true;
  if (CONNECTION_MESSAGES.some((m) => err.message.startsWith(m))) return true;
  if (err.name === 'ReplyError' && UNAVAILABLE_REPLIES.test(err.message)) return true;
  // The SCIM front talks to nothing but Redis; still, never take an HTTP client's error for Redis's.
  return typeof shape.code === 'string' && SOCKET_CODES.has(shape.code) && shape.isAxiosError !== true;
}
