import express, { type Router } from 'express';
import type { Container } from '../container';
import { ConsoleQueries } from '../domain/console-queries';
import { consoleRouter } from '../http/console/console-router';
import { runReadinessChecks, type ReadinessCheck } from '../http/ops-router';
import { HistoryReader } from '../history/history-reader';
import { ClaimableAccounts } from '../jobs/claimable-accounts';
import { oauthApprovalPages } from '../oauth/oauth-approval-pages';
import { SERVER_KIND_LABELS } from '../secret-server/delinea-platform';
import type { AdminSessionStore } from '../store/admin-session-store';

/** How long the overview waits for Secret Server to name the API account, once per process; after that it says "not known yet". */
const API_ACCOUNT_WAIT_MS = 1000;

/**
 * The console's parts for app.ts (http/admin-surface.ts): the session store and the pages, whose
 * overview shows what /readyz computes, from the very same checks (so one Secret Server probe
 * serves both), with the circuit's state and the last import beside it; and the OAuth approval page.
 */
export function adminConsole(container: Container, checks: ReadinessCheck[]): { sessions: AdminSessionStore; pages: Router } {
  const history = new HistoryReader(container.store, container.history);
  const consolePages = consoleRouter({
    history,
    protectedAccounts: async () => {
      const [attempts, apiAccount] = await Promise.all([container.protectedAttempts.recent(), apiAccountWithin(container, API_ACCOUNT_WAIT_MS)]);
      const causes = await Promise.all(attempts.map((a) => history.request({ kind: a.kind, id: a.resourceId }, a.requestId)));
      return {
        configured: ClaimableAccounts.parseList(container.config.secretServer.protectedUsers),
        apiAccount: apiAccount?.userName,
        attempts: attempts.map((a, i) => ({ ...a, cause: causes[i] })),
      };
    },
    queries: new ConsoleQueries(container.store, container.admin),
    admin: container.admin,
    sessions: container.adminSessions,
    drift: container.drift,
    status: async () => {
      const [results, lastImportFinishedAt] = await Promise.all([runReadinessChecks(checks), container.importStatus.lastFinishedAt()]);
      const byName = new Map(results.map((r) => [r.name, r]));
      const redis = byName.get('redis');
      const secretServer = byName.get('secretServer');
      const kind =
        typeof secretServer?.kind === 'string' ? (SERVER_KIND_LABELS[secretServer.kind as keyof typeof SERVER_KIND_LABELS] ?? secretServer.kind) : undefined;
      return {
        redis: { ok: redis?.ok ?? false, detail: redis?.detail },
        secretServer: { ok: secretServer?.ok ?? false, detail: secretServer?.detail ?? 'not checked', kind },
        circuit: container.breaker.state(),
        dryRun: container.config.secretServer.dryRun,
        lastImportFinishedAt,
      };
    },
  });
  // The OAuth approval page (/admin/oauth2/approve/...) is a console page like the others.
  const pages = express.Router();
  pages.use('/oauth2', oauthApprovalPages(container.oauth));
  pages.use(consolePages);
  return { sessions: container.adminSessions, pages };
}

/** The API account: as already seen, else looked up (the client caches it) if Secret Server answers within `ms`. */
async function apiAccountWithin(container: Container, ms: number): Promise<{ userName: string } | undefined> {
  const known = container.secretServer.knownApiAccount();
  if (known) return known;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([container.secretServer.apiAccount().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
