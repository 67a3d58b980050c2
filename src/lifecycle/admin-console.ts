import type { Router } from 'express';
import type { Container } from '../container';
import { ConsoleQueries } from '../domain/console-queries';
import { consoleRouter } from '../http/console/console-router';
import { runReadinessChecks, type ReadinessCheck } from '../http/ops-router';
import { SERVER_KIND_LABELS } from '../secret-server/delinea-platform';
import type { AdminSessionStore } from '../store/admin-session-store';

/**
 * The console's parts for app.ts (http/admin-surface.ts): the session store and the pages, whose
 * overview shows what /readyz computes, from the very same checks (so one Secret Server probe
 * serves both), with the circuit's state and the last import beside it.
 */
export function adminConsole(container: Container, checks: ReadinessCheck[]): { sessions: AdminSessionStore; pages: Router } {
  const pages = consoleRouter({
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
  return { sessions: container.adminSessions, pages };
}
