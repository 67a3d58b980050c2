/**
 * A second directory for the console tests: created as `npm run directory -- create` does
 * (DirectoryAdmin), with a SCIM token of its own, and a wait for its sync like Harness.waitForSync.
 */
import { DirectoryAdmin } from '../../src/directories/directory-admin';
import type { DirectorySecretServer } from '../../src/directories/directory';
import type { DirectoryServices } from '../../src/container';
import type { Harness } from './bridge-harness';

export interface TestDirectory {
  name: string;
  services: DirectoryServices;
  /** A SCIM request to the directory's base URL with its own token. */
  scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Until nothing is left to carry to its Secret Server, or (with `failed`) until that many of its jobs failed. */
  waitForSync(options?: { failed?: number; timeoutMs?: number }): Promise<void>;
}

export async function createTestDirectory(h: Harness, name: string, secretServer?: DirectorySecretServer): Promise<TestDirectory> {
  const { config, redis } = h.bridge.container;
  await new DirectoryAdmin(config, redis).create(name, secretServer);
  const services = await h.bridge.container.directories.get(name);
  if (!services) throw new Error(`directory ${name} was not created`);
  const { token } = await services.tokens.create('okta');
  const base = `${h.scimUrl}/d/${name}`;
  return {
    name,
    services,
    scim: scimClient(base, token),
    waitForSync: (options) => waitForDirectorySync(services, options),
  };
}

/** SCIM requests to one directory's base URL with one of its tokens. */
export function scimClient(base: string, token: string): TestDirectory['scim'] {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json', Accept: 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** Until nothing is left to carry to the directory's Secret Server, or (with `failed`) until that many of its jobs failed. */
export async function waitForDirectorySync(
  services: DirectoryServices,
  { failed, timeoutMs = 30_000 }: { failed?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [dirty, counts] = await Promise.all([
      services.store.countDirty(),
      services.queue.provision.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed'),
    ]);
    const idle = counts.waiting + counts.active + counts.delayed + counts.prioritized === 0;
    if (idle && (failed === undefined ? dirty === 0 : counts.failed >= failed)) return;
    if (Date.now() > deadline)
      throw new Error(`directory ${services.directory.name} not synced after ${timeoutMs} ms: ${dirty} dirty, ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
