import type { DirectoryServices } from '../container';
import { DEFAULT_DIRECTORY, type DirectoryRecord } from './directory';
import type { DirectoryStore } from './directory-store';

/**
 * A short wait before a directory the CLI created answers: each request with a name not yet seen
 * reads the registry, but a name seen missing is trusted this long, so a scan of unknown names
 * cannot turn every request into a Redis read.
 */
const MISSING_TTL_MS = 2_000;

/**
 * Every directory's services in this process, built on first use from the registry in Redis
 * (`npm run directory -- create` writes it while the bridge runs). The default directory is always
 * there. A directory removed from the registry is closed by `sync`, which the worker loop and the
 * API's lookups both call.
 */
export class Directories {
  private readonly built = new Map<string, DirectoryServices>();
  private readonly missing = new Map<string, number>();

  constructor(
    readonly store: DirectoryStore,
    readonly defaults: DirectoryServices,
    private readonly build: (record: DirectoryRecord) => DirectoryServices,
  ) {
    this.built.set(DEFAULT_DIRECTORY, defaults);
  }

  /** The directory's services, or undefined when no directory has that name. */
  async get(name: string): Promise<DirectoryServices | undefined> {
    const known = this.built.get(name);
    if (known) return known;
    const missingSince = this.missing.get(name);
    if (missingSince !== undefined && Date.now() - missingSince < MISSING_TTL_MS) return undefined;
    const record = await this.store.get(name);
    if (!record) {
      this.missing.set(name, Date.now());
      if (this.missing.size > 1000) this.missing.clear();
      return undefined;
    }
    this.missing.delete(name);
    return this.servicesOf(record);
  }

  /** Reads the registry: every directory's services (built as needed), and closes those of directories removed since. */
  async sync(): Promise<DirectoryServices[]> {
    const records = await this.store.list();
    const names = new Set(records.map((r) => r.name));
    for (const [name, services] of this.built) {
      if (names.has(name)) continue;
      this.built.delete(name);
      await services.close();
    }
    return records.map((record) => this.servicesOf(record));
  }

  /** What is built in this process now, the default directory first. */
  current(): DirectoryServices[] {
    return [...this.built.values()];
  }

  async close(): Promise<void> {
    for (const services of this.built.values()) await services.close();
    this.built.clear();
  }

  private servicesOf(record: DirectoryRecord): DirectoryServices {
    let services = this.built.get(record.name);
    if (!services) {
      services = this.build(record);
      this.built.set(record.name, services);
    }
    return services;
  }
}
