/**
 * An in-memory Delinea Secret Server REST API v1 (users, groups, memberships, OAuth token),
 * including its awkward parts: 403 for an expired token, 400 API_AccessDenied instead of 404,
 * HTML on 200, case-insensitive paths. Profiles shape which Secret Server it is: the current
 * API, an older one without the group PATCH endpoints, or a vault behind a Delinea Platform
 * tenant. Fault knobs and call statistics let tests and benchmarks shape it. Never imported by src/.
 */
import express, { Express, NextFunction, Request, Response, Router } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRouter } from './control-routes';
import { groupsRouter } from './groups-routes';
import { legacyGroupsRouter } from './legacy-routes';
import { platformRouter } from './platform-routes';
import { expiredToken, simulatorErrorHandler } from './simulator-http';
import { KnobsInput, SimulatorKnobs, SimulatorStats, applyKnobs, countCalls, defaultKnobs, knobsMiddleware } from './simulator-knobs';
import { SeedGroupsOptions, SeedUsersOptions, seedGroups, seedUsers } from './simulator-seed';
import { SimGroup, SimUser, SimulatorState } from './simulator-state';
import { usersRouter } from './users-routes';

/**
 * Which Secret Server to be:
 * - current: the users and groups API of the 11.2.2 swagger, PATCH endpoints included;
 * - legacy: an older ASP.NET Web API without PATCH /groups/{id}, PATCH and PUT /groups/{id}/users (405);
 * - platform: a Delinea Platform tenant at the root (health, client_credentials token, vault
 *   broker) with the vault at basePath, which has no password grant of its own.
 */
export type SimulatorProfile = 'current' | 'legacy' | 'platform';
export const SIMULATOR_PROFILES: readonly SimulatorProfile[] = ['current', 'legacy', 'platform'];

export interface SimulatorOptions {
  /** Default 'current'. */
  profile?: SimulatorProfile;
  /**
   * Where the Secret Server API lives: '/SecretServer' (on-prem IIS application, the default)
   * or '' (Cloud: the site root). In the platform profile, the vault's path (not empty).
   */
  basePath?: string;
  username?: string;
  password?: string;
  /** AD domain the API account belongs to; when unset, a grant must not name a domain. */
  domain?: string;
  /** expires_in of granted tokens (default 1200, Secret Server's 20-minute default). */
  tokenTtlSeconds?: number;
  knobs?: KnobsInput;
  random?: () => number;
  now?: () => number;
}

export interface SimulatorServer {
  /**
   * The URL an admin sets as SS_BASE_URL: the Secret Server, e.g. http://127.0.0.1:40123/SecretServer,
   * or in the platform profile the Platform tenant's root, e.g. http://127.0.0.1:40123. {url}/_sim works in every profile.
   */
  url: string;
  /** The Secret Server API's base (url + basePath), in every profile; the vault's URL in the platform one. */
  vaultUrl: string;
  port: number;
  close(): Promise<void>;
}

export interface RestoreBackupOptions {
  /** Users that come with the backup and take the ids handed out since (default 10). */
  strangers?: number;
}

export interface Simulator {
  app: Express;
  profile: SimulatorProfile;
  basePath: string;
  state: SimulatorState;
  /** Live knobs: mutate directly or through setKnobs (which validates). */
  knobs: SimulatorKnobs;
  stats: SimulatorStats;
  setKnobs(input: KnobsInput): SimulatorKnobs;
  seedUsers(count: number, options?: SeedUsersOptions): SimUser[];
  seedGroups(count: number, options?: SeedGroupsOptions): SimGroup[];
  /** Users, groups, knobs and stats back to the start; granted tokens stay valid. */
  reset(): void;
  /**
   * As if the instance had been restored from an older backup: users and groups back to the
   * start with the id counters, then `strangers` users stranger0.. take the ids handed out
   * before. Knobs, stats and granted tokens stay. Answers the strangers.
   */
  restoreBackup(options?: RestoreBackupOptions): SimUser[];
  expireAllTokens(): void;
  listen(port?: number, host?: string): Promise<SimulatorServer>;
}

export const DEFAULT_SIM_USERNAME = 'scim-bridge';
export const DEFAULT_SIM_PASSWORD = 'simulator-password';
export const DEFAULT_TOKEN_TTL_SECONDS = 1200;

