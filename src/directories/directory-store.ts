import type { RedisConnection } from '../store/redis-connection';
import { bridgeKeys } from '../store/redis-keys';
import { DEFAULT_DIRECTORY, defaultDirectory, type DirectoryRecord } from './directory';

/**
 * The directories of a bridge, in one Redis HASH under REDIS_PREFIX (name -> DirectoryRecord JSON).
 * The default directory is not stored: every bridge has it, so an install from before directories
 * existed has it without a migration.
 */
export class DirectoryStore {
  private readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.key = bridgeKeys(prefix).directories();
  }

  /** Stores a new directory; false when the name is taken. */
  async create(record: DirectoryRecord): Promise<boolean> {
    if (record.name === DEFAULT_DIRECTORY) return false;
    return (await this.redis.hsetnx(this.key, record.name, JSON.stringify(record))) === 1;
  }

  async get(name: string): Promise<DirectoryRecord | undefined> {
    if (name === DEFAULT_DIRECTORY) return defaultDirectory();
    const json = await this.redis.hget(this.key, name);
    return json ? parseRecord(json) : undefined;
  }

  /** The default directory first, then the others by name. */
  async list(): Promise<DirectoryRecord[]> {
    const stored = Object.values(await this.redis.hgetall(this.key)).map(parseRecord);
    return [defaultDirectory(), ...stored.sort((a, b) => a.name.localeCompare(b.name))];
  }

  /** Forgets a named directory; false when there was none. Its data is removed by the caller. */
  async remove(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, name)) === 1;
  }
}

function parseRecord(json: string): DirectoryRecord {
  const raw = JSON.parse(json) as DirectoryRecord;
  const record: DirectoryRecord = { name: raw.name, createdAt: raw.createdAt };
  if (raw.secretServer) {
    const { baseUrl, username, passwordEnv, domain, platform } = raw.secretServer;
    record.secretServer = { baseUrl, username, passwordEnv, domain: domain ?? '', platform: platform ?? 'auto' };
  }
  return record;
}
