import crypto from 'node:crypto';
import { BadRequestError, NotFoundError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import type { CredentialType, TokenRecord, TokenStore } from '../store/token-store';

export type { CredentialType } from '../store/token-store';

/** A token as listed to operators: everything but the hash. */
export type TokenSummary = Omit<TokenRecord, 'hash'>;

/** A credential just issued. `token` exists only here: it is shown once and never stored. */
export interface IssuedToken {
  id: string;
  name: string;
  type: CredentialType;
  /** The line shown once: the bearer token, or `username:password` for a Basic credential (RFC 7617 §2). */
  token: string;
  /** Basic only: the username, `scb-<id>`. */
  username?: string;
}

export interface RotatedToken extends IssuedToken {
  previousId: string;
  /** When the replaced token stops (or stopped) working, ISO. */
  previousExpiresAt: string;
}

export interface TokenServiceOptions {
  /** SCIM_TOKEN: accepted besides the stored tokens, reported as tokenId 'static'. Empty disables it. */
  staticToken?: string;
  /** ms since epoch; tests inject one to move time. */
  clock?: () => number;
  /** How often start() writes the last-used times to the store. */
  lastUsedFlushMs?: number;
  logger?: Logger;
}

export const STATIC_TOKEN_ID = 'static';
export const TOKEN_PREFIX = 'scb_';
/** A Basic credential's username is this and its id: it names the record, so no lookup by password is needed. */
export const BASIC_USERNAME_PREFIX = 'scb-';
const ID_BYTES = 5;
const BASIC_USERNAME = new RegExp(`^${BASIC_USERNAME_PREFIX}([0-9a-f]{${ID_BYTES * 2}})$`);
const DEFAULT_LAST_USED_FLUSH_MS = 30_000;
/** Records of tokens dead for longer than this are dropped on the next create, so `token list` stays readable. */
const EXPIRED_RECORD_RETENTION_MS = 30 * 24 * 3600_000;
const MAX_NAME_LENGTH = 100;
const MAX_REMEMBERED_TOKENS = 1000;

/**
 * Credentials for /scim/v2: bearer tokens, and Basic usernames and passwords (Okta's SCIM 2.0 Test
 * App (Basic Auth)). Only a SHA-256 of each secret is stored and a secret is shown once, at
 * creation; rotation issues a new credential that replaces the old one, at once or after a grace
 * period. The same model as SSOReady's directory tokens
 * (https://ssoready.com/docs/api-reference/management/scim-directories/rotate-scim-directory-bearer-token).
 *
 * A Basic password is 256 random bits made here, never chosen by a person, so a plain SHA-256 of it
 * is as safe to store as a bearer token's: a slow, salted hash (bcrypt, scrypt, Argon2) exists to
 * make guessing a low-entropy human password expensive, and no guessing reaches 2^256. A slow hash
 * would instead cost CPU on every request, since Basic sends the password each time, and make a
 * flood of wrong passwords an easy way to load the bridge.
 */
export class TokenService {
  private readonly staticHash?: Buffer;
  private readonly clock: () => number;
  private readonly flushMs: number;
  private pendingLastUsed = new Map<string, string>();
  /**
   * SHA-256 (hex) -> id of tokens that verified. Saves one of the two Redis reads of every request
   * (npm run bench). Safe to keep: the record itself is still read and checked on every request,
   * so revocation and expiry apply at once, and a reused id under another hash fails the hash check.
   */
  private readonly idByHash = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: TokenStore,
    private readonly options: TokenServiceOptions = {},
  ) {
    if (options.staticToken) this.staticHash = sha256(options.staticToken);
    this.clock = options.clock ?? Date.now;
    this.flushMs = options.lastUsedFlushMs ?? DEFAULT_LAST_USED_FLUSH_MS;
  }

  /** A bearer token, or with type 'basic' a username and password; either is in `token`, once. */
  async create(name: string, type: CredentialType = 'bearer'): Promise<IssuedToken> {
    const cleanName = validName(name);
    await this.pruneLongExpired();
    // base64url has no ':', which would end the username part of a Basic credential (RFC 7617 §2).
    const secret = (type === 'bearer' ? TOKEN_PREFIX : '') + crypto.randomBytes(32).toString('base64url');
    const record: TokenRecord = { id: '', name: cleanName, type, hash: sha256(secret).toString('hex'), createdAt: this.nowIso() };
    // 40 random bits: a collision is near impossible, but the store refuses one rather than overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      record.id = crypto.randomBytes(ID_BYTES).toString('hex');
      if (!(await this.store.create(record))) continue;
      if (type === 'bearer') return { id: record.id, name: cleanName, type, token: secret };
      const username = basicUsername(record.id);
      return { id: record.id, name: cleanName, type, token: `${username}:${secret}`, username };
    }
    throw new Error('could not allocate a token id');
  }

  async list(): Promise<TokenSummary[]> {
    return (await this.store.list()).map(toSummary);
  }

  /**
   * Issues a new credential of the same name and type. The old one keeps working for graceMs (0: it
   * stops now), so the operator can paste the new one into Okta without failed provisioning calls.
   * A Basic credential gets a new username too (its id), so old and new never share a username.
   */
  async rotate(id: string, graceMs: number): Promise<RotatedToken> {
    refuseStatic(id);
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new BadRequestError(`invalid grace period: ${graceMs}`);
    const old = await this.store.get(id);
    if (!old) throw new NotFoundError(`token ${id} not found`);
    if (this.isExpired(old)) throw new BadRequestError(`token ${id} already stopped working at ${old.expiresAt}; create a new token instead`);
    const issued = await this.create(old.name, old.type);
    const updated = await this.store.setExpiry(id, new Date(this.clock() + graceMs), issued.id);
    return { ...issued, previousId: id, previousExpiresAt: updated?.expiresAt ?? this.nowIso() };
  }

  /** Stops a token now. The record stays (with expiresAt) so `token list` shows what happened. */
  async revoke(id: string): Promise<TokenSummary> {
    refuseStatic(id);
    const updated = await this.store.setExpiry(id, new Date(this.clock()));
    if (!updated) throw new NotFoundError(`token ${id} not found`);
    return toSummary(updated);
  }

  /** Checks a presented bearer token; null means 401. Costs no Redis write (see flushLastUsed). */
  async verify(presented: string): Promise<{ tokenId: string } | null> {
    if (!presented) return null;
    const hash = sha256(presented);
    // Both sides are hashed, so the comparison is fixed-length and constant-time whatever was sent.
    if (this.staticHash && crypto.timingSafeEqual(hash, this.staticHash)) return { tokenId: STATIC_TOKEN_ID };
    // The prefix is public: anything without it cannot be ours, and need not cost a Redis call.
    if (!presented.startsWith(TOKEN_PREFIX)) return null;
    const hex = hash.toString('hex');
    const id = this.idByHash.get(hex) ?? (await this.store.findIdByHash(hex));
    if (!id) return null;
    if (!this.accepts(await this.store.get(id), 'bearer', hash)) return null;
    // Only verified tokens are remembered, so wrong guesses cannot grow the map; the bound is a backstop.
    if (this.idByHash.size >= MAX_REMEMBERED_TOKENS) this.idByHash.clear();
    this.idByHash.set(hex, id);
    this.pendingLastUsed.set(id, this.nowIso());
    return { tokenId: id };
  }

  /**
   * Checks a presented Basic username and password; null means 401, whichever of the two was
   * wrong. The username names the record, so this costs one Redis read and no write.
   */
  async verifyBasic(username: string, password: string): Promise<{ tokenId: string } | null> {
    const hash = sha256(password);
    const id = BASIC_USERNAME.exec(username)?.[1];
    if (!id || !password) return null;
    if (!this.accepts(await this.store.get(id), 'basic', hash)) return null;
    this.pendingLastUsed.set(id, this.nowIso());
    return { tokenId: id };
  }

  /** Writes the last-used times gathered since the previous flush, as one batch. */
  async flushLastUsed(): Promise<void> {
    if (this.pendingLastUsed.size === 0) return;
    const batch = this.pendingLastUsed;
    this.pendingLastUsed = new Map();
    try {
      await this.store.recordLastUsed(batch);
    } catch (err) {
      // Keep the batch for the next flush, without overwriting newer times gathered meanwhile.
      for (const [id, at] of batch) {
        const newer = this.pendingLastUsed.get(id);
        if (!newer || newer < at) this.pendingLastUsed.set(id, at);
      }
      throw err;
    }
  }

  /** Flushes last-used times every lastUsedFlushMs (30 s by default) until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flushLastUsed().catch((err: unknown) => this.options.logger?.warn('could not record token last-used times; will retry', { err }));
    }, this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending. Never throws: it runs during shutdown. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.flushLastUsed();
    } catch (err) {
      this.options.logger?.warn('could not record token last-used times at shutdown', { err });
    }
  }

  /**
   * The record exists, is of the kind presented (a bearer token sent as a Basic password, or the
   * reverse, is refused), holds this hash (compared in constant time) and has not expired.
   */
  private accepts(record: TokenRecord | undefined, type: CredentialType, hash: Buffer): boolean {
    if (!record || record.type !== type) return false;
    const storedHash = Buffer.from(record.hash, 'hex');
    if (storedHash.length !== hash.length || !crypto.timingSafeEqual(storedHash, hash)) return false;
    // A bearer token's lookup key expires in Redis too, but a Basic credential is read by id: for
    // it this check is the expiry, and for both it covers an injected clock.
    return !this.isExpired(record);
  }

  private isExpired(record: TokenRecord): boolean {
    return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= this.clock();
  }

  private nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  private async pruneLongExpired(): Promise<void> {
    const cutoff = this.clock() - EXPIRED_RECORD_RETENTION_MS;
    for (const record of await this.store.list()) {
      if (record.expiresAt && Date.parse(record.expiresAt) < cutoff) await this.store.delete(record.id);
    }
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };

