import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { BridgeConfig } from '../config/config-schema';
import { BridgeError } from '../errors/bridge-error';
import { isRedisUnavailable } from '../errors/redis-unavailable';
import type { Logger } from '../logging/logger';
import type { AdminSession, AdminSessionStore } from '../store/admin-session-store';
import type { AuthFailureStore } from '../store/auth-failure-store';
import { bearerAuth, type TokenVerifier } from './auth-middleware';
import { clientAddress } from './client-address';
import { DASHBOARD_CSRF_HEADER, readCookie, reachedOverTls, SESSION_COOKIE, signedInCookies, signedOutCookies } from './console/console-cookies';
import { html, layout, sendPage } from './console/console-html';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set when the request came from a signed-in console browser (never for Bearer requests). */
    adminSession?: AdminSession & { id: string };
  }
}

export interface AdminSurfaceDependencies {
  config: BridgeConfig;
  logger: Logger;
  adminTokens: TokenVerifier;
  authFailures: AuthFailureStore;
  /** The JSON actions and the queue dashboard (admin-router.ts), as Bearer scripts know them. */
  jsonRouter: Router;
  /** Browser sign-in and the console's pages (console/console-router.ts); absent, /admin is Bearer only. */
  console?: { sessions: AdminSessionStore; pages: Router };
}

/** The throttle key the Bearer header and the sign-in form share: one secret, one budget of guesses per client. */
const ADMIN_SURFACE = 'admin';
/** Methods that change nothing (RFC 9110 §9.2.1): the only ones a session may send without its CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The queue dashboard's Content-Security-Policy (MDN: https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy). */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline' https://fonts.googleapis.com",
  "font-src 'self' https://fonts.gstatic.com",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');
/** The longest token the form accepts, as the Bearer header (auth-middleware.ts). */
const MAX_TOKEN_LENGTH = 512;

/**
 * What /admin answers to a browser: the page asked for (text/html preferred over JSON, as a
 * navigation or a form sends), else JSON. fetch, curl and bull-board's XHR ask for JSON or anything.
 */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['json', 'html']) === 'html';
}

/**
 * /admin: two ways in, kept apart.
 * - `Authorization: Bearer $ADMIN_TOKEN` (scripts): exactly the JSON API and dashboard of
 *   admin-router.ts, throttled by bearerAuth; no cookie, so no CSRF token either.
 * - A browser signs in at /admin/login with ADMIN_TOKEN and gets a session cookie; every request
 *   that is not GET/HEAD/OPTIONS must then carry the session's CSRF token, or gets 403.
 * The SCIM token opens neither: only ADMIN_TOKEN is checked.
 */
