import type { RedisConnection } from '../store/redis-connection';
import type { BridgeConfig } from '../config/config-schema';
import { unlinkMatching, underPrefix } from '../store/key-scan';
import { directoryKeyBase } from '../store/redis-keys';
import { AccountOwners } from './account-owners';
import {
  DEFAULT_DIRECTORY,
  directoryNameProblem,
  environmentNameProblem,
  secretServerIdentity,
  secretServerOf,
  type DirectoryRecord,
  type DirectorySecretServer,
} from './directory';
import { DirectoryStore } from './directory-store';

/** No directory has the name the operator typed. */
export class UnknownDirectoryError extends Error {
  override name = 'UnknownDirectoryError';
  constructor(directory: string) {
    super(`no directory "${directory}"; npm run directory -- list shows the directories`);
  }
}

/** A directory the operator asked for that cannot be: the message says which option and why. */
export class DirectoryInputError extends Error {
  override name = 'DirectoryInputError';
}

/** What `npm run directory` does: the registry, and everything a removal takes with it. */
export class DirectoryAdmin {
  private readonly store: DirectoryStore;

  constructor(
    private readonly config: BridgeConfig,
    private readonly redis: RedisConnection,
  ) {
    this.store = new DirectoryStore(redis, config.redis.prefix);
  }

  /** The directory of that name (the default one included), or UnknownDirectoryError. */
  async record(name: string): Promise<DirectoryRecord> {
    const record = await this.store.get(name);
    if (!record) throw new UnknownDirectoryError(name);
    return record;
  }

  list(): Promise<DirectoryRecord[]> {
    return this.store.list();
  }

  /** Stores a new directory; its own Secret Server when `secretServer` is given. */
  async create(name: string, secretServer?: DirectorySecretServer): Promise<DirectoryRecord> {
    const nameProblem = directoryNameProblem(name);
    if (nameProblem) throw new DirectoryInputError(`--name ${nameProblem}`);
    if (secretServer) {
      const envProblem = environmentNameProblem(secretServer.passwordEnv);
      if (envProblem) throw new DirectoryInputError(`--ss-password-env ${envProblem}`);
      if (!/^https?:\/\/[^/]/i.test(secretServer.baseUrl) || !URL.canParse(secretServer.baseUrl)) {
        throw new DirectoryInputError(`--ss-url must be an absolute http(s) URL, got ${JSON.stringify(secretServer.baseUrl)}`);
      }
      if (secretServer.username.trim() === '' || /\s/.test(secretServer.username)) {
        throw new DirectoryInputError(`--ss-username must be a user name without spaces, got ${JSON.stringify(secretServer.username)}`);
      }
    }
    const record: DirectoryRecord = { name, createdAt: new Date().toISOString(), ...(secretServer ? { secretServer } : {}) };
    if (!(await this.store.create(record))) throw new DirectoryInputError(`--name: a directory "${name}" exists already`);
    return record;
  }

  /**
   * Forgets a named directory and removes its users, groups, tokens, queue and history from Redis
   * (Secret Server is left as it is), and gives up the accounts it linked. Returns the keys removed.
   */
  async remove(name: string): Promise<number> {
    if (name === DEFAULT_DIRECTORY) throw new DirectoryInputError(`the default directory (/scim/v2) cannot be removed`);
    const record = await this.record(name);
    await this.store.remove(name);
    const identity = record.secretServer ? secretServerIdentity(record.secretServer.baseUrl) : secretServerOf(this.config, record, () => undefined).identity;
    await new AccountOwners(this.redis, this.config.redis.prefix, identity, name).releaseAll();
    return unlinkMatching(this.redis, underPrefix(directoryKeyBase(this.config.redis, name)));
  }
}
