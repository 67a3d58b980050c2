import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';

/**
 * When the last import from Secret Server finished, and what it found: written by the import job,
 * read by Okta's import pass (domain/import-refresh.ts) to decide whether to refresh first.
 */
export class ImportStatusStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  async recordFinished(summary: object, finishedAt: Date): Promise<void> {
    await this.redis.set(this.keys.importStatus(), JSON.stringify({ ...summary, finishedAt: finishedAt.toISOString() }));
  }

  async lastFinishedAt(): Promise<Date | undefined> {
    const status = await this.redis.get(this.keys.importStatus());
    const finishedAt = status ? (JSON.parse(status) as { finishedAt?: unknown }).finishedAt : undefined;
    return typeof finishedAt === 'string' ? new Date(finishedAt) : undefined;
  }
}
