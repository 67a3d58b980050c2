/**
 * Which kind of server SS_BASE_URL names, and where a Delinea Platform tenant keeps its Secret
 * Server vault. Follows what Delinea's own SDKs do (python-tss-sdk `delinea/secrets/server.py`:
 * `_perform_server_detection`, `ensure_vault_url`; tss-sdk-go `server/server.go`):
 * - `GET {base}/api/v1/healthcheck` healthy: a Secret Server (on-prem or Cloud);
 * - else `GET {base}/health` healthy: a Platform tenant, whose token comes from
 *   `{base}/identity/api/oauth2/token/xpmplatform` (client_credentials, scope xpmheadless) and whose
 *   vault URL comes from `{base}/vaultbroker/api/vaults` (the default, active vault).
 */

export type ServerKind = 'secret-server' | 'platform';

/** SS_PLATFORM: auto detects; true and false skip detection. */
export type PlatformMode = 'auto' | 'true' | 'false';

export const HEALTHCHECK_ENDPOINT = 'GET /api/v1/healthcheck';
export const PLATFORM_HEALTH_ENDPOINT = 'GET /health';
export const PLATFORM_TOKEN_ENDPOINT = 'POST /identity/api/oauth2/token/xpmplatform';
export const VAULTS_ENDPOINT = 'GET /vaultbroker/api/vaults';

export const PLATFORM_TOKEN_PATH = '/identity/api/oauth2/token/xpmplatform';
export const PLATFORM_SCOPE = 'xpmheadless';

export const SERVER_KIND_LABELS: Record<ServerKind, string> = {
  'secret-server': 'Secret Server',
  platform: 'Delinea Platform tenant',
};

/**
 * True when a health answer says healthy: JSON with a `healthy`/`Healthy` field that is true, or a
 * text body that says "healthy" (and not "unhealthy").
 */
export function isHealthyAnswer(status: number, text: string): boolean {
  if (status < 200 || status >= 300) return false;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const body = JSON.parse(trimmed) as Record<string, unknown>;
      return Object.entries(body).some(([key, value]) => key.toLowerCase() === 'healthy' && (value === true || value === 'true'));
    } catch {
      return false;
    }
  }
  return /healthy/i.test(trimmed) && !/unhealthy/i.test(trimmed);
}

interface VaultEntry {
  isDefault?: unknown;
  isActive?: unknown;
  connection?: { url?: unknown } | null;
}

/** The default, active vault's URL from a vault broker answer; undefined when there is none. */
export function defaultVaultUrl(body: unknown): string | undefined {
  const vaults = (body as { vaults?: unknown } | undefined)?.vaults;
  if (!Array.isArray(vaults)) return undefined;
  const vault = (vaults as VaultEntry[]).find((v) => v && v.isDefault === true && v.isActive === true);
  const url = vault?.connection?.url;
  return typeof url === 'string' && url.trim() !== '' ? url : undefined;
}
