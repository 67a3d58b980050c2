/**
 * Every Redis key scim-bridge writes, in one place, under REDIS_PREFIX. BullMQ queues use the
 * same prefix (`<prefix>:bull:<queue>:...`), so one Redis can host several bridges.
 */
import type { ResourceKind } from '../domain/resource-types';

export type UniqueIndex = 'userName' | 'email' | 'externalId' | 'displayName';

export function redisKeys(prefix: string) {
  const kind = (k: ResourceKind) => (k === 'User' ? 'user' : 'group');
  return {
    /** JSON of one StoredResource. */
    resource: (k: ResourceKind, id: string) => `${prefix}:${kind(k)}:${id}`,
    /** ZSET member value -> order of arrival, and HASH member value -> member JSON (group-members.ts). */
    membersOrder: (id: string) => `${prefix}:group:${id}:members`,
    membersByValue: (id: string) => `${prefix}:group:${id}:member-objects`,
    /** ZSET id -> creation sequence: the stable order Okta pages through. */
    order: (k: ResourceKind) => `${prefix}:${kind(k)}s:order`,
    /** Counter feeding the order scores. */
    sequence: (k: ResourceKind) => `${prefix}:${kind(k)}s:seq`,
    /** HASH lower-cased (or exact, for externalId) value -> id. */
    index: (k: ResourceKind, index: UniqueIndex) => `${prefix}:${kind(k)}s:idx:${index}`,
    /** HASH of SecretServerLink fields for one resource; written by workers only. */
    link: (k: ResourceKind, id: string) => `${prefix}:link:${kind(k)}:${id}`,
    /** HASH Secret Server id -> SCIM id, so the import finds what it already knows. */
    linkBySecretServerId: (k: ResourceKind) => `${prefix}:link:${kind(k)}s:by-ss-id`,
    /** ZSET "<kind>:<id>" -> ms since epoch: resources whose change has not reached Secret Server yet. */
    dirty: () => `${prefix}:dirty`,
    /** Bearer tokens: HASH id -> JSON record (hash only), and one key per token hash -> id. */
    tokens: () => `${prefix}:tokens`,
    tokenByHash: (sha256Hex: string) => `${prefix}:token-hash:${sha256Hex}`,
    /** Failed-auth counters per client, for throttling. */
    authFailures: (client: string) => `${prefix}:auth-fail:${client}`,
    /** Console sign-ins: HASH per session, keyed by the SHA-256 of the session id (admin-session-store.ts). */
    adminSession: (sha256Hex: string) => `${prefix}:admin-session:${sha256Hex}`,
    /**
     * OAuth 2.0 for Okta (src/oauth/): registered clients (HASH id -> JSON, secret hash only); one
     * key per pending approval, code, access and refresh token, each named by the SHA-256 of its
     * random value and expiring with it; per grant (one Okta sign-in) the SET of its token keys and
     * a revoked marker; per client the SET of its grant ids.
     */
    oauthClients: () => `${prefix}:oauth:clients`,
    oauthPendingApproval: (sha256Hex: string) => `${prefix}:oauth:pending:${sha256Hex}`,
    oauthCode: (sha256Hex: string) => `${prefix}:oauth:code:${sha256Hex}`,
    oauthAccessToken: (sha256Hex: string) => `${prefix}:oauth:access:${sha256Hex}`,
    oauthRefreshToken: (sha256Hex: string) => `${prefix}:oauth:refresh:${sha256Hex}`,
    oauthGrantTokens: (grantId: string) => `${prefix}:oauth:grant:${grantId}:tokens`,
    oauthGrantRevoked: (grantId: string) => `${prefix}:oauth:grant:${grantId}:revoked`,
    oauthClientGrants: (clientId: string) => `${prefix}:oauth:client:${clientId}:grants`,
    /** Per-resource worker lock, so two workers never converge one resource at once. */
    syncLock: (k: ResourceKind, id: string) => `${prefix}:lock:${kind(k)}:${id}`,
    /** Import run bookkeeping. */
    importStatus: () => `${prefix}:import:status`,
    /** LIST of HistoryEvent JSON, newest first, capped and expiring (history/resource-history.ts). */
    history: (k: ResourceKind, id: string) => `${prefix}:history:${kind(k)}:${id}`,
    /** LIST of attempts on accounts the bridge never claims, newest first, capped (history/protected-attempts.ts). */
    protectedAttempts: () => `${prefix}:protected-attempts`,
    /** The last drift report's counts and finishedAt, no personal data (store/drift-report-store.ts; read by /metrics). */
    driftSummary: () => `${prefix}:drift:summary`,
    /** The last drift report itself, bounded and with a TTL, for the console's drift page. */
    driftReport: () => `${prefix}:drift:report`,
    /** A worker process's liveness, written with a TTL (lifecycle/worker-heartbeat.ts). */
    workerHeartbeat: (instance: string) => `${prefix}:worker:heartbeat:${instance}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * The keys every directory shares, under the bare REDIS_PREFIX: each is read and written alone (one
 * key per command or script), so in Redis Cluster they may sit in any slot.
 */
export function bridgeKeys(prefix: string) {
  return {
    /** HASH directory name -> DirectoryRecord JSON (directories/directory-store.ts); the default directory is implicit. */
    directories: () => `${prefix}:directories`,
    /** One Secret Server's call budget (SS_MAX_RPS), one counter per second, shared by every directory that targets it. */
    secretServerRate: (secretServer: string, epochSecond: number) => `${prefix}:ss-rate:${secretServer}:${epochSecond}`,
    /** HASH Secret Server id -> the directory that linked it, per Secret Server (directories/account-owners.ts). */
    accountOwners: (secretServer: string, kind: ResourceKind) => `${prefix}:ss-owners:${secretServer}:${kind === 'User' ? 'users' : 'groups'}`,
  };
}

export type BridgeKeys = ReturnType<typeof bridgeKeys>;

/** The directory every install has: it answers at /scim/v2 and keeps the keys the bridge always wrote. */
export const DEFAULT_DIRECTORY = 'default';

/**
 * Where one directory's keys live (the `prefix` every store above takes). A named directory's keys
 * carry the hash tag `{<name>}`, so in Redis Cluster each multi-key script of one directory stays in
 * one slot while directories spread across shards
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags). The
 * default directory keeps the bare REDIS_PREFIX on a single Redis or Sentinel, so an existing install
 * reads its data where it is; in a Cluster, where no install ran before, it is tagged like the rest.
 */
export function directoryKeyBase(redis: { prefix: string; clusterNodes: string }, directory: string): string {
  if (directory === DEFAULT_DIRECTORY && redis.clusterNodes.trim() === '') return redis.prefix;
  return `${redis.prefix}:{${directory}}`;
}
