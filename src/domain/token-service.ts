import crypto from 'node:crypto';
import { BadRequestError, NotFoundError } from '../errors/bridge-error';
import type { Logger } from '../logging/logger';
import type { TokenRecord, TokenStore } from '../store/token-store';

/** A token as listed to operators: everything but the hash. */
export type TokenSummary = Omit<TokenRecord, 'hash'>;

/** A token just issued. `token` exists only here: it is shown once and never stored. */
export interface IssuedToken {
  id: string;
  name: string;
  token: string;
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
const DEFAULT_LAST_USED_FLUSH_MS = 30_000;
/** Records of tokens dead for longer than this are dropped on the next create, so `token list` stays readable. */
const EXPIRED_RECORD_RETENTION_MS = 30 * 24 * 3600_000;
const MAX_NAME_LENGTH = 100;
const MAX_REMEMBERED_TOKENS = 1000;

/**
 * Bearer tokens for /scim/v2. Only a SHA-256 of each token is stored and a token is shown once,
 * at creation; rotation issues a new token that replaces the old one, at once or after a grace
 * period. The same model as SSOReady's directory tokens
 * (https://ssoready.com/docs/api-reference/management/scim-directories/rotate-scim-directory-bearer-token).
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

  async create(name: string): Promise<IssuedToken> {
    const cleanName = validName(name);
    await this.pruneLongExpired();
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const record: TokenRecord = { id: '', name: cleanName, hash: sha256(token).toString('hex'), createdAt: this.nowIso() };
    // 40 random bits: a collision is near impossible, but the store refuses one rather than overwrite.
    for (let attempt = 0; attempt < 3; attempt++) {
      record.id = crypto.randomBytes(5).toString('hex');
      if (await this.store.create(record)) return { id: record.id, name: cleanName, token };
    }
    throw new Error('could not allocate a token id');
  }

  async list(): Promise<TokenSummary[]> {
    return (await this.store.list()).map(toSummary);
  }

  /**
   * Issues a new token with the same name. The old one keeps working for graceMs (0: it stops
   * now), so the operator can paste the new token into Okta without failed provisioning calls.
   */
  async rotate(id: string, graceMs: number): Promise<RotatedToken> {
    refuseStatic(id);
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new BadRequestError(`invalid grace period: ${graceMs}`);
    const old = await this.store.get(id);
    if (!old) throw new NotFoundError(`token ${id} not found`);
    if (this.isExpired(old)) throw new BadRequestError(`token ${id} already stopped working at ${old.expiresAt}; create a new token instead`);
    const issued = await this.create(old.name);
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
    const record = await this.store.get(id);
    if (!record) return null;
    const storedHash = Buffer.from(record.hash, 'hex');
    if (storedHash.length !== hash.length || !crypto.timingSafeEqual(storedHash, hash)) return null;
    // The lookup key expires in Redis too; this check covers the gap and an injected clock.
    if (this.isExpired(record)) return null;
    // Only verified tokens are remembered, so wrong guesses cannot grow the map; the bound is a backstop.
    if (this.idByHash.size >= MAX_REMEMBERED_TOKENS) this.idByHash.clear();
    this.idByHash.set(hex, id);
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
