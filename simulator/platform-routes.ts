/**
 * The 'platform' profile's root: a Delinea Platform tenant in front of the Secret Server vault.
 * The Platform answers its own health check, grants client_credentials tokens to service users
 * and names the vault through the vault broker; the vault itself (mounted at basePath) is the
 * ordinary Secret Server API and accepts the Platform token. Paths and bodies follow the Delinea
 * SDKs: python-tss-sdk delinea/secrets/server.py (_perform_server_detection,
 * PasswordGrantAuthorizer._refresh, ensure_vault_url) and tss-sdk-go server/server.go
 * (checkPlatformDetails); docs.delinea.com /online-help/platform-api/secret-server-apis-from-platform.htm.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import { simulatorErrorHandler } from './simulator-http';
import { SimulatorKnobs, SimulatorStats, countCalls, knobsMiddleware } from './simulator-knobs';
import type { SimulatorState } from './simulator-state';

export const PLATFORM_TOKEN_PATH = '/identity/api/oauth2/token/xpmplatform';
export const VAULT_BROKER_PATH = '/vaultbroker/api/vaults';
/** The scope the SDKs ask for: a headless (service user) session. */
export const PLATFORM_SCOPE = 'xpmheadless';

export interface PlatformContext {
  state: SimulatorState;
  knobs: SimulatorKnobs;
  stats: SimulatorStats;
  random: () => number;
  now: () => number;
  /** Where the vault is mounted on this host, e.g. '/SecretServer'. */
  basePath: string;
}

/** RFC 6749 §5.2 error body; 400 because the client authenticates in the form, not with HTTP auth. */
const oauthError = (res: Response, error: string) => {
  res.setHeader('Cache-Control', 'no-store');
  res.status(400).json({ error });
};

export function platformRouter(ctx: PlatformContext): Router {
  const { state, knobs, now, basePath } = ctx;
  const root = Router();
  root.use(countCalls(ctx.stats));
  root.use(knobsMiddleware(knobs, ctx.random, now));

  // The SDKs try {base}/api/v1/healthcheck first and /health second; only the second answers here.
  // The JSON carries both spellings: python-tss-sdk reads "Healthy", other clients look for "healthy".
  root.get('/health', (_req, res) => {
    res.json({ healthy: true, Healthy: true });
  });

  root.post(PLATFORM_TOKEN_PATH, express.urlencoded({ extended: false }), (req, res) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (form.grant_type !== 'client_credentials') return oauthError(res, 'unsupported_grant_type');
    // The service user is the simulator's API account: client_id is its userName, client_secret its password.
    const account = state.users.get(state.apiUserId);
    const named = !!account && typeof form.client_id === 'string' && form.client_id.toLowerCase() === account.userName.toLowerCase();
    if (!account || !named || !account.enabled || form.client_secret !== account.password) {
      if (account && named) account.loginFailures += 1;
      return oauthError(res, 'invalid_client');
    }
    const scopes = typeof form.scope === 'string' ? form.scope.split(/\s+/) : [];
    if (!scopes.includes(PLATFORM_SCOPE)) return oauthError(res, 'invalid_scope');
    account.lastLogin = new Date(now()).toISOString();
    const ttl = knobs.tokenTtlSeconds;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ access_token: state.issueToken(account.id, ttl, now()), token_type: 'bearer', expires_in: ttl, scope: PLATFORM_SCOPE });
  });

  const requirePlatformToken = (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (state.userForToken(match?.[1], now())) return next();
    // RFC 6750 §3: a missing or bad bearer token is a 401 with a WWW-Authenticate challenge.
    res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
    res.status(401).json({ error: 'invalid_token' });
  };

  root.get(VAULT_BROKER_PATH, requirePlatformToken, (req, res) => {
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    // A retired vault comes first: a client must pick the default active one, not vaults[0].
    res.json({
      vaults: [
        {
          vaultId: '5b3f0c1e-0d2a-4c55-9a55-000000000001',
          name: 'Secret Server (decommissioned)',
          type: 'SecretServer',
          isDefault: false,
          isActive: false,
          connection: { url: `${origin}/Decommissioned`, oAuthProfileId: '7d1c8a40-6f5e-4b8e-8f00-000000000001' },
        },
        {
          vaultId: '5b3f0c1e-0d2a-4c55-9a55-000000000002',
          name: 'Secret Server',
          type: 'SecretServer',
          isDefault: true,
          isActive: true,
          connection: { url: `${origin}${basePath}`, oAuthProfileId: '7d1c8a40-6f5e-4b8e-8f00-000000000002' },
        },
      ],
    });
  });

  // Not a Secret Server: root /api/v1/healthcheck and everything else unknown is a plain 404.
  // The body must not say "healthy", or a detecting client would take the root for a vault.
  root.use((_req, res) => {
    res.status(404).json({ message: 'Not Found' });
  });
  root.use(simulatorErrorHandler);
  return root;
}
