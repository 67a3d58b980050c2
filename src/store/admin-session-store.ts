import crypto from 'node:crypto';
import type { RedisConnection } from './redis-connection';
import { redisKeys, RedisKeys } from './redis-keys';

/** One signed-in console browser, as the request handling sees it. */
export interface AdminSession {
  /** The synchronizer token every state-changing request of this session must carry. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface AdminSessionLifetimes {
  /** Ends after this long without a request (OWASP: idle timeout). */
  idleSeconds: number;
  /** Ends this long after sign-in, however active (OWASP: absolute timeout). */
  absoluteSeconds: number;
}

/** 256 bits from the CSPRNG, base64url: far past the 64 bits of entropy OWASP asks of a session id. */
const randomToken = () => crypto.randomBytes(32).toString('base64url');

/** A presented id is looked at only when it has the shape `create` gives (43 base64url characters). */
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Console sessions in Redis, under REDIS_PREFIX, one HASH per session with a TTL, so every api
 * process sees the same sign-ins and a session dies with its key.
 *
 * The key is the SHA-256 of the session id, never the id: whoever can read Redis (a dump, a
 * replica, MONITOR) learns no cookie that would sign them in. The id is random, so a plain hash
 * needs no salt. Timeouts follow the OWASP Session Management Cheat Sheet
 * (https://cheatsheetseries.owasp.org/cheatsheets/Session_Management_Cheat_Sheet.html#session-expiration):
 * the idle one slides with each request, the absolute one never moves, and the TTL is always the
 * nearer of the two, so Redis drops the key when the session ends even if nobody asks again. Both
 * are checked on every read too, so a key whose TTL was lost (a restored dump) is not a way in.
 */
export class AdminSessionStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly lifetimes: AdminSessionLifetimes,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = redisKeys(prefix);
    redis.defineCommand('scimTouchAdminSession', { lua: TOUCH_SESSION_LUA });
  }

  /** A new session with a new id (never one a client presented) and its own CSRF token. */
  async create(): Promise<{ id: string; session: AdminSession }> {
    const id = randomToken();
    const at = this.now();
    const session: AdminSession = { csrfToken: randomToken(), createdAt: at, lastSeenAt: at };
    const key = this.keyOf(id);
    await this.redis
      .multi()
      .hset(key, 'csrfToken', session.csrfToken, 'createdAt', String(at), 'lastSeenAt', String(at))
      .pexpire(key, this.ttlMs(session, at))
      .exec();
    return { id, session };
  }

  /**
   * The live session of `id`, its idle clock restarted; null (and the key removed) when there is
   * none or it has run out.
   */
  async touch(id: string): Promise<AdminSession | null> {
    if (!SESSION_ID_SHAPE.test(id)) return null;
    const at = this.now();
    const found = (await (this.redis as unknown as SessionScripts).scimTouchAdminSession(
      1,
      this.keyOf(id),
      String(at),
      String(this.lifetimes.idleSeconds * 1000),
      String(this.lifetimes.absoluteSeconds * 1000),
    )) as [string, string] | null;
    if (!found) return null;
    return { csrfToken: found[0], createdAt: Number(found[1]), lastSeenAt: at };
  }

  /** Signs out: the id stops working at once, in every api process. */
  async destroy(id: string): Promise<void> {
    if (!SESSION_ID_SHAPE.test(id)) return;
    await this.redis.del(this.keyOf(id));
  }

  private keyOf(id: string): string {
    return this.keys.adminSession(crypto.createHash('sha256').update(id).digest('hex'));
  }

  /** Milliseconds the session has left: the nearer of its idle and absolute ends. */
  private ttlMs(session: AdminSession, at: number): number {
    const idleEnd = session.lastSeenAt + this.lifetimes.idleSeconds * 1000;
    const absoluteEnd = session.createdAt + this.lifetimes.absoluteSeconds * 1000;
    return Math.min(idleEnd, absoluteEnd) - at;
  }
}

interface SessionScripts {
  scimTouchAdminSession(numKeys: number, ...args: string[]): Promise<unknown>;
}

/**
 * Reads a session and restarts its idle clock in one step, so a sign-out (DEL) between the read
 * and the write cannot leave a key behind: HSET on a deleted key would recreate it without a TTL.
 * KEYS[1] the session; ARGV now, idle and absolute lifetimes (ms). Returns {csrfToken, createdAt}
 * or nil when there is no live session (an ended one is deleted).
 */
const TOUCH_SESSION_LUA = `
local h = redis.call('HMGET', KEYS[1], 'csrfToken', 'createdAt', 'lastSeenAt')
if not h[1] then return false end
local now = tonumber(ARGV[1])
local idle = tonumber(ARGV[2])
local absoluteEnd = (tonumber(h[2]) or 0) + tonumber(ARGV[3])
local last = tonumber(h[3]) or 0
if math.min(last + idle, absoluteEnd) <= now then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.min(now + idle, absoluteEnd) - now)
return {h[1], h[2]}
`;
