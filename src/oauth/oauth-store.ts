import type { RedisConnection } from '../store/redis-connection';
import type { RedisKeys } from '../store/redis-keys';

/** A registered OAuth client (Okta's app), as kept in Redis: the secret only as its SHA-256. */
export interface OAuthClientRecord {
  id: string;
  name: string;
  redirectUris: string[];
  /** SHA-256 of the client secret, lower-case hex. */
  secretHash: string;
  createdAt: string;
  /** Set by `oauth client revoke`: the client and every token it holds stop working. */
  revokedAt?: string;
}

/** What the admin approved, waiting for the code exchange (RFC 6749 §4.1.2). */
export interface CodeRecord {
  clientId: string;
  grantId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  /** ms since epoch. */
  expiresAt: number;
  /** ms since epoch, once exchanged: the record stays as a tombstone so a replay is recognised. */
  usedAt?: number;
}

/** An access or refresh token's record. */
export interface IssuedTokenRecord {
  clientId: string;
  grantId: string;
  scope: string;
  /** ms since epoch. */
  expiresAt: number;
  /** Refresh tokens only: when it was exchanged for its successor; presenting it again is reuse. */
  rotatedAt?: number;
}

export interface TokenToSave {
  /** SHA-256 hex of the token. */
  hash: string;
  record: IssuedTokenRecord;
}

type OAuthKeys = Pick<
  RedisKeys,
  | 'oauthClients'
  | 'oauthPendingApproval'
  | 'oauthCode'
  | 'oauthAccessToken'
  | 'oauthRefreshToken'
  | 'oauthGrantTokens'
  | 'oauthGrantRevoked'
  | 'oauthClientGrants'
>;

interface OAuthScripts {
  scimOAuthMarkOnce(numKeys: number, key: string, field: string, at: string, ttlMs: string): Promise<number>;
  scimOAuthSaveTokens(numKeys: number, ...args: string[]): Promise<number>;
  scimOAuthRevokeGrant(numKeys: number, tokensKey: string, revokedKey: string, markerTtlMs: string): Promise<number>;
}

/**
 * The OAuth state in Redis, under REDIS_PREFIX (redis-keys.ts). Codes, tokens and pending
 * approvals are keyed by the SHA-256 of their random value and never stored in the clear; each key
 * expires with what it holds. The steps that must not interleave (use a code once, rotate a
 * refresh token once, issue tokens into a grant being revoked) are single Lua scripts.
 */
