import type { SecretServerClient } from '../secret-server/secret-server-client';
import type { CircuitBreaker } from '../secret-server/circuit-breaker';
import { SERVER_KIND_LABELS } from '../secret-server/delinea-platform';

/** An outcome older than this is refreshed, in the background, by one GET /api/v1/users/current. */
export const READINESS_STALE_MS = 5_000;

/**
 * The Secret Server part of /readyz, answered from what the bridge already knows (the last
 * exchange, the circuit, a grant backoff): an unauthenticated probe must never cost a Secret
 * Server call, or a wrong password a failed login. When nothing was heard for a while, one call
 * refreshes it in the background, at most once per READINESS_STALE_MS however often /readyz is asked.
 */
export class SecretServerReadiness {
  private refreshing: Promise<unknown> | undefined;
  private lastRefreshAt = 0;

  constructor(
    private readonly secretServer: SecretServerClient,
    private readonly breaker: CircuitBreaker,
    private readonly now: () => number = Date.now,
  ) {}

  check(): { ok: boolean; detail: string; kind?: string; apiBaseUrl?: string } {
    const { lastExchange, grantBackoff } = this.secretServer.health();
    const connection = this.secretServer.connection;
    const where = connection ? { kind: connection.kind, apiBaseUrl: connection.apiBaseUrl } : {};
    const label = connection ? SERVER_KIND_LABELS[connection.kind] : 'Secret Server';
    if (!lastExchange || this.now() - lastExchange.at > READINESS_STALE_MS) this.refresh();
    if (grantBackoff) {
      const inSeconds = Math.ceil((grantBackoff.retryAt - this.now()) / 1000);
      return { ok: false, detail: `${grantBackoff.reason}; next grant in ${inSeconds} s`, ...where };
    }
    const circuit = this.breaker.state();
    if (circuit === 'open') return { ok: false, detail: 'circuit open: Secret Server calls are paused', ...where };
    // Until a token has been obtained the kind of server is not known, and an answer (even a 404
    // from a detection probe) says nothing about whether the bridge can work.
    if (!lastExchange || !connection) return { ok: false, detail: `${label} not connected yet`, ...where };
    const ago = Math.round((this.now() - lastExchange.at) / 1000);
    const answer = lastExchange.status === 'error' ? 'no answer' : `HTTP ${lastExchange.status}`;
    return { ok: lastExchange.ok, detail: `${label}: last call ${ago} s ago, ${answer}; circuit ${circuit}`, ...where };
  }

  private refresh(): void {
    if (this.refreshing || this.now() - this.lastRefreshAt < READINESS_STALE_MS) return;
    this.lastRefreshAt = this.now();
    // The outcome lands in the client's last exchange; a failure is what the next check reports.
    this.refreshing = this.secretServer
      .currentUser()
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
  }
}
