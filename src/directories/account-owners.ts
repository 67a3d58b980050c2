import type { RedisConnection } from '../store/redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import { bridgeKeys } from '../store/redis-keys';

/** The account owner check the sync jobs run before writing (the real AccountOwners satisfies it). */
export interface AccountOwnerCheck {
  /** Records that this directory links the account, unless another already does; returns the directory that owns it. */
  claim(kind: ResourceKind, secretServerId: number): Promise<string>;
  /** Records that this directory created the account (an earlier record for the id is stale). */
  recordCreated(kind: ResourceKind, secretServerId: number): Promise<void>;
  readonly directory: string;
}

/**
 * Which directory linked each account of one Secret Server. Two directories that target one server
 * could otherwise both link an account by email or group name and overwrite each other's changes;
 * the first to link it owns it, and the other's sync fails naming the owner. An account stays owned
 * while the owner's directory exists (removing the directory releases its accounts).
 */
export class AccountOwners implements AccountOwnerCheck {
  /** Accounts confirmed ours: ownership never moves while the directory exists, so each is asked once per process. */
  private readonly ours = new Set<string>();
  private readonly keys;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly secretServer: string,
    readonly directory: string,
  ) {
    this.keys = bridgeKeys(prefix);
  }

  async claim(kind: ResourceKind, secretServerId: number): Promise<string> {
    const memo = `${kind}:${secretServerId}`;
    if (this.ours.has(memo)) return this.directory;
    const key = this.keys.accountOwners(this.secretServer, kind);
    const field = String(secretServerId);
    const owner = (await this.redis.hsetnx(key, field, this.directory)) === 1 ? this.directory : ((await this.redis.hget(key, field)) ?? this.directory);
    if (owner === this.directory) this.ours.add(memo);
    return owner;
  }

  async recordCreated(kind: ResourceKind, secretServerId: number): Promise<void> {
    await this.redis.hset(this.keys.accountOwners(this.secretServer, kind), String(secretServerId), this.directory);
    this.ours.add(`${kind}:${secretServerId}`);
  }

  /** Claims, without a check, what this directory had linked before owners were recorded (an install from before directories). */
  async claimLinked(kind: ResourceKind, secretServerIds: readonly number[]): Promise<void> {
    const key = this.keys.accountOwners(this.secretServer, kind);
    for (let i = 0; i < secretServerIds.length; i += 500) {
      const pipeline = this.redis.pipeline();
      for (const id of secretServerIds.slice(i, i + 500)) pipeline.hsetnx(key, String(id), this.directory);
      await pipeline.exec();
    }
  }

  /** The accounts of this kind that another directory owns (the import leaves them out). */
  async ownedElsewhere(kind: ResourceKind): Promise<Set<number>> {
    const owners = await this.redis.hgetall(this.keys.accountOwners(this.secretServer, kind));
    return new Set(
      Object.entries(owners)
        .filter(([, owner]) => owner !== this.directory)
        .map(([id]) => Number(id)),
    );
  }

  /** Gives up every account this directory owns, when the directory is removed. */
  async releaseAll(): Promise<number> {
    let released = 0;
    for (const kind of ['User', 'Group'] as const) {
      const key = this.keys.accountOwners(this.secretServer, kind);
      const owned = Object.entries(await this.redis.hgetall(key))
        .filter(([, owner]) => owner === this.directory)
        .map(([id]) => id);
      if (owned.length > 0) released += await this.redis.hdel(key, ...owned);
    }
    this.ours.clear();
    return released;
  }
}
