import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { clientAddress } from '../http/client-address';
import { html, layout, sendPage } from '../http/console/console-html';
import type { Logger } from '../logging/logger';
import type { AuthFailureStore } from '../store/auth-failure-store';
import { APPROVAL_PATH } from './oauth-approval-pages';
import type { OAuthService } from './oauth-service';

export interface OAuthRouterDependencies {
  oauth: OAuthService;
  authFailures: AuthFailureStore;
  /** AUTH_FAIL_LIMIT: failed client authentications per client address and window before 429; 0 disables. */
  failLimit: number;
  logger: Logger;
  /** Whether the console (ADMIN_TOKEN) is on: without it nobody can sign in to approve. */
  consoleEnabled: boolean;
  bodyLimitBytes: number;
}

/** The throttle key of the token endpoint's client authentication, beside 'scim' and 'admin'. */
export const OAUTH_SURFACE = 'oauth';

/**
 * /oauth2: the authorization endpoint (RFC 6749 §3.1), where Okta sends the admin's browser, and
 * the token endpoint (§3.2), which Okta calls itself. The approval itself is a console page
 * (oauth-approval-pages.ts), behind the console's sign-in and CSRF token.
 */
export function oauthRouter(deps: OAuthRouterDependencies): Router {
  const { oauth, logger } = deps;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: deps.bodyLimitBytes, parameterLimit: 50 });

  router.get('/authorize', async (req, res) => {
    if (!deps.consoleEnabled) {
      return problemPage(res, 503, 'Approving needs the console, and the console is off: set ADMIN_TOKEN on the bridge and restart it.');
    }
    const outcome = await oauth.startAuthorization(req.query);
    if (outcome.kind === 'refuse') return problemPage(res, outcome.status, outcome.message);
    if (outcome.kind === 'redirect') return res.redirect(302, outcome.location);
    // A path only, which the sign-in's `next` accepts (admin-surface.ts safeNext): without a console
    // session the admin signs in first and lands back here.
    res.redirect(303, `${APPROVAL_PATH}/${outcome.approvalId}`);
  });

  router.post('/token', form, async (req, res) => {
    const answer = await oauth.token({ headers: req.headers, method: req.method, query: req.query, body: req.body });
    if (answer.clientAuthFailed) {
      const client = clientAddress(req);
      // The same counter and limit as bearerAuth: count first, then compare, so parallel guesses
      // past the limit are all refused; a client that authenticates is never counted or refused.
      const { failures, resetsInSeconds } = await deps.authFailures.recordFailure(`${OAUTH_SURFACE}:${client}`);
      if (deps.failLimit > 0 && failures > deps.failLimit) {
        res.setHeader('Retry-After', String(resetsInSeconds));
        res.setHeader('Cache-Control', 'no-store');
        return res.status(429).json({ error: 'invalid_client', error_description: 'Too many failed client authentications; retry later' });
      }
      logger.warn('authentication failed', { category: 'auth', requestId: req.requestId, surface: OAUTH_SURFACE, client });
    }
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.status(answer.status).json(answer.body);
  });

  router.all('/token', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'invalid_request', error_description: 'Use POST' });
  });

  // The token endpoint answers in RFC 6749 §5.2 JSON, the authorization endpoint with a page;
  // neither with a SCIM body or a stack trace.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const parserStatus = (err as { status?: unknown } | undefined)?.status;
    const clientMistake = typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500;
    if (!clientMistake) logger.error('OAuth request failed', { category: 'auth', surface: OAUTH_SURFACE, requestId: req.requestId, err });
    const status = clientMistake ? parserStatus : 503;
    if (status === 503) res.setHeader('Retry-After', '5');
    if (req.path === '/token') {
      res.setHeader('Cache-Control', 'no-store');
      return res
        .status(status)
        .json(clientMistake ? { error: 'invalid_request', error_description: 'The request body could not be read' } : { error: 'temporarily_unavailable' });
    }
    problemPage(res, status, clientMistake ? 'The request could not be read.' : "The bridge's store cannot be reached; try again in a few seconds.");
  });
  return router;
}

function problemPage(res: Response, status: number, message: string): void {
  sendPage(res, status, layout({ title: 'Authorization refused', problem: message }, html`<p>Nothing was sent back to the application.</p>`));
}