export function adminSurface(deps: AdminSurfaceDependencies): Router {
  const { config, logger, adminTokens, authFailures } = deps;
  const router = express.Router();
  const bearer = bearerAuth(adminTokens, authFailures, config.auth.failLimit, logger, ADMIN_SURFACE);
  const consoleDeps = deps.console;
  // The console's forms; a Bearer request's body is read as before, as JSON only.
  const form = express.urlencoded({ extended: false, limit: config.http.bodyLimitBytes, parameterLimit: 50 });

  if (consoleDeps) {
    const { sessions } = consoleDeps;

    router.get('/login', async (req, res) => {
      const id = readCookie(req, SESSION_COOKIE);
      if (id && (await sessions.touch(id))) return res.redirect(303, '/admin');
      sendPage(res, 200, loginPage({ next: safeNext(req.query.next), notice: req.query.done === 'signed-out' ? 'You are signed out.' : undefined }));
    });

    router.post('/login', refuseCrossSite, form, async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const token = typeof body.token === 'string' ? body.token.trim() : '';
      const next = safeNext(body.next);
      const client = clientAddress(req);
      if (token !== '' && token.length <= MAX_TOKEN_LENGTH && (await adminTokens.verify(token))) {
        // A fresh id on every sign-in, whatever cookie came with it, and that one is ended: an id
        // planted before sign-in is never the one signed in (OWASP Session Management Cheat Sheet,
        // "Renew the Session ID After Any Privilege Level Change").
        const presented = readCookie(req, SESSION_COOKIE);
        if (presented) await sessions.destroy(presented);
        const { id, session } = await sessions.create();
        res.setHeader('Set-Cookie', signedInCookies(id, session.csrfToken, reachedOverTls(req)));
        logger.info('console sign-in', { category: 'auth', requestId: req.requestId, surface: ADMIN_SURFACE, client });
        return res.redirect(303, next);
      }
      // The same counter and limit as the Bearer header (auth-middleware.ts): count first, then
      // compare, so parallel guesses past the limit are all refused.
      const { failures, resetsInSeconds } = await authFailures.recordFailure(`${ADMIN_SURFACE}:${client}`);
      if (config.auth.failLimit > 0 && failures > config.auth.failLimit) {
        res.setHeader('Retry-After', String(resetsInSeconds));
        return sendPage(res, 429, loginPage({ next, problem: `Too many failed sign-ins from this address; try again in ${resetsInSeconds} s.` }));
      }
      logger.warn('authentication failed', { category: 'auth', requestId: req.requestId, surface: ADMIN_SURFACE, client, via: 'console sign-in' });
      sendPage(res, 401, loginPage({ next, problem: token === '' ? 'Enter the admin token.' : 'That is not the admin token.' }));
    });
  }

  router.use(async (req, res, next) => {
    if (!consoleDeps || req.headers.authorization !== undefined) return bearer(req, res, next);
    const id = readCookie(req, SESSION_COOKIE);
    const session = id ? await consoleDeps.sessions.touch(id) : null;
    if (id && session) {
      req.adminSession = { ...session, id };
      return next();
    }
    if (!wantsHtml(req)) return bearer(req, res, next);
    // A browser without a live session (none yet, signed out, expired, or a cookie nobody issued)
    // is sent to sign in; a stale cookie is removed on the way.
    if (id) res.setHeader('Set-Cookie', signedOutCookies(reachedOverTls(req)));
    const target = req.method === 'GET' ? safeNext(`${req.baseUrl}${req.path}`) : '/admin';
    res.redirect(303, target === '/admin' ? '/admin/login' : `/admin/login?next=${encodeURIComponent(target)}`);
  });

  router.use(express.json({ limit: config.http.bodyLimitBytes }));

  if (consoleDeps) {
    router.use((req, res, next) => {
      if (!req.adminSession) return next();
      return form(req, res, (err?: unknown) => {
        if (err) return next(err);
        if (SAFE_METHODS.has(req.method) || csrfTokenMatches(req, req.adminSession!.csrfToken)) return next();
        logger.warn('console request without a valid CSRF token refused', { category: 'auth', requestId: req.requestId, method: req.method });
        if (wantsHtml(req)) {
          return sendPage(
            res,
            403,
            layout(
              { title: 'Refused', csrfToken: req.adminSession!.csrfToken, problem: 'This form did not come from this console, or it has expired.' },
              html`<p>Nothing was changed. Go back, reload the page and try again.</p>`,
            ),
          );
        }
        next(new BridgeError('Missing or invalid CSRF token for this session', 403));
      });
    });
    router.use((req, res, next) => (req.adminSession ? consoleDeps.pages(req, res, next) : next()));
  }

  // The dashboard is bull-board's page, not ours: its scripts and styles are files it serves, plus
  // inline styles and Google-hosted fonts. The policy allows just that, and no inline script.
  router.use('/queues', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    next();
  });
  router.use(deps.jsonRouter);
  router.use((req, res, next) => {
    if (!req.adminSession || !wantsHtml(req)) return next();
    sendPage(
      res,
      404,
      layout(
        { title: 'Not found', csrfToken: req.adminSession.csrfToken },
        html`<p>The console has no such page. <a href="/admin">Back to the overview</a></p>`,
      ),
    );
  });

  // A browser gets its errors as a page, not as SCIM JSON; Bearer requests and everything else go
  // on to errorMiddleware, as before the console.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!consoleDeps || req.headers.authorization !== undefined || !wantsHtml(req) || res.headersSent) return next(err);
    const known = err instanceof BridgeError ? err : undefined;
    // body-parser's own errors (413, 400) keep their status; anything unknown is a 500.
    const parserStatus = (err as { status?: unknown } | undefined)?.status;
    const clientStatus = typeof parserStatus === 'number' && parserStatus >= 400 && parserStatus < 500 ? parserStatus : undefined;
    const status = known?.statusCode ?? (isRedisUnavailable(err) ? 503 : (clientStatus ?? 500));
    if (status >= 500) logger.error('console request failed', { category: 'http', requestId: req.requestId, method: req.method, status, err });
    for (const [name, value] of Object.entries(known?.headers ?? {})) res.setHeader(name, value);
    const message =
      status === 503
        ? "The bridge's store (Redis) cannot be reached; try again in a few seconds."
        : status >= 500
          ? `Something went wrong; quote request id ${req.requestId} to whoever runs the bridge.`
          : (known?.message ?? 'The request could not be handled.');
    sendPage(
      res,
      status,
      layout({ title: status >= 500 ? 'Unavailable' : 'Refused', problem: message }, html`<p><a href="/admin">Back to the overview</a></p>`),
    );
  });
  return router;
}

