import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { Logger } from '../logging/logger';
import { clusterSlot } from './cluster-slot';
import { isCluster, type RedisConnection } from './redis-connection';

/**
 * What a SCIM write waits for, after its script has run and before it is answered: that a copy
 * of it outlives the loss of the server that took it.
 */
export interface WriteDurability {
  /** Resolves once the write just made to `key`'s server is as durable as this mode promises. */
  confirm(key: string): Promise<void>;
}

/** One Redis or Sentinel: the write is answered once its server has it (README, Scaling out). */
export const SERVER_ONLY: WriteDurability = { confirm: async () => undefined };

/** What SCIM writes on `connection` wait for: a replica's copy on a Cluster (unless waitMs is 0), else nothing more. */
export function writeDurability(connection: RedisConnection, waitMs: number, logger: Logger): WriteDurability {
  return isCluster(connection) && waitMs > 0 ? new ReplicaAcknowledgement(connection, waitMs, logger) : SERVER_ONLY;
}

/** How long a master seen without a replica is believed to stay so before it is asked again. */
const RECHECK_MS = 1_000;

/**
 * Redis Cluster replicates asynchronously: a master that dies right after a write may take it
 * along, and the replica promoted in its place never had it
 * (https://redis.io/docs/latest/operate/oss_and_stack/management/scaling/#redis-cluster-consistency-guarantees).
 * So after a SCIM write, WAIT 1 on the connection the write went through (the master serving the
 * key's slot; WAIT counts the writes of its own connection, https://redis.io/docs/latest/commands/wait/)
 * holds the answer until a replica has it, for at most `timeoutMs`. A failover elects the replica
 * with the most replicated data, so a confirmed write survives one lost master.
 *
 * A master without a replica (its replica died, or it is the replica promoted a moment ago) cannot
 * confirm anything: the write is answered unconfirmed, one WARN says so, and the master is asked
 * again (ROLE, which does not block the connection as a WAIT would) at most once per RECHECK_MS
 * until a replica is back.
 */
export class ReplicaAcknowledgement implements WriteDurability {
  /** Masters ("host:port") last seen without a replica, and when that was checked. */
  private readonly unreplicated = new Map<string, number>();
  /** Per master, the WAIT in flight and the one queued behind it (see replicasConfirming). */
  private readonly rounds = new Map<string, WaitRound>();

  constructor(
    private readonly cluster: Cluster,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async confirm(key: string): Promise<void> {
    const served = this.masterServing(key);
    // No slot table yet would mean the write itself had nowhere to go; nothing to wait on.
    if (!served) return;
    const { address, node } = served;
    const checkedAt = this.unreplicated.get(address);
    if (checkedAt !== undefined) {
      if (this.now() - checkedAt < RECHECK_MS) return;
      if ((await connectedReplicas(node).catch(() => 0)) === 0) {
        this.unreplicated.set(address, this.now());
        return;
      }
    }
    // A WAIT that fails (the node's connection closing, the node turned replica in a failover) is
    // an unconfirmed write, not a failed one: the write itself has landed, and a 5xx would make the
    // client send it again.
    if ((await this.replicasConfirming(address, node).catch(() => 0)) >= 1) {
      if (this.unreplicated.delete(address)) {
        this.logger.info(`Redis master ${address} has a replica again: SCIM writes are confirmed by it before they are answered`, { category: 'redis' });
      }
      return;
    }
    if (!this.unreplicated.has(address)) {
      this.logger.warn(
        `Redis master ${address} has no replica that confirmed a write within ${this.timeoutMs} ms: SCIM writes are answered without a replica's copy until one is back, and would be lost if this master died`,
        { category: 'redis' },
      );
    }
    this.unreplicated.set(address, this.now());
  }

  /**
   * How many replicas confirmed every write made so far on `node`'s connection. WAIT blocks that
   * connection until it answers, so concurrent writes share WAITs instead of queueing one each: a
   * write that finds a WAIT in flight (which may have been sent before the write, and then does
   * not cover it) joins the next one, sent when the current one answers, and covering every write
   * made until then. A master without a replica so costs one timeout, not one per write.
   */
  private replicasConfirming(address: string, node: Redis): Promise<number> {
    const round = this.rounds.get(address);
    if (!round) return this.beginRound(address, node);
    round.next ??= round.current.then(ignore, ignore).then(() => {
      if (this.rounds.get(address) === round) this.rounds.delete(address);
      return this.unreplicated.has(address) ? 0 : this.beginRound(address, node);
    });
    return round.next;
  }

  private beginRound(address: string, node: Redis): Promise<number> {
    const round: WaitRound = { current: node.wait(1, this.timeoutMs) };
    this.rounds.set(address, round);
    const settled = () => {
      if (this.rounds.get(address) === round && round.next === undefined) this.rounds.delete(address);
    };
    round.current.then(settled, settled);
    return round.current;
  }

  /** The master connection the cluster sends `key`'s commands to (ioredis's slot table: master first). */
  private masterServing(key: string): { address: string; node: Redis } | undefined {
    const address = this.cluster.slots[clusterSlot(key)]?.[0];
    if (!address) return undefined;
    const node = this.cluster.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
    return node ? { address, node } : undefined;
  }
}

interface WaitRound {
  current: Promise<number>;
  next?: Promise<number>;
}

const ignore = () => undefined;

/** How many replicas a master has connected now (ROLE: ['master', offset, [[ip, port, offset], ...]]). */
async function connectedReplicas(node: Redis): Promise<number> {
  const role = (await node.call('ROLE')) as [string, number, unknown[]];
  return role[0] === 'master' ? role[2].length : 0;
}
