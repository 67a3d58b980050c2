import type { RedisConnection } from '../store/redis-connection';
import type { ResourceKind } from '../domain/resource-types';
import type { Logger } from '../logging/logger';
import { redisKeys, type RedisKeys } from '../store/redis-keys';
import type { HistoryEvent, HistorySubject } from './history-event';

/** Events kept per user or group: enough for the last weeks of an ordinary account. */
export const HISTORY_MAX_EVENTS = 100;
/** Events older than this are not shown, and a history untouched for this long is deleted by Redis. */
export const HISTORY_MAX_AGE_MS = 30 * 24 * 3600_000;

export interface ResourceHistoryOptions {
  maxEvents?: number;
  maxAgeMs?: number;
  /** ms since epoch; tests move it. */
  clock?: () => number;
}

/**
 * The history of each user and group: one Redis list per resource, newest first, capped at
 * HISTORY_MAX_EVENTS and expiring HISTORY_MAX_AGE_MS after its last event, so it stays bounded
 * however long the bridge runs. Recording is best effort: a change that reached the store or
 * Secret Server is never answered as failed because its history could not be written (one WARN).
 */
export class ResourceHistory {
  private readonly keys: RedisKeys;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
    private readonly logger: Logger,
    options: ResourceHistoryOptions = {},
  ) {
    this.keys = redisKeys(prefix);
    this.maxEvents = options.maxEvents ?? HISTORY_MAX_EVENTS;
    this.maxAgeMs = options.maxAgeMs ?? HISTORY_MAX_AGE_MS;
    this.clock = options.clock ?? Date.now;
  }

  now(): string {
    return new Date(this.clock()).toISOString();
  }

  /** Appends events in the order given (the last one is the newest). */
  async record(subject: HistorySubject, events: HistoryEvent[]): Promise<void> {
    if (events.length === 0) return;
    const key = this.keys.history(subject.kind, subject.id);
    try {
      await this.redis
        .multi()
        .lpush(key, ...events.map((e) => JSON.stringify(e)))
        .ltrim(key, 0, this.maxEvents - 1)
        .pexpire(key, this.maxAgeMs)
        .exec();
    } catch (err) {
      this.logger.warn('history not recorded', { category: 'history', kind: subject.kind, id: subject.id, reason: (err as Error).message });
    }
  }

  /** The resource's events, newest first, at most `limit`, none older than the age bound. */
  async read(kind: ResourceKind, id: string, limit = this.maxEvents): Promise<HistoryEvent[]> {
    const raw = await this.redis.lrange(this.keys.history(kind, id), 0, Math.max(0, Math.min(limit, this.maxEvents) - 1));
    const oldest = this.clock() - this.maxAgeMs;
    const events: HistoryEvent[] = [];
    for (const line of raw) {
      try {
        const event = JSON.parse(line) as HistoryEvent;
        if (Date.parse(event.at) >= oldest) events.push(event);
      } catch {
        // A line this version cannot read is skipped rather than failing the whole page.
      }
    }
    return events;
  }

  /** Whether any event is kept for the resource (a deleted user's history outlives the user). */
  async has(kind: ResourceKind, id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.history(kind, id))) === 1;
  }
}
