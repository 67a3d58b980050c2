import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';

/**
 * How a credential is presented: `bearer`, a token in `Authorization: Bearer` (RFC 6750), or
 * `basic`, a generated username and password in `Authorization: Basic` (RFC 7617).
 */
export type CredentialType = 'bearer' | 'basic';

/**
 * One SCIM credential as kept in Redis: a bearer token, or a Basic password whose username is
 * derived from the id. The secret itself is never stored: only its SHA-256, so a copy of Redis
 * (or a backup of it) cannot be replayed against /scim/v2.
 */
export interface TokenRecord {
  id: string;
  name: string;
  /** Records written before Basic credentials existed have none in Redis: they are bearer tokens. */
  type: CredentialType;
  /** SHA-256 of the token (or the Basic password), lower-case hex. */
  hash: string;
  createdAt: string;
  /** Set when the token is rotated with a grace period or revoked; the token fails from then on. */
  expiresAt?: string;
  lastUsedAt?: string;
  /** Id of the token that replaced this one on rotation. */
  replacedBy?: string;
}

/** What TokenService needs from storage; RedisTokenStore is the adapter. */
export interface TokenStore {
  /** Stores a new record; false when the id is already taken. */
  create(record: TokenRecord): Promise<boolean>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** Every record, oldest first. */
  list(): Promise<TokenRecord[]>;
  findIdByHash(sha256Hex: string): Promise<string | undefined>;
  /**
   * Makes the token fail from `expiresAt` on. Expiry only ever moves earlier: a later date than
   * the one already set is ignored, so a second rotation cannot extend an old token's life.
   * Returns the record as stored afterwards, or undefined when the id is unknown.
   */
  setExpiry(id: string, expiresAt: Date, replacedBy?: string): Promise<TokenRecord | undefined>;
  delete(id: string): Promise<boolean>;
  /** Writes a batch of id -> ISO time in one round trip; unknown ids are skipped, times only move forward. */
  recordLastUsed(batch: ReadonlyMap<string, string>): Promise<void>;
}

type TokenKeys = Pick<RedisKeys, 'tokens' | 'tokenByHash'>;

/*
 * The record is JSON in a HASH field, and both setExpiry and the last-used flush change it. They
 * run as Lua so neither can overwrite the other's change with a stale read (a flush racing a
 * revoke must never drop expiresAt).
 */
const CREATE_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
if ARGV[3] ~= '' then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
return 1`;

// ARGV: id, expiresAt ISO, expiresAt ms, replacedBy ('' for none). ISO strings in one format compare as times.
const SET_EXPIRY_SCRIPT = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return false end
local rec = cjson.decode(json)
if rec.expiresAt == nil or ARGV[2] < rec.expiresAt then
  rec.expiresAt = ARGV[2]
  if ARGV[4] ~= '' then rec.replacedBy = ARGV[4] end
  json = cjson.encode(rec)
  redis.call('HSET', KEYS[1], ARGV[1], json)
  redis.call('PEXPIREAT', KEYS[2], ARGV[3])
end
return json`;

// ARGV: id1, iso1, id2, iso2, ...
const RECORD_LAST_USED_SCRIPT = `
for i = 1, #ARGV, 2 do
  local json = redis.call('HGET', KEYS[1], ARGV[i])
  if json then
    local rec = cjson.decode(json)
    if rec.lastUsedAt == nil or rec.lastUsedAt < ARGV[i + 1] then
      rec.lastUsedAt = ARGV[i + 1]
      redis.call('HSET', KEYS[1], ARGV[i], cjson.encode(rec))
    end
  end
end
return #ARGV / 2`;

/** Tokens in Redis: HASH tokens() id -> JSON record, and tokenByHash(hash) -> id for the lookup on each request. */
export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: TokenKeys,
  ) {}

  async create(record: TokenRecord): Promise<boolean> {
    const expiresAtMs = record.expiresAt ? String(Date.parse(record.expiresAt)) : '';
    const created = await this.redis.eval(
      CREATE_SCRIPT,
      2,
      this.keys.tokens(),
      this.keys.tokenByHash(record.hash),
      record.id,
      JSON.stringify(record),
      expiresAtMs,
    );
    return created === 1;
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const json = await this.redis.hget(this.keys.tokens(), id);
    return json ? parseRecord(json) : undefined;
  }

  async list(): Promise<TokenRecord[]> {
    const all = await this.redis.hgetall(this.keys.tokens());
    return Object.values(all)
      .map(parseRecord)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async findIdByHash(sha256Hex: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.tokenByHash(sha256Hex))) ?? undefined;
  }

  async setExpiry(id: string, expiresAt: Date, replacedBy?: string): Promise<TokenRecord | undefined> {
    // The hash never changes, so reading it first to name the lookup key is race-free.
    const current = await this.get(id);
    if (!current) return undefined;
    const json = (await this.redis.eval(
      SET_EXPIRY_SCRIPT,
      2,
      this.keys.tokens(),
      this.keys.tokenByHash(current.hash),
      id,
      expiresAt.toISOString(),
      String(expiresAt.getTime()),
      replacedBy ?? '',
    )) as string | null;
    return json ? parseRecord(json) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    await this.redis.multi().hdel(this.keys.tokens(), id).del(this.keys.tokenByHash(current.hash)).exec();
    return true;
  }

  async recordLastUsed(batch: ReadonlyMap<string, string>): Promise<void> {
    if (batch.size === 0) return;
    const args = [...batch].flat();
    await this.redis.eval(RECORD_LAST_USED_SCRIPT, 1, this.keys.tokens(), ...args);
  }
}

function parseRecord(json: string): TokenRecord {
  const raw = JSON.parse(json) as TokenRecord;
  // Rebuilt field by field: whatever else a hand edit left in Redis does not travel on.
  // No type: written before Basic credentials existed, so a bearer token. Any other value is kept
  // as it is, and then verifies as neither kind (TokenService compares the type exactly).
  const record: TokenRecord = { id: raw.id, name: raw.name, type: raw.type ?? 'bearer', hash: raw.hash, createdAt: raw.createdAt };
  if (raw.expiresAt) record.expiresAt = raw.expiresAt;
  if (raw.lastUsedAt) record.lastUsedAt = raw.lastUsedAt;
  if (raw.replacedBy) record.replacedBy = raw.replacedBy;
  return record;
}
