/**
 * The console as a browser speaks to it, over plain fetch: form posts, cookies by hand, redirects
 * not followed, so a test sees every Set-Cookie and Location. For the security tests, which need
 * no rendering; test/support/console-browser.ts drives a real Chromium.
 */
import { TEST_ADMIN_TOKEN } from './bridge-harness';

/** What a browser sends when it navigates or submits a form. */
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
export const SESSION_COOKIE = 'scimbridge_console';

export interface ConsoleAnswer {
  status: number;
  location: string | null;
  setCookies: string[];
  headers: Headers;
  text: string;
}

async function answer(response: Response): Promise<ConsoleAnswer> {
  return {
    status: response.status,
    location: response.headers.get('location'),
    setCookies: response.headers.getSetCookie(),
    headers: response.headers,
    text: await response.text(),
  };
}

export async function consoleGet(baseUrl: string, path: string, cookie?: string, headers: Record<string, string> = {}): Promise<ConsoleAnswer> {
  return answer(
    await fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: { Accept: BROWSER_ACCEPT, ...(cookie ? { Cookie: cookie } : {}), ...headers } }),
  );
}

export async function consolePost(
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
  cookie?: string,
  headers: Record<string, string> = {},
): Promise<ConsoleAnswer> {
  return answer(
    await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        Accept: BROWSER_ACCEPT,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(cookie ? { Cookie: cookie } : {}),
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** The value a Set-Cookie list gives `name` (the last one wins, as in a browser). */
export function cookieFrom(setCookies: string[], name: string): string | undefined {
  const found = setCookies.filter((c) => c.startsWith(`${name}=`)).pop();
  return found?.slice(name.length + 1).split(';')[0];
}

/** The attributes of the Set-Cookie for `name`, lower-cased names: { httponly: '', path: '/admin', ... }. */
export function cookieAttributes(setCookies: string[], name: string): Record<string, string> {
  const found = setCookies.filter((c) => c.startsWith(`${name}=`)).pop() ?? '';
  const attributes: Record<string, string> = {};
  for (const part of found.split(';').slice(1)) {
    const [key, ...value] = part.trim().split('=');
    attributes[key.toLowerCase()] = value.join('=');
  }
  return attributes;
}

/** The session's CSRF token, as a page's forms carry it. */
export function csrfIn(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1];
}

export interface SignedIn {
  sessionId: string;
  cookie: string;
  csrfToken: string;
  answer: ConsoleAnswer;
}

/** Signs in through the form and reads the session's CSRF token from the overview. */
export async function signIn(baseUrl: string, token = TEST_ADMIN_TOKEN, headers: Record<string, string> = {}): Promise<SignedIn> {
  const signedIn = await consolePost(baseUrl, '/admin/login', { token }, undefined, headers);
  const sessionId = cookieFrom(signedIn.setCookies, SESSION_COOKIE);
  if (signedIn.status !== 303 || !sessionId) throw new Error(`sign-in failed: ${signedIn.status} ${signedIn.text.slice(0, 200)}`);
  const cookie = `${SESSION_COOKIE}=${sessionId}`;
  const overview = await consoleGet(baseUrl, '/admin', cookie, headers);
  return { sessionId, cookie, csrfToken: csrfIn(overview.text), answer: signedIn };
}