export const DEFAULT_RESTORE_STRANGERS = 10;

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const profile = options.profile ?? 'current';
  if (!SIMULATOR_PROFILES.includes(profile)) throw new TypeError(`profile must be one of ${SIMULATOR_PROFILES.join(', ')}`);
  const basePath = (options.basePath ?? '/SecretServer').replace(/\/+$/, '');
  // The Platform tenant owns the root; a vault there would shadow it.
  if (profile === 'platform' && basePath === '') throw new TypeError('the platform profile needs a non-empty basePath for the vault');
  const username = options.username ?? DEFAULT_SIM_USERNAME;
  const password = options.password ?? DEFAULT_SIM_PASSWORD;
  const initialTtl = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  const state = new SimulatorState({ userName: username, password, domain: options.domain });
  const stats = new SimulatorStats();
  const knobs = defaultKnobs(initialTtl);
  if (options.knobs) applyKnobs(knobs, options.knobs);

  const reset = () => {
    state.reset();
    Object.assign(knobs, defaultKnobs(initialTtl));
    stats.reset();
  };
  const expireAllTokens = () => state.tokens.clear();
  const restoreBackup = ({ strangers = DEFAULT_RESTORE_STRANGERS }: RestoreBackupOptions = {}) => {
    if (!Number.isInteger(strangers) || strangers < 0) throw new TypeError('strangers must be a non-negative integer');
    return state.restoreBackup(strangers);
  };

  const tokenHandler = (req: Request, res: Response) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (form.grant_type !== 'password') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    // Any enabled user signs in with its own password, as on a real server (thycotic/ss-docs
    // api-scripting/rest-api-powershell-examples/index.md gets a token for whoever runs the script):
    // the API account, or an administrator changing things behind the bridge's back. Only the API
    // account belongs to the simulator's AD domain; every other user is local.
    const account = typeof form.username === 'string' ? state.findUserByUserName(form.username) : undefined;
    const domain = typeof form.domain === 'string' ? form.domain : '';
    const accountDomain = account?.id === state.apiUserId ? options.domain : undefined;
    const domainOk = accountDomain ? domain.toLowerCase() === accountDomain.toLowerCase() : domain === '';
    const ok = !!account && account.enabled && account.password !== '' && form.password === account.password && domainOk;
    if (!ok) {
      if (account) account.loginFailures += 1;
      res.status(400).json({ error: 'invalid_grant' });
      return;
    }
    account.lastLogin = new Date(now()).toISOString();
    const ttl = knobs.tokenTtlSeconds;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ access_token: state.issueToken(account.id, ttl, now()), token_type: 'bearer', expires_in: ttl });
  };

  const requireBearer = (req: Request, res: Response, next: NextFunction) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const user = state.userForToken(match?.[1], now());
    if (!user) return next(expiredToken());
    res.locals.userId = user.id;
    res.locals.token = match?.[1];
    next();
  };

  const api = Router();
  api.get('/healthcheck', (_req, res) => {
    res.json({ healthy: true, databaseHealthy: true, serviceBusHealthy: true, storageAccountHealthy: true, scheduledForMaintenance: false });
  });
  if (profile === 'legacy') api.use('/groups', legacyGroupsRouter());
  api.use(requireBearer, express.json({ type: ['application/json', 'application/*+json', 'text/json'] }));
  api.post('/oauth-expiration', (_req, res) => {
    state.tokens.delete(res.locals.token as string);
    res.json(true);
  });
  api.use('/users', usersRouter(state, knobs));
  api.use('/groups', groupsRouter(state));

  const sim = controlRouter({ profile, state, knobs, stats, reset, expireAllTokens, restoreBackup });

  const base = Router();
  base.use('/_sim', sim);
  base.use(countCalls(stats));
  base.use(knobsMiddleware(knobs, random, now));
  // Behind the Platform the vault grants no tokens: the SDKs ask the tenant for one
  // (python-tss-sdk delinea/secrets/server.py, PasswordGrantAuthorizer._refresh).
  if (profile !== 'platform') base.post('/oauth2/token', express.urlencoded({ extended: false }), tokenHandler);
  base.use('/api/v1', api);
  base.use((req, res) => {
    res.status(404).json({ message: `No HTTP resource was found that matches the request URI '${req.originalUrl}'.` });
  });
  base.use(simulatorErrorHandler);

  const app = express();
  app.disable('x-powered-by');
  if (profile === 'platform') {
    app.use('/_sim', sim);
    app.use(basePath, base);
    app.use(platformRouter({ state, knobs, stats, random, now, basePath }));
  } else {
    app.use(basePath || '/', base);
  }

  const listen = (port = 0, host = '127.0.0.1') =>
    new Promise<SimulatorServer>((resolve, reject) => {
      const server = http.createServer(app);
      server.once('error', reject);
      server.listen(port, host, () => {
        const actual = (server.address() as AddressInfo).port;
        const origin = `http://${host}:${actual}`;
        resolve({
          url: profile === 'platform' ? origin : `${origin}${basePath}`,
          vaultUrl: `${origin}${basePath}`,
          port: actual,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              server.closeAllConnections();
            }),
        });
      });
    });

  return {
    app,
    profile,
    basePath,
    state,
    knobs,
    stats,
    setKnobs: (input) => applyKnobs(knobs, input),
    seedUsers: (count, opts) => seedUsers(state, count, opts),
    seedGroups: (count, opts) => seedGroups(state, count, opts),
    reset,
    restoreBackup,
    expireAllTokens,
    listen,
  };
}