/**
 * Synchronizer token check (OWASP Cross-Site Request Forgery Prevention Cheat Sheet,
 * https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html#synchronizer-token-pattern):
 * the token comes in the form's `_csrf` field, or in X-CSRF-Token / X-XSRF-TOKEN (the dashboard's
 * axios), and must equal the one stored with the session. Compared over SHA-256 digests with
 * timingSafeEqual, so neither its content nor its length shows in the time taken.
 */
function csrfTokenMatches(req: Request, expected: string): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' && typeof body._csrf === 'string' ? body._csrf : undefined;
  const presented = fromBody ?? req.header('x-csrf-token') ?? req.header(DASHBOARD_CSRF_HEADER);
  if (typeof presented !== 'string' || presented === '') return false;
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The sign-in form has no session to bind a token to, so it is guarded by Fetch Metadata instead
 * (OWASP CSRF Prevention Cheat Sheet, "Fetch Metadata headers"; MDN Sec-Fetch-Site): a browser
 * that says the form was posted from another site is refused. Clients that send no such header
 * (scripts, old browsers) are let through: they hold the token or they learn nothing.
 */
function refuseCrossSite(req: Request, res: Response, next: NextFunction): void {
  const site = req.header('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    sendPage(res, 403, loginPage({ next: '/admin', problem: 'Sign in from this console’s own page.' }));
    return;
  }
  next();
}

/**
 * Where to go after sign-in: a console path only, else the overview. No scheme, host, `//`, dot
 * segment, backslash or query can pass, so it is never an open redirect (OWASP Unvalidated
 * Redirects and Forwards Cheat Sheet).
 */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string' || !/^\/admin(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/.test(value)) return '/admin';
  const path = value.replace(/\/+$/, '');
  if (path === '' || /^\/admin\/(login|logout)$/.test(path)) return '/admin';
  return path;
}

function loginPage(options: { next: string; notice?: string; problem?: string }) {
  return layout(
    { title: 'Sign in', notice: options.notice, problem: options.problem },
    html`<p>Sign in with the bridge's <code>ADMIN_TOKEN</code>. The session ends after a period without use, or when you sign out.</p>
      <form method="post" action="/admin/login">
        <input type="hidden" name="next" value="${options.next}" />
        <p>
          <label>Admin token<br /><input type="password" name="token" autocomplete="off" required autofocus /></label>
        </p>
        <p><button type="submit">Sign in</button></p>
      </form>`,
  );
}
