import express, { type Router } from 'express';
import type { Container, DirectoryServices } from '../container';
import { ConsoleQueries } from '../domain/console-queries';
import { consoleRouter } from '../http/console/console-router';
import { directoryConsoles } from '../http/console/directory-consoles';
import { runReadinessChecks, type ReadinessCheck } from '../http/ops-router';
import { HistoryReader } from '../history/history-reader';
import { ClaimableAccounts } from '../jobs/claimable-accounts';
import { oauthApprovalPages } from '../oauth/oauth-approval-pages';
import { SERVER_KIND_LABELS } from '../secret-server/delinea-platform';
import type { AdminSessionStore } from '../store/admin-session-store';
import { SecretServerReadiness } from './secret-server-readiness';

/** How long the overview waits for Secret Server to name the API account, once per process; after that it says "not known yet". */
const API_ACCOUNT_WAIT_MS = 1000;

/**
 * The console's parts for app.ts (http/admin-surface.ts): the session store and the pages of every
 * directory (http/console/directory-consoles.ts), and the OAuth approval page. The default
 * directory's overview shows what /readyz computes, from the very same checks (so one Secret Server
 * probe serves both); another directory's shows its own Secret Server's readiness, beside the same
 * Redis check. A named directory's pages are built the first time they are asked for, from the
 * services container.directories keeps for it, and kept as long as those services are.
 */
export function adminConsole(container: Container, checks: ReadinessCheck[]): { sessions: AdminSessionStore; pages: Router } {
  const directories = async () => (await container.directories.store.list()).map((d) => d.name);
  const built = new WeakMap<DirectoryServices, Router>();
  const redisCheck = checks.filter((c) => c.name === 'redis');
  const consolePages = directoryConsoles({
    defaultPages: directoryPages(container, container, checks, directories),
    directories,
    async pagesOf(name) {
      const services = await container.directories.get(name);
      if (!services) return undefined;
      let pages = built.get(services);
      if (!pages) {
        pages = directoryPages(container, services, [...redisCheck, secretServerCheck(services)], directories);
        built.set(services, pages);
      }
      return pages;
    },
  });
  // The OAuth approval page (/admin/oauth2/approve/...) is a console page like the others.
  const pages = express.Router();
  pages.use('/oauth2', oauthApprovalPages(container.oauth));
  pages.use(consolePages);
  return { sessions: container.adminSessions, pages };
}

/** One directory's pages over its services alone; `checks` are what its overview shows of Redis and its Secret Server. */
function directoryPages(container: Container, services: DirectoryServices, checks: ReadinessCheck[], directories: () => Promise<readonly string[]>): Router {
  const history = new HistoryReader(services.store, services.history);
  return consoleRouter({
    directory: services.directory.name,
    directories,
    history,
    protectedAccounts: async () => {
      const [attempts, apiAccount] = await Promise.all([services.protectedAttempts.recent(), apiAccountWithin(services, API_ACCOUNT_WAIT_MS)]);
      const causes = await Promise.all(attempts.map((a) => history.request({ kind: a.kind, id: a.resourceId }, a.requestId)));
      return {
        configured: ClaimableAccounts.parseList(container.config.secretServer.protectedUsers),
        apiAccount: apiAccount?.userName,
        attempts: attempts.map((a, i) => ({ ...a, cause: causes[i] })),
      };
    },
    queries: new ConsoleQueries(services.store, services.admin),
    admin: services.admin,
    sessions: container.adminSessions,
    drift: services.drift,
    status: async () => {
      const [results, lastImportFinishedAt] = await Promise.all([runReadinessChecks(checks), services.importStatus.lastFinishedAt()]);
      const byName = new Map(results.map((r) => [r.name, r]));
      const redis = byName.get('redis');
      const secretServer = byName.get('secretServer');
      const kind =
        typeof secretServer?.kind === 'string' ? (SERVER_KIND_LABELS[secretServer.kind as keyof typeof SERVER_KIND_LABELS] ?? secretServer.kind) : undefined;
      return {
        redis: { ok: redis?.ok ?? false, detail: redis?.detail },
        secretServer: { ok: secretServer?.ok ?? false, detail: secretServer?.detail ?? 'not checked', kind },
        circuit: services.breaker.state(),
        dryRun: container.config.secretServer.dryRun,
        lastImportFinishedAt,
      };
    },
  });
}

/** A named directory's Secret Server, as /readyz reports the default one's (its own client, breaker and last exchange). */
function secretServerCheck(services: DirectoryServices): ReadinessCheck {
  const readiness = new SecretServerReadiness(services.secretServer, services.breaker);
  return {
    name: 'secretServer',
    check: async () =>
      services.missingPasswordEnv
        ? { ok: false, detail: `${services.missingPasswordEnv} is not set in this process, so this directory's workers cannot sign in` }
        : readiness.check(),
  };
}

/** The API account: as already seen, else looked up (the client caches it) if Secret Server answers within `ms`. */
async function apiAccountWithin(services: DirectoryServices, ms: number): Promise<{ userName: string } | undefined> {
  const known = services.secretServer.knownApiAccount();
  // Without its password the directory's client cannot sign in: no failed login per page view.
  if (known || services.missingPasswordEnv) return known;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([services.secretServer.apiAccount().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
