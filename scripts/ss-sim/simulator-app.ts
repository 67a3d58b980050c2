/**
 * An in-memory Delinea Secret Server REST API v1 (users, groups, memberships, OAuth token),
 * faithful to shared/reference/secret-server-api.md, including its awkward parts: 403 for an
 * expired token, 400 API_AccessDenied instead of 404, HTML on 200, case-insensitive paths.
 * Fault knobs and call statistics let tests and benchmarks shape it. Never imported by src/.
 */
import express, { Express, NextFunction, Request, Response, Router } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { groupsRouter } from './groups-routes';
import { SimHttpError, expiredToken, simulatorErrorHandler } from './simulator-http';
import { KnobsInput, SimulatorKnobs, SimulatorStats, applyKnobs, defaultKnobs, endpointTemplate, knobsMiddleware } from './simulator-knobs';
import { SeedGroupsOptions, SeedUsersOptions, seedGroups, seedUsers } from './simulator-seed';
import { SimGroup, SimUser, SimulatorState } from './simulator-state';
import { usersRouter } from './users-routes';

export interface SimulatorOptions {
  /** '/SecretServer' (on-prem IIS application, the default) or '' (Cloud: the site root). */
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
  /** Base URL to give the client, e.g. http://127.0.0.1:40123/SecretServer */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface Simulator {
  app: Express;
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
  expireAllTokens(): void;
  listen(port?: number, host?: string): Promise<SimulatorServer>;
}

export const DEFAULT_SIM_USERNAME = 'scim-bridge';
export const DEFAULT_SIM_PASSWORD = 'simulator-password';
export const DEFAULT_TOKEN_TTL_SECONDS = 1200;

export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const basePath = (options.basePath ?? '/SecretServer').replace(/\/+$/, '');
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

  const tokenHandler = (req: Request, res: Response) => {
    const form = (req.body ?? {}) as Record<string, unknown>;
    if (form.grant_type !== 'password') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const account = state.users.get(state.apiUserId);
    const domain = typeof form.domain === 'string' ? form.domain : '';
    const domainOk = options.domain ? domain.toLowerCase() === options.domain.toLowerCase() : domain === '';
    const ok =
      !!account &&
      account.enabled &&
      typeof form.username === 'string' &&
      form.username.toLowerCase() === account.userName.toLowerCase() &&
      form.password === account.password &&
      domainOk;
    if (!ok) {
      if (account && typeof form.username === 'string' && form.username.toLowerCase() === account.userName.toLowerCase()) account.loginFailures += 1;
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
  api.use(requireBearer, express.json({ type: ['application/json', 'application/*+json', 'text/json'] }));
  api.post('/oauth-expiration', (_req, res) => {
    state.tokens.delete(res.locals.token as string);
    res.json(true);
  });
  api.use('/users', usersRouter(state));
  api.use('/groups', groupsRouter(state));

  const sim = Router();
  sim.use(express.json());
  sim.get('/knobs', (_req, res) => {
    res.json(knobs);
  });
  sim.post('/knobs', (req, res) => {
    try {
      res.json(applyKnobs(knobs, req.body));
    } catch (err) {
      throw new SimHttpError(400, { message: (err as Error).message });
    }
  });
  sim.get('/state', (_req, res) => {
    res.json({ ...state.snapshot(), knobs });
  });
  sim.post('/reset', (_req, res) => {
    reset();
    res.json({ ok: true });
  });
  sim.post('/seed', (req, res) => {
    const body = (req.body ?? {}) as { users?: number; groups?: number; userOptions?: SeedUsersOptions; groupOptions?: SeedGroupsOptions };
    const users = seedUsers(state, Number(body.users ?? 0), body.userOptions);
    const groups = seedGroups(state, Number(body.groups ?? 0), body.groupOptions);
    res.json({ users: users.length, groups: groups.length });
  });
  sim.get('/stats', (_req, res) => {
    res.json(stats);
  });
  sim.post('/stats/reset', (_req, res) => {
    stats.reset();
    res.json({ ok: true });
  });
  sim.post('/expire-tokens', (_req, res) => {
    expireAllTokens();
    res.json({ ok: true });
  });

  const base = Router();
  base.use('/_sim', sim);
  base.use((req, res, next) => {
    stats.record(endpointTemplate(req.method, req.path));
    res.on('finish', () => stats.recordStatus(res.statusCode));
    next();
  });
  base.use(knobsMiddleware(knobs, random, now));
  base.post('/oauth2/token', express.urlencoded({ extended: false }), tokenHandler);
  base.use('/api/v1', api);
  base.use((req, res) => {
    res.status(404).json({ message: `No HTTP resource was found that matches the request URI '${req.originalUrl}'.` });
  });
  base.use(simulatorErrorHandler);

  const app = express();
  app.disable('x-powered-by');
  app.use(basePath || '/', base);

  const listen = (port = 0, host = '127.0.0.1') =>
    new Promise<SimulatorServer>((resolve, reject) => {
      const server = http.createServer(app);
      server.once('error', reject);
      server.listen(port, host, () => {
        const actual = (server.address() as AddressInfo).port;
        resolve({
          url: `http://${host}:${actual}${basePath}`,
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
    basePath,
    state,
    knobs,
    stats,
    setKnobs: (input) => applyKnobs(knobs, input),
    seedUsers: (count, opts) => seedUsers(state, count, opts),
    seedGroups: (count, opts) => seedGroups(state, count, opts),
    reset,
    expireAllTokens,
    listen,
  };
}