/** "90s", "30m", "24h", "7d", "500ms" or "0" -> milliseconds. Anything else throws, naming the value. */
export function parseDuration(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  const amount = match ? Number(match[1]) : NaN;
  // A bare number is ambiguous (seconds? ms?) unless it is zero.
  if (!match || (!match[2] && amount !== 0)) {
    throw new BadRequestError(`invalid duration "${value}": use a number and a unit (ms, s, m, h, d), like 90s, 30m, 24h or 7d, or 0`);
  }
  const ms = amount * UNIT_MS[match[2] ?? 'ms'];
  if (!Number.isSafeInteger(ms)) throw new BadRequestError(`invalid duration "${value}": too long`);
  return ms;
}

/** The username of the Basic credential with this id. */
export function basicUsername(id: string): string {
  return BASIC_USERNAME_PREFIX + id;
}

function sha256(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

function toSummary(record: TokenRecord): TokenSummary {
  const { hash: _hash, ...summary } = record;
  return summary;
}

function refuseStatic(id: string): void {
  if (id === STATIC_TOKEN_ID) throw new BadRequestError('the static token comes from SCIM_TOKEN: change or unset it there and restart');
}

function validName(name: string): string {
  const trimmed = name.trim();
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(trimmed)) {
    throw new BadRequestError(`invalid token name: use 1 to ${MAX_NAME_LENGTH} printable characters`);
  }
  return trimmed;
}
