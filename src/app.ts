import express, { RequestHandler, Router } from 'express';
import type { BridgeConfig } from './config/config-schema';
import type { ResourceService } from './domain/resource-service';
import { BridgeError, NotFoundError } from './errors/bridge-error';
import { DEFAULT_DIRECTORY } from './directories/directory';
import { adminSurface, type AdminSurfaceDependencies } from './http/admin-surface';
import { parseAuthSchemes, type AuthScheme } from './config/auth-schemes';
import { BasicVerifier, credentialAuth, enabledVerifiers, TokenVerifier } from './http/auth-middleware';
import { trustProxySetting } from './http/client-address';
import { PUBLIC_BASE_URL_SETTING } from './http/public-origin';
import { discoveryRouter } from './http/discovery-router';
import type { ImportRefresh } from './domain/import-refresh';
import { errorMiddleware } from './http/error-middleware';
import { requestIdMiddleware } from './http/request-id-middleware';
import { resourceRouter } from './http/resource-router';
import { securityHeaders } from './http/security-headers';
import { storeAvailability, StoreReadiness } from './http/store-availability';
import type { Logger } from './logging/logger';
import type { AuthFailureStore } from './store/auth-failure-store';

export const SCIM_BASE_PATH = '/scim/v2';

export interface AppDependencies {
  config: BridgeConfig;
  logger: Logger;
  resources: ResourceService;
  /** Refreshes from Secret Server when Okta starts an import pass (import-refresh.ts). */
  importRefresh?: ImportRefresh;
  /** The stored bearer tokens and Basic credentials (TokenService), and SCIM_TOKEN. */
  scimTokens: TokenVerifier & BasicVerifier;
  /** OAuth 2.0 access tokens, presented as Bearer; used when SCIM_AUTH_SCHEMES has oauth. */
  oauthTokens?: TokenVerifier;
  authFailures: AuthFailureStore;
  /** Counts and times every request (prom-client); mounted first. */
  httpMetrics?: RequestHandler;
  /** /healthz, /readyz, /metrics: unauthenticated, no personal data. */
  opsRouter?: Router;
  /** /admin/...: mounted behind ADMIN_TOKEN, never the SCIM token. */
  adminRouter?: Router;
  adminTokens?: TokenVerifier;
  /** With adminRouter: browser sign-in at /admin/login and the console pages (http/admin-surface.ts). */
  adminConsole?: AdminSurfaceDependencies['console'];
  /** /oauth2/authorize and /oauth2/token for Okta's OAuth 2.0 mode (oauth/oauth-router.ts). */
  oauthRouter?: Router;
  /** When given, SCIM requests get 503 at once while it says Redis is unreachable. */
  storeReadiness?: StoreReadiness;
  /** The named directories at /scim/v2/d/<name>; undefined for a name no directory has. */
  directories?: (name: string) => Promise<ScimDirectoryDependencies | undefined>;
}

/** What one directory's SCIM endpoints need. */
export interface ScimDirectoryDependencies {
  resources: ResourceService;
  importRefresh?: ImportRefresh;
  scimTokens: TokenVerifier & BasicVerifier;
  /** OAuth 2.0 access tokens (the default directory's /oauth2 issues them). */
  oauthTokens?: TokenVerifier;
  authFailures: AuthFailureStore;
}

/** Builds the Express app from its dependencies; never listens (tests start it on port 0). */
export function createApp(deps: AppDependencies): express.Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxySetting(config.http.trustProxy));
  if (config.http.publicBaseUrl) app.set(PUBLIC_BASE_URL_SETTING, config.http.publicBaseUrl.replace(/\/+$/, ''));
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use(requestIdMiddleware);
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused with 400. Node's own check answers
  // with a bare status line, so the server turns it off (lifecycle/bridge-process.ts) for this one.
  app.use((req, res, next) => {
    if (req.httpVersion === '1.1' && req.headers.host === undefined) {
      res.setHeader('Connection', 'close');
      throw new BridgeError('The request has no Host header', 400);
    }
    next();
  });
  if (deps.httpMetrics) app.use(deps.httpMetrics);

  // SCIM first: Okta's traffic should not walk past the ops and admin routes on every request.
  const authSchemes = parseAuthSchemes(config.auth.schemes);
  if (deps.directories) app.use(`${SCIM_BASE_PATH}/d/:directory`, namedDirectories(deps, deps.directories, authSchemes));
  app.use(SCIM_BASE_PATH, scimRouter(deps, deps, authSchemes));
  if (deps.opsRouter) app.use(deps.opsRouter);
  // Left out of SCIM_AUTH_SCHEMES, OAuth issues nothing either: /oauth2 answers 404 like any unknown path.
  if (deps.oauthRouter && authSchemes.includes('oauth')) app.use('/oauth2', deps.oauthRouter);
  if (deps.adminRouter && deps.adminTokens) {
    app.use(
      '/admin',
      adminSurface({
        config,
        logger,
        adminTokens: deps.adminTokens,
        authFailures: deps.authFailures,
        jsonRouter: deps.adminRouter,
        console: deps.adminConsole,
      }),
    );
  }

  app.use((req) => {
    throw new NotFoundError(`Nothing at ${req.path}`);
  });
  app.use(errorMiddleware(logger));
  return app;
}

/** One directory's SCIM endpoints: authentication with its own credentials, then Users, Groups and discovery. */
function scimRouter(deps: AppDependencies, directory: ScimDirectoryDependencies, authSchemes: AuthScheme[]): Router {
  const { config, logger } = deps;
  const scim = express.Router({ caseSensitive: false });
  if (deps.storeReadiness) scim.use(storeAvailability(deps.storeReadiness));
  const scimVerifiers = enabledVerifiers(authSchemes, { tokens: directory.scimTokens, oauth: directory.oauthTokens });
  scim.use(credentialAuth(scimVerifiers, directory.authFailures, config.auth.failLimit, logger, 'scim'));
  // Okta sends application/scim+json; its SPEC test sends application/json: parse any body as JSON.
  // Only Users and Groups take a body, so `POST /Schemas` with a non-JSON body gets its 405, not a
  // parse error.
  const parseJson = express.json({ type: () => true, limit: config.http.bodyLimitBytes, strict: false });
  scim.use('/Users', parseJson, resourceRouter('User', directory.resources, directory.importRefresh));
  scim.use('/Groups', parseJson, resourceRouter('Group', directory.resources));
  scim.use(discoveryRouter(authSchemes));
  scim.use((req) => {
    throw new NotFoundError(`No SCIM endpoint at ${req.method} ${req.baseUrl}${req.path}`);
  });
  return scim;
}

/**
 * /scim/v2/d/<name>: the named directory's own router, built on its first request. Nothing crosses
 * directories: a credential of one is unknown to another's verifier, so it gets 401 there.
 */
function namedDirectories(
  deps: AppDependencies,
  lookup: (name: string) => Promise<ScimDirectoryDependencies | undefined>,
  authSchemes: AuthScheme[],
): RequestHandler {
  const routers = new Map<ScimDirectoryDependencies, Router>();
  return async (req, res, next) => {
    const name = String(req.params.directory);
    if (name.toLowerCase() === DEFAULT_DIRECTORY) throw new NotFoundError(`The default directory is at ${SCIM_BASE_PATH}, not ${req.baseUrl}`);
    const directory = await lookup(name);
    if (!directory) throw new NotFoundError(`No directory named ${JSON.stringify(name)} at ${req.baseUrl}`);
    let router = routers.get(directory);
    if (!router) {
      router = scimRouter(deps, directory, authSchemes);
      routers.set(directory, router);
    }
    router(req, res, next);
  };
}
