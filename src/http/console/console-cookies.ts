import type { Request } from 'express';
import { PUBLIC_BASE_URL_SETTING } from '../public-origin';

/** The session cookie: HttpOnly, so no script (ours has none) can read it. */
export const SESSION_COOKIE = 'scimbridge_console';
/**
 * The CSRF token for the queue dashboard's own requests: bull-board's page sends its actions with
 * axios, which copies the XSRF-TOKEN cookie into an X-XSRF-TOKEN header on same-origin requests
 * (https://axios-http.com/docs/req_config, xsrfCookieName / xsrfHeaderName). So this one is
 * readable by script, scoped to the dashboard's path, and only a copy: the server compares the
 * header with the token it keeps in the session, never with the cookie.
 */
export const DASHBOARD_CSRF_COOKIE = 'XSRF-TOKEN';
export const DASHBOARD_CSRF_HEADER = 'x-xsrf-token';
export const CONSOLE_PATH = '/admin';
export const DASHBOARD_PATH = '/admin/queues';

/**
 * Whether the browser reached the bridge over TLS: the connection itself, X-Forwarded-Proto from a
 * proxy TRUST_PROXY trusts (Express's req.secure), or a PUBLIC_BASE_URL that says https. Then the
 * cookies are Secure and never travel over plain HTTP (RFC 6265bis §4.1.2.5,
 * https://datatracker.ietf.org/doc/draft-ietf-httpbis-rfc6265bis/).
 */
export function reachedOverTls(req: Pick<Request, 'secure' | 'app'>): boolean {
  if (req.secure) return true;
  const configured = req.app.get(PUBLIC_BASE_URL_SETTING) as string | undefined;
  return typeof configured === 'string' && configured.toLowerCase().startsWith('https:');
}

export interface CookieOptions {
  path: string;
  httpOnly: boolean;
  secure: boolean;
  /** Seconds; 0 removes the cookie. Absent: a session cookie, gone when the browser closes. */
  maxAge?: number;
}

/**
 * One Set-Cookie value. SameSite=Strict keeps the browser from sending it on any request another
 * site starts, a link included (RFC 6265bis §8.8; OWASP Cross-Site Request Forgery Prevention Cheat
 * Sheet, "SameSite Cookie Attribute"); no Domain, so it is host-only; no Expires, so the session
 * ends when the browser closes, whatever the server-side lifetime.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'SameSite=Strict'];
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  return parts.join('; ');
}

/** The value of one cookie from the Cookie header (RFC 6265bis §5.7: `name=value` pairs split by `; `), or undefined. */
export function readCookie(req: Pick<Request, 'headers'>, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    if (pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}

/** The Set-Cookie values that start a signed-in browser: the session, and the dashboard's CSRF copy. */
export function signedInCookies(sessionId: string, csrfToken: string, secure: boolean): string[] {
  return [
    serializeCookie(SESSION_COOKIE, sessionId, { path: CONSOLE_PATH, httpOnly: true, secure }),
    serializeCookie(DASHBOARD_CSRF_COOKIE, csrfToken, { path: DASHBOARD_PATH, httpOnly: false, secure }),
  ];
}

/** The Set-Cookie values that remove both (same name and Path, Max-Age=0). */
export function signedOutCookies(secure: boolean): string[] {
  return [
    serializeCookie(SESSION_COOKIE, '', { path: CONSOLE_PATH, httpOnly: true, secure, maxAge: 0 }),
    serializeCookie(DASHBOARD_CSRF_COOKIE, '', { path: DASHBOARD_PATH, httpOnly: false, secure, maxAge: 0 }),
  ];
}