export class OAuthStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: OAuthKeys,
  ) {
    redis.defineCommand('scimOAuthMarkOnce', { lua: MARK_ONCE_LUA });
    redis.defineCommand('scimOAuthSaveTokens', { lua: SAVE_TOKENS_LUA });
    redis.defineCommand('scimOAuthRevokeGrant', { lua: REVOKE_GRANT_LUA });
  }

  private get scripts(): OAuthScripts {
    return this.redis as unknown as OAuthScripts;
  }

  /** Stores a new client; false when the id is taken. */
  async createClient(record: OAuthClientRecord): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.oauthClients(), record.id, JSON.stringify(record))) === 1;
  }

  async getClient(id: string): Promise<OAuthClientRecord | undefined> {
    const json = await this.redis.hget(this.keys.oauthClients(), id);
    return json ? (JSON.parse(json) as OAuthClientRecord) : undefined;
  }

  /** Every client, oldest first. */
  async listClients(): Promise<OAuthClientRecord[]> {
    const all = await this.redis.hvals(this.keys.oauthClients());
    return all.map((json) => JSON.parse(json) as OAuthClientRecord).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async saveClient(record: OAuthClientRecord): Promise<void> {
    await this.redis.hset(this.keys.oauthClients(), record.id, JSON.stringify(record));
  }

  async clientGrantIds(clientId: string): Promise<string[]> {
    return this.redis.smembers(this.keys.oauthClientGrants(clientId));
  }

  async savePendingApproval(hash: string, json: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.oauthPendingApproval(hash), json, 'PX', ttlMs);
  }

  async getPendingApproval(hash: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.oauthPendingApproval(hash))) ?? undefined;
  }

  /** Reads and deletes in one step: an approval is answered once, whatever races it. */
  async takePendingApproval(hash: string): Promise<string | undefined> {
    return (await this.redis.getdel(this.keys.oauthPendingApproval(hash))) ?? undefined;
  }

  /** A new code, and its grant under its client (so revoking the client reaches it). */
  async saveCode(hash: string, record: CodeRecord, ttlMs: number, grantTtlMs: number): Promise<void> {
    const key = this.keys.oauthCode(hash);
    const clientGrants = this.keys.oauthClientGrants(record.clientId);
    await this.redis.multi().hset(key, flatFields(record)).pexpire(key, ttlMs).sadd(clientGrants, record.grantId).pexpire(clientGrants, grantTtlMs).exec();
  }

  async getCode(hash: string): Promise<CodeRecord | undefined> {
    const fields = await this.redis.hgetall(this.keys.oauthCode(hash));
    if (!fields.clientId) return undefined;
    return {
      clientId: fields.clientId,
      grantId: fields.grantId,
      redirectUri: fields.redirectUri ?? '',
      scope: fields.scope ?? '',
      codeChallenge: fields.codeChallenge ?? '',
      codeChallengeMethod: fields.codeChallengeMethod ?? '',
      expiresAt: Number(fields.expiresAt),
      usedAt: fields.usedAt ? Number(fields.usedAt) : undefined,
    };
  }

  /**
   * Marks the code used, once: true for the first caller only. The tombstone then lives for
   * `tombstoneTtlMs`, so a replay long after is still recognised as one.
   */
  async markCodeUsed(hash: string, at: number, tombstoneTtlMs: number): Promise<boolean> {
    return (await this.scripts.scimOAuthMarkOnce(1, this.keys.oauthCode(hash), 'usedAt', String(at), String(tombstoneTtlMs))) === 1;
  }

  async getAccessToken(hash: string): Promise<IssuedTokenRecord | undefined> {
    return toTokenRecord(await this.redis.hgetall(this.keys.oauthAccessToken(hash)));
  }

  async getRefreshToken(hash: string): Promise<IssuedTokenRecord | undefined> {
    return toTokenRecord(await this.redis.hgetall(this.keys.oauthRefreshToken(hash)));
  }

  /** Marks the refresh token rotated, once: true for the first caller only. Its TTL is kept. */
  async markRefreshRotated(hash: string, at: number): Promise<boolean> {
    return (await this.scripts.scimOAuthMarkOnce(1, this.keys.oauthRefreshToken(hash), 'rotatedAt', String(at), '0')) === 1;
  }

  /**
   * Stores an access token (and a refresh token) into their grant; false, storing nothing, when
   * the grant was revoked meanwhile (a replayed code or refresh token won the race).
   */
  async saveTokens(grantId: string, access: TokenToSave, refresh: TokenToSave | undefined, now: number, grantTtlMs: number): Promise<boolean> {
    const keys = [this.keys.oauthGrantRevoked(grantId), this.keys.oauthGrantTokens(grantId), this.keys.oauthAccessToken(access.hash)];
    const args = [String(grantTtlMs), JSON.stringify(flatFields(access.record)), String(access.record.expiresAt - now)];
    if (refresh) {
      keys.push(this.keys.oauthRefreshToken(refresh.hash));
      args.push(JSON.stringify(flatFields(refresh.record)), String(refresh.record.expiresAt - now));
    }
    return (await this.scripts.scimOAuthSaveTokens(keys.length, ...keys, ...args)) === 1;
  }

  /**
   * Ends a grant: every access and refresh token issued under it is deleted, and the marker makes
   * any token save still under way for it fail (saveTokens). Returns how many tokens were removed.
   */
  async revokeGrant(grantId: string, markerTtlMs: number): Promise<number> {
    return this.scripts.scimOAuthRevokeGrant(2, this.keys.oauthGrantTokens(grantId), this.keys.oauthGrantRevoked(grantId), String(markerTtlMs));
  }
}

function flatFields(record: object): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) if (value !== undefined) fields[name] = String(value);
  return fields;
}

function toTokenRecord(fields: Record<string, string>): IssuedTokenRecord | undefined {
  if (!fields.clientId) return undefined;
  return {
    clientId: fields.clientId,
    grantId: fields.grantId,
    scope: fields.scope ?? '',
    expiresAt: Number(fields.expiresAt),
    rotatedAt: fields.rotatedAt ? Number(fields.rotatedAt) : undefined,
  };
}

/**
 * KEYS[1] a code or refresh token HASH; ARGV field, time, TTL in ms (0: keep the key's own).
 * Sets the field only on an existing key that does not have it yet: returns 1 for that one caller,
 * 0 for every other (already set, or no such key; HSETNX alone would create a key without a TTL).
 */
const MARK_ONCE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`;

/**
 * KEYS[1] grant revoked marker, KEYS[2] grant token SET, KEYS[3] access key, KEYS[4] refresh key
 * (optional); ARGV grant TTL ms, access fields JSON, access TTL ms, [refresh fields JSON, refresh TTL ms].
 */
const SAVE_TOKENS_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local function save(key, json, ttl)
  local fields = cjson.decode(json)
  for name, value in pairs(fields) do redis.call('HSET', key, name, value) end
  redis.call('PEXPIRE', key, ttl)
  redis.call('SADD', KEYS[2], key)
end
save(KEYS[3], ARGV[2], ARGV[3])
if KEYS[4] then save(KEYS[4], ARGV[4], ARGV[5]) end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
`;

/** KEYS[1] grant token SET, KEYS[2] revoked marker; ARGV marker TTL ms. */
const REVOKE_GRANT_LUA = `
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
local members = redis.call('SMEMBERS', KEYS[1])
for _, key in ipairs(members) do redis.call('DEL', key) end
redis.call('DEL', KEYS[1])
return #members
`;
